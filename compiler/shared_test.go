package compiler

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/bqskit-mpi/bqskit-mpi/circuit"
	"github.com/bqskit-mpi/bqskit-mpi/qasm"
)

// sharedDir holds BQSKit's benchmark circuits, shipped in the repository.
var sharedDir = filepath.Join("..", "testdata", "circuits", "bqskit")

// loadShared parses a shared benchmark circuit, skipping the test when the
// shared directory is not there.
func loadShared(t testing.TB, name string) *circuit.Circuit {
	t.Helper()
	path := filepath.Join(sharedDir, name+".qasm")
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("circuit %s missing from the repository: %v", path, err)
	}
	c, err := qasm.ParseFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestPartitionShared partitions two large shared circuits into blocks of
// at most 3 qubits and checks the unfolded op order on every qubit (the
// heavy suite does all six and simulates the smaller ones).
func TestPartitionShared(t *testing.T) {
	for _, name := range []string{"qft64", "shor26"} {
		t.Run(name, func(t *testing.T) { partitionShared(t, name) })
	}
}

// partitionShared partitions a shared circuit with block size 3, checks the
// partition and logs its shape and the time it took.
func partitionShared(t *testing.T, name string) (*circuit.Circuit, *Partition) {
	t.Helper()
	c := loadShared(t, name)
	start := time.Now()
	p, err := QuickPartition(c, 3)
	if err != nil {
		t.Fatal(err)
	}
	el := time.Since(start)
	checkPartition(t, c, p, 3)
	two := 0
	for _, b := range p.Blocks {
		n2, _ := gateCounts(b.Ops)
		two += n2
	}
	t.Logf("%s: %d ops, %d blocks, %.1f two-qubit gates per block, partitioned in %v",
		name, c.Len(), len(p.Blocks), float64(two)/float64(len(p.Blocks)), el)
	return c, p
}

func BenchmarkQuickPartitionShor26(b *testing.B) {
	c := loadShared(b, "shor26")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := QuickPartition(c, 3); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRetargetFuseHeisenberg16(b *testing.B) {
	c := loadShared(b, "heisenberg16")
	b.ReportAllocs()
	for b.Loop() {
		r, err := Retarget(c)
		if err != nil {
			b.Fatal(err)
		}
		FuseSingleQubit(r)
	}
}
