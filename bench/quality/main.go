package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/pflag"

	"github.com/bqskit-mpi/bqskit-mpi/compiler"
	"github.com/bqskit-mpi/bqskit-mpi/qasm"
)

// bqskitFigures are BQSKit's two-qubit counts from the compiler reference
// (older BQSKit versions; indicative), by circuit and level.
var bqskitFigures = map[string]map[int]int{
	"heisenberg16": {1: 338, 2: 322},
}

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "quality:", err)
		os.Exit(1)
	}
}

type key struct {
	name  string
	level int
}

type stat struct {
	best, worst int
	secs, cpu   float64
	maxDist     float64
	runs        int
}

// cpuSeconds is the CPU time (user and system) this process has used.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

func run(args []string) error {
	fs := pflag.NewFlagSet("quality", pflag.ContinueOnError)
	dir := fs.String("dir", filepath.Join("testdata", "circuits", "bqskit"), "directory of the .qasm circuits")
	names := fs.StringSlice("circuits", []string{"tfim4", "qft5", "grover5", "adder9", "qaoa12", "heisenberg16", "hub18"}, "circuit names (NAME.qasm in --dir) or .qasm paths")
	levels := fs.IntSlice("levels", []int{1, 2, 3}, "optimization levels, lowest first")
	seeds := fs.IntSlice("seeds", []int{1, 2, 3}, "seeds")
	workers := fs.Int("workers", 2, "local executor workers")
	blockSize := fs.Int("block-size", compiler.DefaultBlockSize, "partition block size")
	partition := fs.Bool("partition", false, "print QuickPartition's block counts and exit")
	maxCost := fs.Float64("max-cost", 1e-6, "largest verified cost accepted")
	if err := fs.Parse(args); err != nil {
		return err
	}
	stats := map[key]*stat{}
	var bad []string
	for _, name := range *names {
		path := name
		if !strings.HasSuffix(name, ".qasm") {
			path = filepath.Join(*dir, name+".qasm")
		}
		name = strings.TrimSuffix(filepath.Base(name), ".qasm")
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		in, err := qasm.Parse(path, src)
		if err != nil {
			return err
		}
		if *partition {
			p, err := compiler.QuickPartition(in, *blockSize)
			if err != nil {
				return err
			}
			multi := 0
			for _, b := range p.Blocks {
				if !b.Directive && b.TwoQubitCount() > 0 {
					multi++
				}
			}
			fmt.Printf("%s: %d blocks, %d with two-qubit gates\n", name, len(p.Blocks), multi)
			continue
		}
		for _, seed := range *seeds {
			prev := -1
			for _, level := range *levels {
				start, cpu0 := time.Now(), cpuSeconds()
				res, err := compiler.Compile(context.Background(), compiler.Request{
					QASM: string(src), Name: path, OptimizationLevel: level, Seed: uint64(seed),
					BlockSize: *blockSize, RequestData: true,
				}, compiler.NewLocalExecutor(*workers, nil), nil, nil)
				if err != nil {
					return fmt.Errorf("%s level %d seed %d: %w", name, level, seed, err)
				}
				el, cpu := time.Since(start).Seconds(), cpuSeconds()-cpu0
				out, err := qasm.Parse("out", []byte(res.QASM))
				if err != nil {
					return err
				}
				v, err := compiler.Verify(in, out, uint64(seed))
				if err != nil {
					return err
				}
				n := out.TwoQubitCount()
				fmt.Printf("%s L%d seed %d: %d -> %d two-qubit gates, cost %.3g, distance %.3g, %.1fs wall, %.1fs CPU\n",
					name, level, seed, in.TwoQubitCount(), n, v.Cost, v.Distance, el, cpu)
				if v.Cost > *maxCost {
					bad = append(bad, fmt.Sprintf("%s L%d seed %d: cost %.3g", name, level, seed, v.Cost))
				}
				if prev >= 0 && n > prev {
					bad = append(bad, fmt.Sprintf("%s L%d seed %d: %d two-qubit gates, more than the level below (%d)", name, level, seed, n, prev))
				}
				prev = n
				k := key{name, level}
				s := stats[k]
				if s == nil {
					s = &stat{best: n, worst: n}
					stats[k] = s
				}
				s.best, s.worst = min(s.best, n), max(s.worst, n)
				s.secs += el
				s.cpu += cpu
				s.maxDist = max(s.maxDist, v.Distance)
				s.runs++
			}
		}
	}
	if *partition {
		return nil
	}
	fmt.Printf("\n| circuit |")
	for _, l := range *levels {
		fmt.Printf(" L%d 2q best-worst (BQSKit) | L%d mean s wall/CPU | L%d max dist |", l, l, l)
	}
	fmt.Println()
	fmt.Print("|---|")
	for range *levels {
		fmt.Print("---|---|---|")
	}
	fmt.Println()
	for _, name := range *names {
		name = strings.TrimSuffix(filepath.Base(name), ".qasm")
		fmt.Printf("| %s |", name)
		for _, l := range *levels {
			s := stats[key{name, l}]
			ref := ""
			if f, ok := bqskitFigures[name][l]; ok {
				ref = fmt.Sprintf(" (%d)", f)
			}
			fmt.Printf(" %d-%d%s | %.1f/%.1f | %.2g |", s.best, s.worst, ref, s.secs/float64(s.runs), s.cpu/float64(s.runs), s.maxDist)
		}
		fmt.Println()
	}
	if len(bad) > 0 {
		fmt.Println()
		for _, b := range bad {
			fmt.Println("FAIL", b)
		}
		return errors.New("some runs failed their checks")
	}
	return nil
}
