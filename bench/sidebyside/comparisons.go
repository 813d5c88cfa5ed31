package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"

	"github.com/bqskit-mpi/bqskit-mpi/bench/report"
)

// notes explain each comparison's set-up in latest.md and latest.json.
var notes = map[string]string{
	"runtime": "BQSKit: its attached runtime with 2 worker processes (started once, on free loopback ports), one pass mapping the tasks through get_runtime().map, timed around Compiler.compile. " +
		"Ours: bench/runtime, one root task mapping the tasks, timed by the client; `embedded` = server and 2 workers as goroutines in one process, `mpi` = mpirun -n 3 (server + 2 worker ranks, idle policy sleep, 1 slot each); each figure of ours is the median of 3 runs in one process start.",
	"xrank": "A parent task submits an empty subtask and waits for it, k times; only the round trips whose subtask ran in another process count (the share is reported). " +
		"Ours: mpirun -n 3, the parent keeps its compute slot while waiting, so the subtask must cross to the other worker rank through MPI. BQSKit: awaited get_runtime().submit between its 2 worker processes.",
	"instantiate": "The same template (U3 on each of 3 qubits, then per layer CX + RY RZ / RY RX) and the same targets (the template's unitary at seeded uniform parameters, written as .npy and read by both). " +
		"BQSKit: Circuit.instantiate with its defaults (bqskitrs Ceres LM), one start; ours: instantiate.Workspace with its defaults (LM, one start). Thread CPU time per call on one core; success = c = 1 - |Tr(U†V)|/N < 1e-8 for both; CPU per success = all CPU / successes.",
	"compile": "BQSKit: bqskit.compile(circuit, optimization_level, seed) on its 2-worker runtime, already started (start-up not counted). Ours: bin/bqskit-compile -O L --seed S --workers 2 --verify, wall time of the whole command (process start included). " +
		"Seeds are the repetitions. Our outputs are verified (cost printed in the raw records); an output failing verification is recorded as failed.",
	"synthesis": "Seeded Haar-random 3-qubit unitaries (written as .npy, read by both) and the Toffoli gate, compiled at level 3 with seed 1: BQSKit's compile(UnitaryMatrix) and our bqskit-compile U.npy -O 3 --workers 2 --verify.",
	"scaling":   "Level 1, seed 1, with 1 and 2 workers on each side (BQSKit: a runtime with that many worker processes; ours: --workers). Efficiency = T1 / (N·TN). On a bigger machine: `go run ./bench/sidebyside --only scaling --scaling-workers 1,2,4,8,16,32 --scaling-ranks 1,2,4,8,16,32` (ranks: mpirun -n N+1 bin/bqskit-mpi, compiled through bqskit-compile --ip).",
}

