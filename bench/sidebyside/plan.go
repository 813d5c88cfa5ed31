package main

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/bqskit-mpi/bqskit-mpi/bench/report"
)

type options struct {
	quick                             bool
	out, bin, rtbench, python, script string
	testdata                          string
	only                              []string
	resume, noBQSKit                  bool
	scalingWorkers, scalingRanks      []int
	scalingCircuit                    string
	budgetScale                       float64
}

// plan sizes each comparison; quick and full differ only here.
type plan struct {
	runtimeReps, tasks, parents, children int
	xrankK, xrankReps                     int
	instLayers                            []int
	instTargets, instReps                 int
	circuits                              []string
	levels, seeds                         []int
	// maxLevel caps the level per circuit (quick: level 3 on small ones only)
	maxLevel       map[string]int
	synthRandom    int
	scalingCircuit string
	scalingWorkers []int
	scalingReps    int
	// timeout per item and budget per comparison
	timeout map[string]time.Duration
	budget  map[string]time.Duration
}

func makePlan(o options) plan {
	p := plan{
		runtimeReps: 5, tasks: 10000, parents: 1000, children: 2,
		xrankK: 1000, xrankReps: 3,
		instLayers: []int{2, 4, 6, 8}, instTargets: 100, instReps: 2,
		circuits: []string{"tfim4", "qft5", "grover5", "adder9", "qaoa12", "heisenberg16", "hub18"},
		levels:   []int{1, 2, 3}, seeds: []int{1, 2, 3},
		synthRandom: 10, scalingCircuit: "hub18", scalingWorkers: []int{1, 2}, scalingReps: 2,
		timeout: map[string]time.Duration{"runtime": 5 * time.Minute, "xrank": 5 * time.Minute, "instantiate": 5 * time.Minute,
			"compile": 5 * time.Minute, "synthesis": 5 * time.Minute, "scaling": 10 * time.Minute},
		budget: map[string]time.Duration{"runtime": 3 * time.Minute, "xrank": 3 * time.Minute, "instantiate": 4 * time.Minute,
			"compile": 24 * time.Minute, "synthesis": 8 * time.Minute, "scaling": 8 * time.Minute},
	}
	if o.quick {
		p.runtimeReps, p.xrankK, p.xrankReps = 3, 200, 1
		p.instTargets, p.instReps = 20, 1
		p.instTargets = 50
		// Level 3 is left to the synthesis comparison: on a loaded 2-core
		// machine BQSKit needs minutes for even the smallest circuit.
		p.circuits, p.levels, p.seeds = []string{"tfim4", "qft5", "grover5"}, []int{1, 2}, []int{1}
		p.synthRandom, p.scalingCircuit, p.scalingReps = 0, "grover5", 1
		p.timeout = map[string]time.Duration{"runtime": 2 * time.Minute, "xrank": 2 * time.Minute, "instantiate": 2 * time.Minute,
			"compile": 2 * time.Minute, "synthesis": 3 * time.Minute, "scaling": 90 * time.Second}
		p.budget = map[string]time.Duration{"runtime": 2 * time.Minute, "xrank": time.Minute, "instantiate": 2 * time.Minute,
			"compile": 4 * time.Minute, "synthesis": 3 * time.Minute, "scaling": 90 * time.Second}
	}
	if o.scalingCircuit != "" {
		p.scalingCircuit = o.scalingCircuit
	}
	if len(o.scalingWorkers) > 0 {
		p.scalingWorkers = o.scalingWorkers
	}
	for k := range p.timeout {
		if o.budgetScale > 0 {
			p.timeout[k] = time.Duration(float64(p.timeout[k]) * o.budgetScale)
			p.budget[k] = time.Duration(float64(p.budget[k]) * o.budgetScale)
		} else {
			p.budget[k] = 0
		}
	}
	return p
}

// bench is one run: the plan, both sides, the records.
type bench struct {
	o      options
	p      plan
	py     *pySide // nil: BQSKit's side not available
	pyErr  string
	app    *report.Appender
	done   map[string]bool
	recs   []report.Record
	work   string
	loads  map[string]*report.Load
	cmpDur map[string]float64
	notes  map[string]string
	// per comparison: start time (budget)
	cmpStart time.Time
	cmpName  string
	// skipItem: the budget was spent before the current item started (an
	// item once started is measured on both sides).
	skipItem bool
}

// startItem decides, before an item's measurements, whether it is skipped.
func (b *bench) startItem() { b.skipItem = b.overBudget() }

func (b *bench) want(cmp string) bool { return len(b.o.only) == 0 || slices.Contains(b.o.only, cmp) }

