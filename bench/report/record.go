package report

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
)

// Systems compared.
const (
	BQSKit = "bqskit"
	Ours   = "ours"
)

// Record statuses.
const (
	StatusOK      = "ok"
	StatusTimeout = "timeout"
	StatusFailed  = "failed"
)

// ErrBadRecord reports a malformed line of the records file.
var ErrBadRecord = errors.New("report: bad record")

// Record is one measurement: one system running one item once.
type Record struct {
	// Cmp is the comparison ("runtime", "xrank", "instantiate",
	// "compile", "synthesis", "scaling").
	Cmp string `json:"cmp"`
	// Item names the input within the comparison (e.g. "qft5/L2").
	Item string `json:"item"`
	// System is BQSKit or Ours; Variant distinguishes our runtimes
	// ("embedded", "mpi") or worker counts where a comparison has several.
	System  string `json:"system"`
	Variant string `json:"variant,omitempty"`
	Rep     int    `json:"rep"`
	Seed    int    `json:"seed,omitempty"`
	// Values holds the measured figures by metric name (seconds,
	// two_qubit_out, ...).
	Values map[string]Float `json:"values,omitempty"`
	// Samples holds per-call figures where one run yields many (round
	// trips, instantiation calls).
	Samples map[string][]Float `json:"samples,omitempty"`
	Status  string             `json:"status"`
	Error   string             `json:"error,omitempty"`
	// Timeout is the limit the item ran under, in seconds.
	Timeout float64 `json:"timeout_s,omitempty"`
}

// Key identifies a record for resuming: the same key is not measured again.
func (r Record) Key() string {
	return fmt.Sprintf("%s|%s|%s|%s|%d|%d", r.Cmp, r.Item, r.System, r.Variant, r.Rep, r.Seed)
}

// ReadRecords reads a JSON-lines records file; a missing file is no records.
func ReadRecords(path string) ([]Record, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return DecodeRecords(f, path)
}

// DecodeRecords decodes JSON lines; name is used in errors.
func DecodeRecords(r io.Reader, name string) ([]Record, error) {
	var out []Record
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for n := 1; sc.Scan(); n++ {
		line := sc.Bytes()
		if len(line) == 0 {
			continue
		}
		var rec Record
		if err := json.Unmarshal(line, &rec); err != nil {
			return nil, fmt.Errorf("%w: %s line %d: %v", ErrBadRecord, name, n, err)
		}
		if rec.Cmp == "" || rec.Item == "" || (rec.System != BQSKit && rec.System != Ours) {
			return nil, fmt.Errorf("%w: %s line %d: want cmp, item and system bqskit or ours", ErrBadRecord, name, n)
		}
		out = append(out, rec)
	}
	return out, sc.Err()
}

// Appender appends records to a JSON-lines file, one write per record.
type Appender struct {
	f *os.File
}

// OpenAppender opens (creating) path for appending.
func OpenAppender(path string) (*Appender, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return nil, err
	}
	return &Appender{f: f}, nil
}

// Append writes one record.
func (a *Appender) Append(r Record) error {
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	_, err = a.f.Write(append(b, '\n'))
	return err
}

// Close closes the file.
func (a *Appender) Close() error { return a.f.Close() }
