package report

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
)

// Meta describes the run: when, where, what versions.
type Meta struct {
	Date     string            `json:"date"`
	Mode     string            `json:"mode"`
	Seconds  float64           `json:"duration_s"`
	Command  string            `json:"command"`
	Versions map[string]string `json:"versions"`
	Machine  Machine           `json:"machine"`
	// BQSKitError says why BQSKit's side did not run (empty when it did).
	BQSKitError string   `json:"bqskit_error,omitempty"`
	Notes       []string `json:"notes,omitempty"`
}

// Machine is the hardware the run measured.
type Machine struct {
	Cores    int    `json:"cores"`
	CPUModel string `json:"cpu_model"`
	OS       string `json:"os"`
}

// Report is latest.json.
type Report struct {
	Meta        Meta         `json:"meta"`
	Summary     []Summary    `json:"summary"`
	Comparisons []Comparison `json:"comparisons"`
}

// WriteJSON writes r indented to path (through a temporary file).
func WriteJSON(path string, r Report) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	return writeAtomic(path, append(b, '\n'))
}

func writeAtomic(path string, b []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-"+filepath.Base(path))
	if err != nil {
		return err
	}
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// Fmt formats a figure with about three significant digits.
func Fmt(x float64) string {
	switch {
	case math.IsNaN(x):
		return "–"
	case math.IsInf(x, 1):
		return "∞"
	case x == 0:
		return "0"
	}
	a := math.Abs(x)
	switch {
	case a >= 1000:
		return fmt.Sprintf("%.0f", x)
	case a >= 100:
		return fmt.Sprintf("%.0f", x)
	case a >= 10:
		return fmt.Sprintf("%.1f", x)
	case a >= 1:
		return fmt.Sprintf("%.2f", x)
	case a >= 0.01:
		return fmt.Sprintf("%.3f", x)
	}
	return fmt.Sprintf("%.2g", x)
}

func cell(s Side) string {
	switch s.Status {
	case StatusOK:
		return Fmt(float64(s.Median))
	case StatusTimeout:
		return fmt.Sprintf("timeout (>%gs)", s.Timeout)
	case "":
		return "–"
	}
	return s.Status
}

// WriteMarkdown writes the tables (latest.md); plots are referenced by
// their file names relative to the Markdown file.
func WriteMarkdown(w io.Writer, r Report, plots []string) error {
	var b strings.Builder
	m := r.Meta
	fmt.Fprintf(&b, "# bqskit-mpi vs BQSKit, side by side\n\n")
	fmt.Fprintf(&b, "%s run of %s (%.0f s). Machine: %d cores, %s, %s.\n", m.Mode, m.Date, m.Seconds, m.Machine.Cores, m.Machine.CPUModel, m.Machine.OS)
	var vs []string
	for _, k := range []string{"bqskit", "bqskitrs", "python", "commit", "go"} {
		if v, ok := m.Versions[k]; ok {
			vs = append(vs, k+" "+v)
		}
	}
	fmt.Fprintf(&b, "Versions: %s.\nReproduce: `%s`.\n\n", strings.Join(vs, ", "), m.Command)
	if m.BQSKitError != "" {
		fmt.Fprintf(&b, "**BQSKit's side did not run: %s**\n\n", m.BQSKitError)
	}
	for _, n := range m.Notes {
		fmt.Fprintf(&b, "- %s\n", n)
	}
	if len(m.Notes) > 0 {
		b.WriteString("\n")
	}
	b.WriteString("Ratios are in our favour: above 1 means bqskit-mpi is faster, smaller or higher. Medians over repetitions (and seeds).\n\n")
	b.WriteString("## Targets\n\n| figure | value | target | met | note |\n|---|---|---|---|---|\n")
	for _, s := range r.Summary {
		met := "–"
		if s.Met != nil {
			met = map[bool]string{true: "yes", false: "no"}[*s.Met]
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", s.Name, Fmt(float64(s.Value)), s.Target, met, s.Detail)
	}
	for _, c := range r.Comparisons {
		fmt.Fprintf(&b, "\n## %s\n\n", c.Title)
		if c.Load != nil {
			fmt.Fprintf(&b, "Load average during the comparison (1 min, %d cores): min %.1f, mean %.1f, max %.1f.\n\n", c.Load.Cores, c.Load.Min, c.Load.Mean, c.Load.Max)
		}
		if c.Notes != "" {
			fmt.Fprintf(&b, "%s\n\n", c.Notes)
		}
		if len(c.Rows) == 0 {
			b.WriteString("(not run)\n")
			continue
		}
		b.WriteString("| item | ours | metric | BQSKit | ours | ratio | n (B/o) |\n|---|---|---|---|---|---|---|\n")
		for _, row := range c.Rows {
			label := row.Label
			if row.Unit != "" {
				label += " (" + row.Unit + ")"
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %d/%d |\n", row.Item, row.Variant, label,
				cell(row.BQSKit), cell(row.Ours), Fmt(float64(row.Ratio)), len(row.BQSKit.Samples), len(row.Ours.Samples))
		}
	}
	if len(plots) > 0 {
		b.WriteString("\n## Plots\n\n")
		for _, p := range plots {
			fmt.Fprintf(&b, "![%s](%s)\n\n", strings.TrimSuffix(p, ".png"), p)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteMarkdownFile writes latest.md atomically.
func WriteMarkdownFile(path string, r Report, plots []string) error {
	var b strings.Builder
	if err := WriteMarkdown(&b, r, plots); err != nil {
		return err
	}
	return writeAtomic(path, []byte(b.String()))
}