// record appends r (unless a resumed run already has it).
func (b *bench) record(r report.Record) error {
	b.recs = append(b.recs, r)
	b.done[r.Key()] = true
	return b.app.Append(r)
}

// overBudget says whether the current comparison has spent its budget.
func (b *bench) overBudget() bool {
	bud := b.p.budget[b.cmpName]
	return bud > 0 && time.Since(b.cmpStart) > bud
}

// measure runs fn for one system/item/rep unless already recorded and
// records the outcome; a failure or timeout is recorded, not returned.
func (b *bench) measure(ctx context.Context, r report.Record, fn func(timeout time.Duration) (map[string]float64, map[string][]float64, error)) error {
	if b.done[r.Key()] {
		return nil
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	r.Cmp = b.cmpName
	timeout := b.p.timeout[b.cmpName]
	if bud := b.p.budget[b.cmpName]; bud > 0 {
		// Near the end of the budget an item gets what is left (at least
		// a minute), so a comparison overruns its budget by little.
		timeout = min(timeout, max(bud-time.Since(b.cmpStart), time.Minute))
	}
	r.Timeout = timeout.Seconds()
	if r.System == report.BQSKit && b.py == nil {
		return nil
	}
	if b.skipItem {
		r.Status, r.Error = "skipped", "the comparison's time budget was spent"
		b.recs = append(b.recs, r) // not persisted: a resumed run measures it
		return nil
	}
	fmt.Fprintf(os.Stderr, "sidebyside: %-11s %-22s %-6s %-10s rep %d seed %d ... ", r.Cmp, r.Item, r.System, r.Variant, r.Rep, r.Seed)
	t0 := time.Now()
	vals, samples, err := fn(timeout)
	switch {
	case errors.Is(err, errTimeout) || errors.Is(err, errPyTimeout):
		r.Status = report.StatusTimeout
		fmt.Fprintf(os.Stderr, "timeout (%.0fs)\n", timeout.Seconds())
	case err != nil:
		if ctx.Err() != nil {
			return ctx.Err()
		}
		r.Status, r.Error = report.StatusFailed, err.Error()
		fmt.Fprintf(os.Stderr, "failed: %v\n", err)
	default:
		r.Status = report.StatusOK
		r.Values = map[string]report.Float{}
		for k, v := range vals {
			r.Values[k] = report.Float(v)
		}
		if len(samples) > 0 {
			r.Samples = map[string][]report.Float{}
			for k, v := range samples {
				r.Samples[k] = report.Floats(v)
			}
		}
		fmt.Fprintf(os.Stderr, "%.1fs\n", time.Since(t0).Seconds())
	}
	return b.record(r)
}

// loadSampler samples the 1-minute load average every 2 s until stop.
func loadSampler() (stop func() *report.Load) {
	var mu sync.Mutex
	var xs []float64
	sample := func() {
		if b, err := os.ReadFile("/proc/loadavg"); err == nil {
			if f, err := strconv.ParseFloat(strings.Fields(string(b))[0], 64); err == nil {
				mu.Lock()
				xs = append(xs, f)
				mu.Unlock()
			}
		}
	}
	sample()
	quit, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(2 * time.Second)
		defer t.Stop()
		for {
			select {
			case <-quit:
				return
			case <-t.C:
				sample()
			}
		}
	}()
	return func() *report.Load {
		close(quit)
		<-done
		sample()
		mu.Lock()
		defer mu.Unlock()
		l := &report.Load{Min: math.Inf(1), Max: math.Inf(-1), Cores: runtime.NumCPU()}
		for _, x := range xs {
			l.Min, l.Max = min(l.Min, x), max(l.Max, x)
			l.Mean += x / float64(len(xs))
		}
		if len(xs) == 0 {
			l.Min, l.Max = 0, 0
		}
		return l
	}
}

