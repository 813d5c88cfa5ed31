package rtbench_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/bqskit-mpi/bqskit-mpi/bench/runtime/rtbench"
	"github.com/bqskit-mpi/bqskit-mpi/hierarchy"
)

func TestRunAll(t *testing.T) {
	defer goleak.VerifyNone(t)
	reg := hierarchy.NewRegistry()
	if err := rtbench.Register(reg); err != nil {
		t.Fatal(err)
	}
	rt, err := hierarchy.StartEmbedded(context.Background(), hierarchy.EmbeddedConfig{Workers: 2, Registry: reg})
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Stop()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var out bytes.Buffer
	cfg := rtbench.Config{Benches: []string{"empty_tasks", "nested_map", "subtask_roundtrip", "xrank_roundtrip"}, Mode: "embedded", Workers: 2,
		Tasks: 500, Parents: 20, Children: 2, Roundtrips: 50, Reps: 1}
	if err := rtbench.RunAll(ctx, rt, cfg, &out); err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{
		"empty_tasks":       {"mode", "workers", "tasks", "tasks_per_s"},
		"nested_map":        {"mode", "workers", "shape", "seconds"},
		"subtask_roundtrip": {"mode", "p50_us", "p99_us"},
		// One process: no subtask can run in another one.
		"xrank_roundtrip": {"mode", "samples", "crossed", "local_p50_us"},
	}
	sc := bufio.NewScanner(&out)
	n := 0
	for sc.Scan() {
		var line map[string]any
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		name, _ := line["bench"].(string)
		for _, k := range want[name] {
			if _, ok := line[k]; !ok {
				t.Errorf("%s line lacks %q: %s", name, k, sc.Text())
			}
		}
		if name == "xrank_roundtrip" && (line["crossed"] != 0.0 || line["samples"] != 50.0) {
			t.Errorf("embedded xrank_roundtrip: %s", sc.Text())
		}
		if name == "nested_map" && line["shape"] != "20x2" {
			t.Errorf("shape %v", line["shape"])
		}
		n++
	}
	if n != 4 {
		t.Fatalf("%d lines, want 4:\n%s", n, out.String())
	}
	cfg.Benches = []string{"nope"}
	if err := rtbench.RunAll(ctx, rt, cfg, &out); !errors.Is(err, rtbench.ErrBadArgs) {
		t.Fatalf("unknown bench: %v", err)
	}
}
