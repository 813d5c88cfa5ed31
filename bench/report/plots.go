package report

import (
	"fmt"
	"image/color"
	"math"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
)

var palette = []color.Color{
	color.RGBA{R: 0x1f, G: 0x77, B: 0xb4, A: 0xff},
	color.RGBA{R: 0xff, G: 0x7f, B: 0x0e, A: 0xff},
	color.RGBA{R: 0x2c, G: 0xa0, B: 0x2c, A: 0xff},
	color.RGBA{R: 0xd6, G: 0x27, B: 0x28, A: 0xff},
}

func finite(x float64) float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return 0
	}
	return x
}

// WritePlots draws the PNG plots into dir and returns their file names:
// compile ratios per circuit (time, two-qubit count), runtime throughput,
// instantiation CPU per success, and scaling. A plot without data is not
// drawn.
func WritePlots(dir string, cs []Comparison) ([]string, error) {
	var names []string
	type drawer func() (*plot.Plot, error)
	for _, d := range []struct {
		name string
		fn   drawer
	}{
		{"compile_time_ratio.png", func() (*plot.Plot, error) {
			return ratioBars(Find(cs, "compile"), "seconds", "Compile wall time, BQSKit / ours (higher: ours faster)")
		}},
		{"compile_2q_ratio.png", func() (*plot.Plot, error) {
			return ratioBars(Find(cs, "compile"), "two_qubit_out", "Two-qubit gates out, BQSKit / ours (above 1: ours fewer)")
		}},
		{"runtime_throughput.png", func() (*plot.Plot, error) { return throughput(Find(cs, "runtime")) }},
		{"instantiation.png", func() (*plot.Plot, error) { return instantiation(Find(cs, "instantiate")) }},
		{"scaling.png", func() (*plot.Plot, error) { return scaling(Find(cs, "scaling")) }},
	} {
		p, err := d.fn()
		if err != nil {
			return names, fmt.Errorf("%s: %w", d.name, err)
		}
		if p == nil {
			continue
		}
		if err := p.Save(8*vg.Inch, 4.5*vg.Inch, filepath.Join(dir, d.name)); err != nil {
			return names, fmt.Errorf("%s: %w", d.name, err)
		}
		names = append(names, d.name)
	}
	return names, nil
}

// splitItem splits "circuit/L2" into its circuit and level.
func splitItem(item string) (string, string) {
	i := strings.LastIndexByte(item, '/')
	if i < 0 {
		return item, ""
	}
	return item[:i], item[i+1:]
}