func run(ctx context.Context, o options, argv []string) error {
	start := time.Now()
	if err := os.MkdirAll(o.out, 0o755); err != nil {
		return err
	}
	b := &bench{o: o, p: makePlan(o), done: map[string]bool{}, loads: map[string]*report.Load{},
		cmpDur: map[string]float64{}, notes: map[string]string{}, work: filepath.Join(o.out, ".work")}
	if err := os.MkdirAll(b.work, 0o755); err != nil {
		return err
	}
	raw := filepath.Join(o.out, "raw.jsonl")
	if o.resume {
		recs, err := report.ReadRecords(raw)
		if err != nil {
			return err
		}
		for _, r := range recs {
			b.recs = append(b.recs, r)
			b.done[r.Key()] = true
		}
		fmt.Fprintf(os.Stderr, "sidebyside: resuming with %d records from %s\n", len(recs), raw)
	} else if err := os.Remove(raw); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	app, err := report.OpenAppender(raw)
	if err != nil {
		return err
	}
	defer app.Close()
	b.app = app
	for _, f := range []string{filepath.Join(o.bin, "bqskit-compile"), o.rtbench} {
		if _, err := os.Stat(f); err != nil {
			return fmt.Errorf("%s missing (run through `make bench` or `make bench-quick`, which build it): %w", f, err)
		}
	}

	versions := map[string]string{"go": runtime.Version(), "commit": gitCommit()}
	switch {
	case o.noBQSKit:
		b.pyErr = "--no-bqskit given"
	case o.python == "":
		b.pyErr = "no Python given"
	default:
		if _, err := os.Stat(o.python); err != nil {
			b.pyErr = fmt.Sprintf("%s not found (the virtual environment with bqskit==1.2.1 could not be created; see `make bench-venv`)", o.python)
			break
		}
		py := newPySide(o.python, o.script, 2, filepath.Join(o.out, "bqskit-side.log"))
		hello, err := py.do(map[string]any{"op": "hello"}, 5*time.Minute)
		if err != nil {
			b.pyErr = err.Error()
			break
		}
		b.py = py
		defer py.close()
		for _, k := range []string{"bqskit", "bqskitrs", "python", "numpy"} {
			if s, ok := hello[k].(string); ok {
				versions[k] = s
			}
		}
	}
	if b.pyErr != "" {
		fmt.Fprintf(os.Stderr, "sidebyside: BQSKit's side will not run: %s\n", b.pyErr)
	}

	steps := []struct {
		name string
		fn   func(context.Context) error
	}{
		{"runtime", b.runtime}, {"xrank", b.xrank}, {"instantiate", b.instantiate},
		{"compile", b.compile}, {"synthesis", b.synthesis}, {"scaling", b.scaling},
	}
	for _, s := range steps {
		if !b.want(s.name) {
			continue
		}
		b.cmpName, b.cmpStart = s.name, time.Now()
		stop := loadSampler()
		err := s.fn(ctx)
		b.loads[s.name] = stop()
		b.cmpDur[s.name] = time.Since(b.cmpStart).Seconds()
		if err != nil {
			return fmt.Errorf("%s: %w", s.name, err)
		}
		if err := b.writeOutputs(start, versions, argv); err != nil {
			return err
		}
	}
	return b.writeOutputs(start, versions, argv)
}

func gitCommit() string {
	out, err := exec.Command("git", "rev-parse", "--short=12", "HEAD").Output()
	if err != nil {
		return "unknown"
	}
	c := strings.TrimSpace(string(out))
	if st, err := exec.Command("git", "status", "--porcelain", "--untracked-files=no").Output(); err == nil && len(strings.TrimSpace(string(st))) > 0 {
		c += "-dirty"
	}
	return c
}

func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return runtime.GOARCH
	}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return runtime.GOARCH
}

func (b *bench) writeOutputs(start time.Time, versions map[string]string, argv []string) error {
	cs := report.Build(b.recs)
	for i := range cs {
		cs[i].Load = b.loads[cs[i].Name]
		cs[i].Seconds = b.cmpDur[cs[i].Name]
		cs[i].Notes = notes[cs[i].Name]
		skipped := 0
		for _, r := range b.recs {
			if r.Cmp == cs[i].Name && r.Status == "skipped" {
				skipped++
			}
		}
		if skipped > 0 {
			cs[i].Notes += fmt.Sprintf(" %d measurements skipped: the comparison's time budget was spent (`--budget-scale 0` runs everything).", skipped)
		}
	}
	mode := "full"
	cmd := "make bench"
	if b.o.quick {
		mode, cmd = "quick", "make bench-quick"
	}
	host, _ := os.Hostname()
	_ = host
	r := report.Report{
		Meta: report.Meta{Date: start.UTC().Format("2006-01-02 15:04 MST"), Mode: mode, Seconds: time.Since(start).Seconds(),
			Command: cmd, Versions: versions, BQSKitError: b.pyErr,
			Machine: report.Machine{Cores: runtime.NumCPU(), CPUModel: cpuModel(), OS: runtime.GOOS + "/" + runtime.GOARCH},
			Notes:   []string{"Arguments: " + strings.Join(argv[1:], " ")}},
		Summary:     report.Summarize(cs),
		Comparisons: cs,
	}
	plots, err := report.WritePlots(b.o.out, cs)
	if err != nil {
		return err
	}
	if err := report.WriteJSON(filepath.Join(b.o.out, "latest.json"), r); err != nil {
		return err
	}
	return report.WriteMarkdownFile(filepath.Join(b.o.out, "latest.md"), r, plots)
}
