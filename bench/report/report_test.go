package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestMedianQuantileGeoMean(t *testing.T) {
	for _, tc := range []struct {
		xs     []float64
		median float64
	}{
		{[]float64{3}, 3},
		{[]float64{5, 1, 3}, 3},
		{[]float64{4, 1, 3, 2}, 2.5},
	} {
		if got := Median(tc.xs); got != tc.median {
			t.Errorf("Median(%v) = %v, want %v", tc.xs, got, tc.median)
		}
	}
	if !math.IsNaN(Median(nil)) || !math.IsNaN(GeoMean(nil)) {
		t.Error("empty input should give NaN")
	}
	if got := GeoMean([]float64{2, 8, math.NaN(), math.Inf(1), 0}); math.Abs(got-4) > 1e-12 {
		t.Errorf("GeoMean = %v, want 4 (non-positive and non-finite values ignored)", got)
	}
	xs := []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	if got := Quantile(xs, 0.99); got != 10 {
		t.Errorf("p99 = %v, want 10", got)
	}
}

func TestInstantiationValues(t *testing.T) {
	v := InstantiationValues([]float64{0.001, 0.003, 0.002, 0.002}, []float64{1e-12, 0.3, 1e-9, 0.1}, 1e-8)
	if v["success_rate"] != 0.5 || v["ms_per_call"] != 2 || math.Abs(float64(v["ms_per_success"])-4) > 1e-12 {
		t.Errorf("got %v", v)
	}
	v = InstantiationValues([]float64{0.001}, []float64{0.5}, 1e-8)
	if !math.IsInf(float64(v["ms_per_success"]), 1) || v["success_rate"] != 0 {
		t.Errorf("no success: got %v", v)
	}
}

func TestLatencyValues(t *testing.T) {
	v := LatencyValues([]float64{1e-3, 2e-3, 3e-3}, 6)
	if v["p50_us"] != 2000 || v["crossed_fraction"] != 0.5 || v["crossed"] != 3 {
		t.Errorf("got %v", v)
	}
}

func TestFloatJSON(t *testing.T) {
	in := []Float{1.5, Float(math.NaN()), Float(math.Inf(1)), Float(math.Inf(-1))}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != `[1.5,null,"+Inf","-Inf"]` {
		t.Fatalf("marshal: %s", b)
	}
	var out []Float
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	if out[0] != 1.5 || !math.IsNaN(float64(out[1])) || !math.IsInf(float64(out[2]), 1) || !math.IsInf(float64(out[3]), -1) {
		t.Errorf("round trip: %v", out)
	}
	if err := json.Unmarshal([]byte(`"x"`), &out[0]); err == nil {
		t.Error("a string other than ±Inf should fail")
	}
}

func TestDecodeRecords(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		n        int
		bad      bool
	}{
		{"ok", `{"cmp":"compile","item":"qft5/L1","system":"ours","rep":0,"status":"ok","values":{"seconds":1}}` + "\n\n", 1, false},
		{"bad json", `{"cmp":`, 0, true},
		{"bad system", `{"cmp":"compile","item":"x","system":"other","status":"ok"}`, 0, true},
		{"no item", `{"cmp":"compile","system":"ours","status":"ok"}`, 0, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			recs, err := DecodeRecords(strings.NewReader(tc.in), "raw.jsonl")
			if tc.bad {
				if !errors.Is(err, ErrBadRecord) || !strings.Contains(err.Error(), "raw.jsonl line 1") {
					t.Fatalf("err = %v, want ErrBadRecord naming the line", err)
				}
				return
			}
			if err != nil || len(recs) != tc.n {
				t.Fatalf("got %d records, %v", len(recs), err)
			}
		})
	}
}

