package report

import (
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// Metric describes one compared figure.
type Metric struct {
	Name, Label, Unit string
	// LowerBetter: times and counts (ratio = BQSKit / ours); otherwise
	// rates (ratio = ours / BQSKit).
	LowerBetter bool
	// NoRatio: a descriptive figure; no ratio is computed.
	NoRatio bool
	// ItemPrefix, when set, limits the metric to items starting with it.
	ItemPrefix string
}

// Metrics compared per comparison, in table order.
var Metrics = map[string][]Metric{
	"runtime": {
		{Name: "tasks_per_s", Label: "empty tasks/s", Unit: "tasks/s", ItemPrefix: "empty"},
		{Name: "seconds", Label: "wall time", Unit: "s", LowerBetter: true},
	},
	"xrank": {
		{Name: "p50_us", Label: "round trip p50", Unit: "µs", LowerBetter: true},
		{Name: "p99_us", Label: "round trip p99", Unit: "µs", LowerBetter: true},
		{Name: "crossed_fraction", Label: "share that crossed", Unit: "", NoRatio: true},
	},
	"instantiate": {
		{Name: "ms_per_call", Label: "CPU per call (median)", Unit: "ms", LowerBetter: true},
		{Name: "success_rate", Label: "success rate, one start", Unit: ""},
		{Name: "ms_per_success", Label: "CPU per success", Unit: "ms", LowerBetter: true},
	},
	"compile": {
		{Name: "seconds", Label: "wall", Unit: "s", LowerBetter: true},
		{Name: "two_qubit_out", Label: "2q gates out", Unit: "", LowerBetter: true},
	},
	"synthesis": {
		{Name: "seconds", Label: "wall", Unit: "s", LowerBetter: true},
		{Name: "two_qubit_out", Label: "CNOTs", Unit: "", LowerBetter: true},
	},
	"scaling": {
		{Name: "seconds", Label: "wall", Unit: "s", LowerBetter: true},
	},
}

// Order lists the comparisons in report order with their titles.
var Order = []struct{ Name, Title string }{
	{"runtime", "1. Runtime overhead (10,000 empty tasks via map; nested map)"},
	{"xrank", "2. Cross-process subtask round trip"},
	{"instantiate", "3. Instantiation, 3-qubit templates, one start per call"},
	{"compile", "4. Compilation suite, 2 workers"},
	{"synthesis", "5. Synthesis of 3-qubit unitaries, level 3"},
	{"scaling", "6. Scaling with workers"},
}

// Side is one system's figure on a row.
type Side struct {
	Median  Float   `json:"median"`
	Samples []Float `json:"samples"`
	// Status is ok, or the worst status of its records (timeout, failed)
	// when no record succeeded.
	Status  string  `json:"status"`
	Error   string  `json:"error,omitempty"`
	Timeout float64 `json:"timeout_s,omitempty"`
}

// Row compares the two systems on one item, variant and metric.
type Row struct {
	Item    string `json:"item"`
	Variant string `json:"variant,omitempty"`
	Metric  string `json:"metric"`
	Label   string `json:"label"`
	Unit    string `json:"unit"`
	BQSKit  Side   `json:"bqskit"`
	Ours    Side   `json:"ours"`
	// Ratio is in our favour: above 1 means ours is faster, smaller or
	// higher (NaN, written null, when either side is missing).
	Ratio Float `json:"ratio"`
}

// Load is the 1-minute load average seen during a comparison.
type Load struct {
	Min   float64 `json:"min"`
	Mean  float64 `json:"mean"`
	Max   float64 `json:"max"`
	Cores int     `json:"cores"`
}

// Comparison is one section of the report.
type Comparison struct {
	Name    string  `json:"name"`
	Title   string  `json:"title"`
	Load    *Load   `json:"load_average,omitempty"`
	Rows    []Row   `json:"rows"`
	Notes   string  `json:"notes,omitempty"`
	Seconds float64 `json:"seconds,omitempty"`
}

// Build reduces records to comparisons. A BQSKit record without a
// variant is compared with every variant of ours (our embedded and MPI
// runtimes against BQSKit's one runtime).
func Build(recs []Record) []Comparison {
	type key struct{ cmp, item, variant string }
	type group struct {
		b, o []Record
	}
	groups := map[key]*group{}
	var keys []key
	get := func(k key) *group {
		g, ok := groups[k]
		if !ok {
			g = &group{}
			groups[k] = g
			keys = append(keys, k)
		}
		return g
	}
	for _, r := range recs {
		if r.System == Ours {
			get(key{r.Cmp, r.Item, r.Variant}).o = append(get(key{r.Cmp, r.Item, r.Variant}).o, r)
		}
	}
	for _, r := range recs {
		if r.System != BQSKit {
			continue
		}
		matched := false
		for _, k := range keys {
			if k.cmp == r.Cmp && k.item == r.Item && (r.Variant == "" || r.Variant == k.variant) {
				groups[k].b = append(groups[k].b, r)
				matched = true
			}
		}
		if !matched {
			k := key{r.Cmp, r.Item, r.Variant}
			get(k).b = append(get(k).b, r)
		}
	}
	var out []Comparison
	for _, c := range Order {
		cmp := Comparison{Name: c.Name, Title: c.Title}
		for _, k := range keys {
			if k.cmp != c.Name {
				continue
			}
			g := groups[k]
			for _, m := range Metrics[c.Name] {
				if !strings.HasPrefix(k.item, m.ItemPrefix) {
					continue
				}
				row := Row{Item: k.item, Variant: k.variant, Metric: m.Name, Label: m.Label, Unit: m.Unit,
					BQSKit: side(g.b, m.Name), Ours: side(g.o, m.Name)}
				if row.BQSKit.Status == "" && row.Ours.Status == "" {
					continue
				}
				row.Ratio = Float(ratio(float64(row.BQSKit.Median), float64(row.Ours.Median), m.LowerBetter))
				if m.NoRatio {
					row.Ratio = Float(math.NaN())
				}
				cmp.Rows = append(cmp.Rows, row)
			}
		}
		out = append(out, cmp)
	}
	return out
}

func side(rs []Record, metric string) Side {
	s := Side{Median: Float(math.NaN())}
	worst := ""
	for _, r := range rs {
		if r.Status != StatusOK {
			if worst == "" || r.Status == StatusFailed {
				worst, s.Error, s.Timeout = r.Status, r.Error, r.Timeout
			}
			continue
		}
		if v, ok := r.Values[metric]; ok && !math.IsNaN(float64(v)) {
			s.Samples = append(s.Samples, v)
		}
	}
	switch {
	case len(s.Samples) > 0:
		s.Status, s.Error, s.Timeout = StatusOK, "", 0
		s.Median = Float(Median(plain(s.Samples)))
	case worst != "":
		s.Status = worst
	}
	// Records that all succeeded without this metric: not applicable
	// (Status stays empty).
	return s
}

func ratio(b, o float64, lowerBetter bool) float64 {
	if math.IsNaN(b) || math.IsNaN(o) {
		return math.NaN()
	}
	if lowerBetter {
		b, o = o, b
	}
	if b == 0 {
		if o == 0 {
			return 1
		}
		return math.Inf(1)
	}
	return o / b
}

// Find returns the comparison named name (nil if absent).
func Find(cs []Comparison, name string) *Comparison {
	for i := range cs {
		if cs[i].Name == name {
			return &cs[i]
		}
	}
	return nil
}

// RowsOf returns the rows of a comparison with the given metric, sorted
// by item then variant.
func RowsOf(c *Comparison, metric string) []Row {
	if c == nil {
		return nil
	}
	var out []Row
	for _, r := range c.Rows {
		if r.Metric == metric {
			out = append(out, r)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Item != out[j].Item {
			return out[i].Item < out[j].Item
		}
		return out[i].Variant < out[j].Variant
	})
	return out
}

// Summary is one headline figure against the target.
type Summary struct {
	Name   string  `json:"name"`
	Value  Float   `json:"value"`
	Target string  `json:"target"`
	Met    *bool   `json:"met"`
	Detail string  `json:"detail,omitempty"`
	Want   float64 `json:"-"`
	AtMost bool    `json:"-"`
}

// Summarize computes the headline figures: runtime throughput ratio,
// instantiation CPU per success ratio, compile wall and two-qubit ratios
// per level (geometric means over the circuits that both finished), and
// our 1->2 worker efficiency.
func Summarize(cs []Comparison) []Summary {
	var out []Summary
	add := func(name string, v float64, want float64, target, detail string) {
		s := Summary{Name: name, Value: Float(v), Target: target, Detail: detail}
		if math.IsInf(v, 0) {
			s.Detail += " (one side had no success or a zero figure)"
		}
		if !math.IsNaN(v) && !math.IsInf(v, 0) {
			met := v >= want
			s.Met = &met
		}
		out = append(out, s)
	}
	for _, r := range RowsOf(Find(cs, "runtime"), "tasks_per_s") {
		add("runtime throughput vs BQSKit ("+r.Variant+")", float64(r.Ratio), 20, ">= 20x", r.Item)
	}
	for _, r := range RowsOf(Find(cs, "instantiate"), "ms_per_success") {
		add("instantiation CPU per success, BQSKit/ours, "+r.Item, float64(r.Ratio), 3, ">= 3x", "per core")
	}
	comp := Find(cs, "compile")
	for _, lvl := range []string{"L1", "L2", "L3"} {
		var tr, qr []float64
		var n int
		for _, r := range RowsOf(comp, "seconds") {
			if strings.HasSuffix(r.Item, "/"+lvl) && !math.IsNaN(float64(r.Ratio)) {
				tr = append(tr, float64(r.Ratio))
				n++
			}
		}
		for _, r := range RowsOf(comp, "two_qubit_out") {
			if strings.HasSuffix(r.Item, "/"+lvl) && !math.IsNaN(float64(r.Ratio)) {
				qr = append(qr, float64(r.Ratio))
			}
		}
		if n == 0 && len(qr) == 0 {
			continue
		}
		detail := "geometric mean over " + strconv.Itoa(n) + " circuits both finished"
		add("compile wall time BQSKit/ours, "+lvl, GeoMean(tr), 10, ">= 10x", detail)
		add("two-qubit count BQSKit/ours, "+lvl, GeoMean(qr), 1, ">= 1 (ours no higher)", detail)
	}
	sc := Find(cs, "scaling")
	for _, sys := range []string{Ours, BQSKit} {
		t1, t2, item := math.NaN(), math.NaN(), ""
		for _, r := range RowsOf(sc, "seconds") {
			s := r.Ours
			if sys == BQSKit {
				s = r.BQSKit
			}
			switch r.Variant {
			case "1 worker":
				t1, item = float64(s.Median), r.Item
			case "2 workers":
				t2 = float64(s.Median)
			}
		}
		if item == "" {
			continue
		}
		eff := t1 / (2 * t2)
		if sys == Ours {
			add("1->2 worker efficiency, ours", eff, 0.9, ">= 0.9", item)
		} else {
			out = append(out, Summary{Name: "1->2 worker efficiency, BQSKit", Value: Float(eff), Target: "(reference)", Detail: item})
		}
	}
	return out
}

// Items returns the distinct items of rows in first-seen order.
func Items(rows []Row) []string {
	var out []string
	for _, r := range rows {
		if !slices.Contains(out, r.Item) {
			out = append(out, r.Item)
		}
	}
	return out
}