func ratioBars(c *Comparison, metric, title string) (*plot.Plot, error) {
	rows := RowsOf(c, metric)
	var circuits, levels []string
	val := map[[2]string]float64{}
	for _, r := range rows {
		circ, lvl := splitItem(r.Item)
		if !contains(circuits, circ) {
			circuits = append(circuits, circ)
		}
		if !contains(levels, lvl) {
			levels = append(levels, lvl)
		}
		val[[2]string{circ, lvl}] = finite(float64(r.Ratio))
	}
	if len(rows) == 0 {
		return nil, nil
	}
	sort.Strings(levels)
	p := plot.New()
	p.Title.Text = title
	p.Y.Label.Text = "ratio"
	w := vg.Points(48 / float64(len(levels)+1))
	for i, lvl := range levels {
		vs := make(plotter.Values, len(circuits))
		for j, circ := range circuits {
			vs[j] = val[[2]string{circ, lvl}]
		}
		b, err := plotter.NewBarChart(vs, w)
		if err != nil {
			return nil, err
		}
		b.Color = palette[i%len(palette)]
		b.LineStyle.Width = 0
		b.Offset = w * vg.Length(float64(i)-float64(len(levels)-1)/2)
		p.Add(b)
		p.Legend.Add(lvl, b)
	}
	one := plotter.NewFunction(func(float64) float64 { return 1 })
	one.Dashes = []vg.Length{vg.Points(4), vg.Points(4)}
	p.Add(one)
	p.Legend.Top = true
	p.NominalX(circuits...)
	return p, nil
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

func throughput(c *Comparison) (*plot.Plot, error) {
	rows := RowsOf(c, "tasks_per_s")
	if len(rows) == 0 {
		return nil, nil
	}
	names := []string{"BQSKit"}
	vs := plotter.Values{finite(float64(rows[0].BQSKit.Median))}
	for _, r := range rows {
		names = append(names, "ours "+r.Variant)
		vs = append(vs, finite(float64(r.Ours.Median)))
	}
	p := plot.New()
	p.Title.Text = "Runtime throughput, " + rows[0].Item + " (tasks/s, 2 workers)"
	p.Y.Label.Text = "tasks/s"
	b, err := plotter.NewBarChart(vs, vg.Points(40))
	if err != nil {
		return nil, err
	}
	b.Color = palette[0]
	p.Add(b)
	p.NominalX(names...)
	return p, nil
}

func instantiation(c *Comparison) (*plot.Plot, error) {
	rows := RowsOf(c, "ms_per_success")
	if len(rows) == 0 {
		return nil, nil
	}
	var bq, us plotter.XYs
	for _, r := range rows {
		l, err := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(r.Item, "3q/"), " layers"))
		if err != nil {
			continue
		}
		if v := float64(r.BQSKit.Median); v > 0 && !math.IsInf(v, 0) && !math.IsNaN(v) {
			bq = append(bq, plotter.XY{X: float64(l), Y: v})
		}
		if v := float64(r.Ours.Median); v > 0 && !math.IsInf(v, 0) && !math.IsNaN(v) {
			us = append(us, plotter.XY{X: float64(l), Y: v})
		}
	}
	p := plot.New()
	p.Title.Text = "Instantiation: CPU ms per successful instantiation (one core)"
	p.X.Label.Text = "template layers"
	p.Y.Label.Text = "ms (log)"
	p.Y.Scale = plot.LogScale{}
	p.Y.Tick.Marker = plot.LogTicks{Prec: -1}
	var args []any
	if len(bq) > 0 {
		args = append(args, "BQSKit (bqskitrs Ceres)", bq)
	}
	if len(us) > 0 {
		args = append(args, "ours (LM)", us)
	}
	if len(args) == 0 {
		return nil, nil
	}
	if err := plotutil.AddLinePoints(p, args...); err != nil {
		return nil, err
	}
	return p, nil
}

func scaling(c *Comparison) (*plot.Plot, error) {
	rows := RowsOf(c, "seconds")
	if len(rows) == 0 {
		return nil, nil
	}
	var bq, us, ranks plotter.XYs
	for _, r := range rows {
		w, err := strconv.Atoi(strings.Fields(r.Variant + " x")[0])
		if err != nil {
			continue
		}
		if v := finite(float64(r.BQSKit.Median)); v > 0 {
			bq = append(bq, plotter.XY{X: float64(w), Y: v})
		}
		if v := finite(float64(r.Ours.Median)); v > 0 {
			if strings.Contains(r.Variant, "rank") {
				ranks = append(ranks, plotter.XY{X: float64(w), Y: v})
			} else {
				us = append(us, plotter.XY{X: float64(w), Y: v})
			}
		}
	}
	for _, xs := range []plotter.XYs{bq, us, ranks} {
		sort.Slice(xs, func(i, j int) bool { return xs[i].X < xs[j].X })
	}
	p := plot.New()
	p.Title.Text = "Scaling: " + rows[0].Item + " wall time vs workers"
	p.X.Label.Text = "workers"
	p.Y.Label.Text = "seconds (log)"
	p.Y.Scale = plot.LogScale{}
	p.Y.Tick.Marker = plot.LogTicks{Prec: -1}
	var args []any
	if len(bq) > 0 {
		args = append(args, "BQSKit", bq)
	}
	if len(us) > 0 {
		args = append(args, "ours (embedded workers)", us)
	}
	if len(ranks) > 0 {
		args = append(args, "ours (MPI worker ranks)", ranks)
	}
	if len(args) == 0 {
		return nil, nil
	}
	if err := plotutil.AddLinePoints(p, args...); err != nil {
		return nil, err
	}
	return p, nil
}
