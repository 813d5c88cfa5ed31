package compiler

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

func TestScratchL4(t *testing.T) {
	src, _ := os.ReadFile(filepath.Join(sharedDir, "tfim4.qasm"))
	res, err := Compile(context.Background(), Request{QASM: string(src), Seed: 1, OptimizationLevel: 4, RequestData: true}, NewLocalExecutor(2, nil), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range res.Data.Stages {
		t.Logf("STAGE %s %d %.1f", s.Pass, s.TwoQubitGates, s.Seconds)
	}
	for _, s := range res.Data.Blocks {
		tot := 0.0
		for _, x := range s.Seconds {
			tot += x
		}
		t.Logf("BLK %s %d replaced %d total %.1f", s.Pass, s.Blocks, s.Replaced, tot)
	}
}