func TestAppendAndRead(t *testing.T) {
	path := filepath.Join(t.TempDir(), "raw.jsonl")
	if recs, err := ReadRecords(path); err != nil || recs != nil {
		t.Fatalf("missing file: %v %v", recs, err)
	}
	a, err := OpenAppender(path)
	if err != nil {
		t.Fatal(err)
	}
	want := Record{Cmp: "compile", Item: "a/L1", System: Ours, Status: StatusOK, Values: map[string]Float{"ms_per_success": Float(math.Inf(1))}}
	if err := a.Append(want); err != nil {
		t.Fatal(err)
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	recs, err := ReadRecords(path)
	if err != nil || len(recs) != 1 || recs[0].Key() != want.Key() || !math.IsInf(float64(recs[0].Values["ms_per_success"]), 1) {
		t.Fatalf("got %+v, %v", recs, err)
	}
}

func rec(cmp, item, sys, variant string, rep int, status string, vals map[string]Float) Record {
	return Record{Cmp: cmp, Item: item, System: sys, Variant: variant, Rep: rep, Status: status, Values: vals, Timeout: 90}
}

func TestBuildAndSummarize(t *testing.T) {
	recs := []Record{
		rec("runtime", "empty tasks", BQSKit, "", 0, StatusOK, map[string]Float{"tasks_per_s": 1000, "seconds": 10}),
		rec("runtime", "empty tasks", BQSKit, "", 1, StatusOK, map[string]Float{"tasks_per_s": 3000, "seconds": 3}),
		rec("runtime", "empty tasks", Ours, "embedded", 0, StatusOK, map[string]Float{"tasks_per_s": 40000, "seconds": 0.25}),
		rec("runtime", "empty tasks", Ours, "mpi", 0, StatusOK, map[string]Float{"tasks_per_s": 10000, "seconds": 1}),
		rec("runtime", "nested", BQSKit, "", 0, StatusOK, map[string]Float{"seconds": 2}),
		rec("runtime", "nested", Ours, "embedded", 0, StatusOK, map[string]Float{"seconds": 0.1}),
		rec("runtime", "nested", Ours, "mpi", 0, "skipped", nil),
		rec("compile", "qft5/L1", BQSKit, "", 0, StatusOK, map[string]Float{"seconds": 20, "two_qubit_out": 20}),
		rec("compile", "qft5/L1", Ours, "", 0, StatusOK, map[string]Float{"seconds": 1, "two_qubit_out": 10}),
		rec("compile", "hub18/L1", BQSKit, "", 0, StatusTimeout, nil),
		rec("compile", "hub18/L1", Ours, "", 0, StatusOK, map[string]Float{"seconds": 5, "two_qubit_out": 3000}),
		rec("compile", "adder9/L1", BQSKit, "", 0, StatusOK, map[string]Float{"seconds": 10, "two_qubit_out": 40}),
		rec("compile", "adder9/L1", Ours, "", 0, StatusFailed, nil),
		rec("scaling", "hub18/L1", Ours, "1 worker", 0, StatusOK, map[string]Float{"seconds": 10}),
		rec("scaling", "hub18/L1", Ours, "2 workers", 0, StatusOK, map[string]Float{"seconds": 5.5}),
	}
	for i := range recs {
		if recs[i].Item == "adder9/L1" && recs[i].System == Ours {
			recs[i].Error = "verify failed"
		}
	}
	cs := Build(recs)
	if len(cs) != len(Order) {
		t.Fatalf("%d comparisons, want %d", len(cs), len(Order))
	}
	rt := RowsOf(Find(cs, "runtime"), "tasks_per_s")
	if len(rt) != 2 || rt[0].Variant != "embedded" || rt[0].BQSKit.Median != 2000 || rt[0].Ratio != 20 || rt[1].Ratio != 5 {
		t.Fatalf("runtime rows: %+v", rt)
	}
	if n := len(RowsOf(Find(cs, "runtime"), "seconds")); n != 4 {
		t.Errorf("%d wall-time rows, want 4", n)
	}
	for _, r := range Find(cs, "runtime").Rows {
		if r.Item == "nested" && r.Metric == "tasks_per_s" {
			t.Errorf("nested map has no throughput row: %+v", r)
		}
		if r.Item == "nested" && r.Variant == "mpi" && r.Ours.Status != "skipped" {
			t.Errorf("skipped item: %+v", r)
		}
	}
	comp := RowsOf(Find(cs, "compile"), "seconds")
	byItem := map[string]Row{}
	for _, r := range comp {
		byItem[r.Item] = r
	}
	if r := byItem["hub18/L1"]; r.BQSKit.Status != StatusTimeout || r.BQSKit.Timeout != 90 || !math.IsNaN(float64(r.Ratio)) {
		t.Errorf("timeout row: %+v", r)
	}
	if r := byItem["adder9/L1"]; r.Ours.Status != StatusFailed || r.Ours.Error != "verify failed" {
		t.Errorf("failed row: %+v", r)
	}
	sum := Summarize(cs)
	got := map[string]float64{}
	for _, s := range sum {
		got[s.Name] = float64(s.Value)
	}
	for name, want := range map[string]float64{
		"runtime throughput vs BQSKit (embedded)": 20,
		"compile wall time BQSKit/ours, L1":       20,
		"two-qubit count BQSKit/ours, L1":         2,
		"1->2 worker efficiency, ours":            10 / 11.0,
	} {
		if math.Abs(got[name]-want) > 1e-9 {
			t.Errorf("%s = %v, want %v", name, got[name], want)
		}
	}
	r := Report{Meta: Meta{Mode: "quick", Versions: map[string]string{"bqskit": "1.2.1"}}, Summary: sum, Comparisons: cs}
	var md bytes.Buffer
	if err := WriteMarkdown(&md, r, []string{"scaling.png"}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"timeout (>90s)", "| qft5/L1 |", "![scaling](scaling.png)", "bqskit 1.2.1"} {
		if !strings.Contains(md.String(), want) {
			t.Errorf("markdown lacks %q", want)
		}
	}
	dir := t.TempDir()
	if err := WriteJSON(filepath.Join(dir, "latest.json"), r); err != nil {
		t.Fatal(err)
	}
	plots, err := WritePlots(dir, cs)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range plots {
		if st, err := os.Stat(filepath.Join(dir, p)); err != nil || st.Size() == 0 {
			t.Errorf("plot %s: %v", p, err)
		}
	}
	if len(plots) < 3 {
		t.Errorf("plots %v: want the compile ratios, runtime and scaling", plots)
	}
}
