package logging

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"go.uber.org/zap/zapcore"
)

func TestLevel(t *testing.T) {
	for _, tc := range []struct {
		v    int
		want zapcore.Level
	}{{0, zapcore.WarnLevel}, {1, zapcore.InfoLevel}, {2, zapcore.DebugLevel}, {5, zapcore.DebugLevel}} {
		if got := Level(tc.v); got != tc.want {
			t.Errorf("Level(%d) = %v, want %v", tc.v, got, tc.want)
		}
	}
}

func TestNewFormatsAndFilters(t *testing.T) {
	var buf bytes.Buffer
	log := New("cmd", 0, "json", &buf)
	log.Info("hidden")
	log.Warn("shown")
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 1 {
		t.Fatalf("want 1 line at warn level, got %q", buf.String())
	}
	var rec map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &rec); err != nil {
		t.Fatalf("json format: %v in %q", err, lines[0])
	}
	if rec["msg"] != "shown" || rec["logger"] != "cmd" {
		t.Errorf("record = %v", rec)
	}
	buf.Reset()
	New("cmd", 1, "console", &buf).Info("hello")
	if !strings.Contains(buf.String(), "hello") || strings.HasPrefix(buf.String(), "{") {
		t.Errorf("console line = %q", buf.String())
	}
}