func (b *bench) runtime(ctx context.Context) error {
	p := b.p
	items := []struct {
		item, bench, op string
	}{
		{fmt.Sprintf("empty tasks x%d", p.tasks), "empty_tasks", "empty_tasks"},
		{fmt.Sprintf("nested map %dx%d", p.parents, p.children), "nested_map", "nested_map"},
	}
	for rep := range p.runtimeReps {
		for _, it := range items {
			b.startItem()
			bq := func() error {
				return b.measure(ctx, report.Record{Item: it.item, System: report.BQSKit, Rep: rep}, func(t time.Duration) (map[string]float64, map[string][]float64, error) {
					m, err := b.py.do(map[string]any{"op": it.op, "tasks": p.tasks, "parents": p.parents, "children": p.children}, t)
					if err != nil {
						return nil, nil, err
					}
					return runtimeValues(it.bench, num(m, "seconds"), p.tasks), nil, nil
				})
			}
			ours := func(variant string) error {
				return b.measure(ctx, report.Record{Item: it.item, System: report.Ours, Variant: variant, Rep: rep}, func(t time.Duration) (map[string]float64, map[string][]float64, error) {
					secs, err := b.oursRuntime(ctx, variant, it.bench, t)
					if err != nil {
						return nil, nil, err
					}
					return runtimeValues(it.bench, secs, p.tasks), nil, nil
				})
			}
			order := []func() error{bq, func() error { return ours("embedded") }, func() error { return ours("mpi -n 3") }}
			if rep%2 == 1 {
				order = []func() error{order[1], order[2], order[0]}
			}
			for _, f := range order {
				if err := f(); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func runtimeValues(bench string, secs float64, tasks int) map[string]float64 {
	v := map[string]float64{"seconds": secs}
	if bench == "empty_tasks" && secs > 0 {
		v["tasks_per_s"] = float64(tasks) / secs
	}
	return v
}

var mpiEnv = []string{"BQSKIT_BENCH_RANKS=3", "BQSKIT_BENCH_IDLE=sleep", "OMPI_ALLOW_RUN_AS_ROOT=1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1", "OPENBLAS_NUM_THREADS=1"}

// oursRuntime runs one bench/runtime benchmark and returns its median
// seconds.
func (b *bench) oursRuntime(ctx context.Context, variant, bench string, t time.Duration) (float64, error) {
	args := []string{"--bench", bench, "--tasks", fmt.Sprint(b.p.tasks), "--nested", fmt.Sprintf("%dx%d", b.p.parents, b.p.children), "--reps", "3"}
	var env []string
	if variant == "embedded" {
		args = append(args, "--mode", "embedded", "--workers", "2")
	} else {
		args = append(args, "--mode", "mpi", "--slots", "1")
		env = mpiEnv
	}
	out, _, err := runCmd(ctx, t, env, b.o.rtbench, args...)
	if err != nil {
		return 0, err
	}
	lines, err := parseRTLines(out)
	if err != nil {
		return 0, err
	}
	l, err := findBench(lines, bench)
	if err != nil {
		return 0, err
	}
	if bench == "empty_tasks" {
		tps, _ := l["tasks_per_s"].(float64)
		if tps <= 0 {
			return 0, fmt.Errorf("sidebyside: bad tasks_per_s in %v", l)
		}
		return float64(b.p.tasks) / tps, nil
	}
	s, _ := l["seconds"].(float64)
	return s, nil
}

func (b *bench) xrank(ctx context.Context) error {
	p := b.p
	item := fmt.Sprintf("round trip x%d", p.xrankK)
	for rep := range p.xrankReps {
		b.startItem()
		bq := func() error {
			return b.measure(ctx, report.Record{Item: item, System: report.BQSKit, Rep: rep}, func(t time.Duration) (map[string]float64, map[string][]float64, error) {
				m, err := b.py.do(map[string]any{"op": "roundtrip", "k": p.xrankK}, t)
				if err != nil {
					return nil, nil, err
				}
				ns, crossed := floats(m["ns"]), bools(m["crossed"])
				var xs []float64
				for i, d := range ns {
					if i < len(crossed) && crossed[i] {
						xs = append(xs, d/1e9)
					}
				}
				return plainValues(report.LatencyValues(xs, len(ns))), nil, nil
			})
		}
		ours := func() error {
			return b.measure(ctx, report.Record{Item: item, System: report.Ours, Variant: "mpi -n 3", Rep: rep}, func(t time.Duration) (map[string]float64, map[string][]float64, error) {
				out, _, err := runCmd(ctx, t, mpiEnv, b.o.rtbench, "--mode", "mpi", "--slots", "1", "--bench", "xrank_roundtrip", "--roundtrips", fmt.Sprint(p.xrankK))
				if err != nil {
					return nil, nil, err
				}
				lines, err := parseRTLines(out)
				if err != nil {
					return nil, nil, err
				}
				l, err := findBench(lines, "xrank_roundtrip")
				if err != nil {
					return nil, nil, err
				}
				return xrankValues(l)
			})
		}
		order := []func() error{bq, ours}
		if rep%2 == 1 {
			order = []func() error{ours, bq}
		}
		for _, f := range order {
			if err := f(); err != nil {
				return err
			}
		}
	}
	return nil
}

// xrankValues reads bench/runtime's xrank_roundtrip line.
func xrankValues(l rtLine) (map[string]float64, map[string][]float64, error) {
	crossed, _ := l["crossed"].(float64)
	samples, _ := l["samples"].(float64)
	if samples <= 0 {
		return nil, nil, fmt.Errorf("sidebyside: xrank_roundtrip line without samples: %v", l)
	}
	v := map[string]float64{"crossed": crossed, "crossed_fraction": crossed / samples}
	if crossed > 0 {
		v["p50_us"], _ = l["p50_us"].(float64)
		v["p99_us"], _ = l["p99_us"].(float64)
	}
	return v, nil, nil
}

func plainValues(m map[string]report.Float) map[string]float64 {
	out := make(map[string]float64, len(m))
	for k, v := range m {
		out[k] = float64(v)
	}
	return out
}

func (b *bench) instantiate(ctx context.Context) error {
	p := b.p
	dir := filepath.Join(b.work, "targets")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	const seed = 7
	for _, layers := range p.instLayers {
		var files []string
		for i, m := range templateTargets(layers, p.instTargets, seed) {
			f, err := filepath.Abs(filepath.Join(dir, fmt.Sprintf("L%d_%d.npy", layers, i)))
			if err != nil {
				return err
			}
			if err := writeNPY(f, m); err != nil {
				return err
			}
			files = append(files, f)
		}
		item := fmt.Sprintf("3q/%d layers", layers)
		for rep := range p.instReps {
			b.startItem()
			s := uint64(1000 * (rep + 1))
			bq := func() error {
				return b.measure(ctx, report.Record{Item: item, System: report.BQSKit, Rep: rep}, func(t time.Duration) (map[string]float64, map[string][]float64, error) {
					m, err := b.py.do(map[string]any{"op": "instantiate", "layers": layers, "files": files, "seed": s}, t)
					if err != nil {
						return nil, nil, err
					}
					cpu, cost := floats(m["cpu_s"]), floats(m["cost"])
					return plainValues(report.InstantiationValues(cpu, cost, 1e-8)), map[string][]float64{"cpu_s": cpu, "cost": cost}, nil
				})
			}
			ours := func() error {
				return b.measure(ctx, report.Record{Item: item, System: report.Ours, Rep: rep}, func(t time.Duration) (map[string]float64, map[string][]float64, error) {
					ictx, cancel := context.WithTimeout(ctx, t)
					defer cancel()
					cpu, cost, err := oursInstantiate(ictx, layers, files, s)
					if ictx.Err() == context.DeadlineExceeded {
						return nil, nil, errTimeout
					}
					if err != nil {
						return nil, nil, err
					}
					return plainValues(report.InstantiationValues(cpu, cost, 1e-8)), map[string][]float64{"cpu_s": cpu, "cost": cost}, nil
				})
			}
			order := []func() error{bq, ours}
			if rep%2 == 1 {
				order = []func() error{ours, bq}
			}
			for _, f := range order {
				if err := f(); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func (b *bench) compileItem(ctx context.Context, input, item, variant string, level, seed, workers, rep int, py *pySide, synth bool) error {
	abs, err := filepath.Abs(input)
	if err != nil {
		return err
	}
	tmp := filepath.Join(b.work, fmt.Sprintf("%s-%s-L%d-s%d-w%d", b.cmpName, filepath.Base(input), level, seed, workers))
	bq := func() error {
		if py == nil {
			return nil
		}
		return b.measure(ctx, report.Record{Item: item, System: report.BQSKit, Variant: variant, Rep: rep, Seed: seed}, func(t time.Duration) (map[string]float64, map[string][]float64, error) {
			req := map[string]any{"op": "compile", "qasm": abs, "level": level, "seed": seed, "out": tmp + "-bqskit.qasm"}
			if synth {
				req = map[string]any{"op": "synth", "npy": abs, "level": level, "seed": seed}
			}
			m, err := py.do(req, t)
			if err != nil {
				return nil, nil, err
			}
			v := map[string]float64{"seconds": num(m, "seconds"), "two_qubit_out": num(m, "two_qubit_out")}
			if x, ok := m["two_qubit_in"].(float64); ok {
				v["two_qubit_in"] = x
			}
			if x, ok := m["cost"].(float64); ok {
				v["cost"] = x
			}
			return v, nil, nil
		})
	}
	ours := func() error {
		return b.measure(ctx, report.Record{Item: item, System: report.Ours, Variant: variant, Rep: rep, Seed: seed}, func(t time.Duration) (map[string]float64, map[string][]float64, error) {
			v, err := oursCompile(ctx, filepath.Join(b.o.bin, "bqskit-compile"), abs, level, seed, workers, t, tmp+"-ours")
			return v, nil, err
		})
	}
	b.startItem()
	order := []func() error{bq, ours}
	if (seed+level+len(item))%2 == 1 {
		order = []func() error{ours, bq}
	}
	for _, f := range order {
		if err := f(); err != nil {
			return err
		}
	}
	return nil
}

func (b *bench) compile(ctx context.Context) error {
	for _, seed := range b.p.seeds {
		for _, level := range b.p.levels {
			for _, c := range b.p.circuits {
				in := filepath.Join(b.o.testdata, c+".qasm")
				if err := b.compileItem(ctx, in, fmt.Sprintf("%s/L%d", c, level), "", level, seed, 2, 0, b.py, false); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func (b *bench) synthesis(ctx context.Context) error {
	dir := filepath.Join(b.work, "unitaries")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	type input struct{ name, file string }
	ins := []input{{"toffoli", filepath.Join(dir, "toffoli.npy")}}
	if err := writeNPY(ins[0].file, toffoli()); err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(2026, 3))
	for i := range b.p.synthRandom {
		in := input{fmt.Sprintf("random%d", i), filepath.Join(dir, fmt.Sprintf("random%d.npy", i))}
		if err := writeNPY(in.file, haar(8, rng)); err != nil {
			return err
		}
		ins = append(ins, in)
	}
	for _, in := range ins {
		if err := b.compileItem(ctx, in.file, in.name, "", 3, 1, 2, 0, b.py, true); err != nil {
			return err
		}
	}
	return nil
}

func workersLabel(n int) string {
	if n == 1 {
		return "1 worker"
	}
	return fmt.Sprintf("%d workers", n)
}

func ranksLabel(n int) string {
	if n == 1 {
		return "1 worker rank"
	}
	return fmt.Sprintf("%d worker ranks", n)
}

func (b *bench) scaling(ctx context.Context) error {
	in := filepath.Join(b.o.testdata, b.p.scalingCircuit+".qasm")
	item := b.p.scalingCircuit + "/L1"
	for _, w := range b.p.scalingWorkers {
		py := b.py
		if py != nil && w != 2 {
			py = newPySide(b.o.python, b.o.script, w, filepath.Join(b.o.out, "bqskit-side.log"))
		}
		for rep := range b.p.scalingReps {
			if err := b.compileItem(ctx, in, item, workersLabel(w), 1, 1, w, rep, py, false); err != nil {
				if py != b.py && py != nil {
					py.close()
				}
				return err
			}
		}
		if py != b.py && py != nil {
			py.close()
		}
	}
	for _, n := range b.o.scalingRanks {
		for rep := range b.p.scalingReps {
			b.startItem()
			err := b.measure(ctx, report.Record{Item: item, System: report.Ours, Variant: ranksLabel(n), Rep: rep, Seed: 1}, func(t time.Duration) (map[string]float64, map[string][]float64, error) {
				return b.oursMPICompile(ctx, in, n, t)
			})
			if err != nil {
				return err
			}
		}
	}
	return nil
}
