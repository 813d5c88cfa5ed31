package protocol

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"io"
	"testing"
)

func TestFrameRoundTrip(t *testing.T) {
	bodies := [][]byte{[]byte(`{}`), []byte(`{"type":"hello","protocol":1}`), bytes.Repeat([]byte("x"), 70000)}
	var buf bytes.Buffer
	for _, b := range bodies {
		if err := WriteFrame(&buf, b); err != nil {
			t.Fatal(err)
		}
	}
	all := buf.Bytes()
	rest := all
	for i, want := range bodies {
		got, r, err := DecodeFrame(rest, DefaultMaxFrame)
		if err != nil {
			t.Fatalf("DecodeFrame %d: %v", i, err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("DecodeFrame %d: body differs", i)
		}
		rest = r
	}
	if len(rest) != 0 {
		t.Fatalf("%d bytes left", len(rest))
	}
	rd := bytes.NewReader(all)
	for i, want := range bodies {
		got, err := ReadFrame(rd, DefaultMaxFrame)
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("ReadFrame %d: %v", i, err)
		}
	}
	if _, err := ReadFrame(rd, DefaultMaxFrame); err != io.EOF {
		t.Fatalf("ReadFrame at end: %v, want io.EOF", err)
	}
}

func TestFrameErrors(t *testing.T) {
	hdr := func(n uint32) []byte { return binary.BigEndian.AppendUint32(nil, n) }
	tests := []struct {
		name string
		data []byte
		max  int
		want error
	}{
		{"empty frame", hdr(0), 100, ErrEmptyFrame},
		{"over limit", hdr(101), 100, ErrFrameTooLarge},
		{"over 4GiB-1 limit", hdr(0xFFFFFFFF), DefaultMaxFrame, ErrFrameTooLarge},
		{"short header", []byte{0, 0}, 100, ErrShortFrame},
		{"short body", append(hdr(10), "abc"...), 100, ErrShortFrame},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, _, err := DecodeFrame(tc.data, tc.max); !errors.Is(err, tc.want) {
				t.Errorf("DecodeFrame: %v, want %v", err, tc.want)
			}
			if _, err := ReadFrame(bytes.NewReader(tc.data), tc.max); !errors.Is(err, tc.want) {
				t.Errorf("ReadFrame: %v, want %v", err, tc.want)
			}
		})
	}
}

func TestDecodeRequest(t *testing.T) {
	tests := []struct {
		body  string
		code  Code
		field string
		id    uint64
	}{
		{`{"type":"submit","id":1,"qasm":"x"}`, "", "", 1},
		{`{"type":"submit","id":2}`, CodeBadRequest, "qasm", 2},
		{`{"type":"submit","id":3,"qasm":"x","unitary":"y"}`, CodeBadRequest, "unitary", 3},
		{`{"type":"submit","id":5,"qasm":"x","colour":1}`, CodeBadRequest, "colour", 5},
		{`{"type":"submit","id":6,"qasm":"x","seed":"s"}`, CodeBadRequest, "seed", 6},
		{`{"type":"submit","id":7,"qasm":"x","log_level":"loud"}`, CodeBadRequest, "log_level", 7},
		// A wrongly typed log level is a bad request naming the field, not bad JSON.
		{`{"type":"submit","id":18,"qasm":"x","log_level":true}`, CodeBadRequest, "log_level", 18},
		{`{"type":"submit","id":19,"qasm":"x","log_level":[20]}`, CodeBadRequest, "log_level", 19},
		{`{"type":"submit","id":20,"qasm":"x","log_level":{"a":1}}`, CodeBadRequest, "log_level", 20},
		{`{"type":"submit","id":21,"qasm":"x","log_level":2.5}`, CodeBadRequest, "log_level", 21},
		{`{"type":"submit","id":22,"qasm":"x","log_level":null}`, "", "", 22},
		{`{"type":"submit","id":8,"qasm":"x","workflow":{}}`, CodeBadRequest, "workflow", 8},
		{`{"type":"submit","id":9,"qasm":"x","workflow":[{"pass":"a"}],"optimization_level":2}`, CodeBadRequest, "workflow", 9},
		{`{"type":"status","id":10}`, CodeBadRequest, "task", 10},
		{`{"type":"status","id":11,"task":"T1"}`, "", "", 11},
		{`{"type":"dance","id":12}`, CodeUnknownType, "", 12},
		{`{"type":"status","task":"T1"}`, CodeBadRequest, "id", 0},
		{`{"id":13}`, CodeBadRequest, "type", 13},
		{`{"type":"status","id":14,"task":"T1"} {}`, CodeBadJSON, "", 0},
		{`not json`, CodeBadJSON, "", 0},
		{`[1,2]`, CodeBadJSON, "", 0},
		{`{"type":"close","id":15}`, "", "", 15},
		{`{"type":"hello","id":16,"protocol":1}`, CodeBadRequest, "type", 16},
		{`{"type":"submit","id":17,"qasm":"x","log_level":20}`, "", "", 17},
	}
	for _, tc := range tests {
		req, id, e := DecodeRequest([]byte(tc.body))
		if id != tc.id {
			t.Errorf("%s: id %d, want %d", tc.body, id, tc.id)
		}
		if tc.code == "" {
			if e != nil || req == nil {
				t.Errorf("%s: unexpected error %v", tc.body, e)
			}
			continue
		}
		if e == nil {
			t.Errorf("%s: no error, want %s", tc.body, tc.code)
			continue
		}
		if e.Code != tc.code || (tc.field != "" && e.Field != tc.field) {
			t.Errorf("%s: got %s field %q (%s), want %s field %q", tc.body, e.Code, e.Field, e.Message, tc.code, tc.field)
		}
		if e.Message == "" {
			t.Errorf("%s: empty message", tc.body)
		}
	}
}

func TestLogLevel(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want LogLevel
	}{{`"info"`, LevelInfo}, {`"WARNING"`, LevelWarning}, {`10`, LevelDebug}, {`1`, LevelTrace}, {`40`, LevelError}, {`"20"`, LevelInfo}} {
		var l LogLevel
		if err := json.Unmarshal([]byte(tc.in), &l); err != nil || l != tc.want {
			t.Errorf("%s: got %v %v, want %v", tc.in, l, err, tc.want)
		}
	}
	if !LevelInfo.Enabled(LevelWarning) || LevelInfo.Enabled(LevelDebug) || !LevelDefault.Enabled(LevelWarning) || LevelDefault.Enabled(LevelInfo) {
		t.Error("Enabled ordering wrong")
	}
}

func TestErrorSentinels(t *testing.T) {
	var err error = &Error{Code: CodeAuth, Message: "wrong token"}
	if !errors.Is(err, ErrAuth) || errors.Is(err, ErrCancelled) {
		t.Error("errors.Is does not follow the code")
	}
	for code, s := range codeSentinels {
		if !errors.Is(&Error{Code: code}, s) {
			t.Errorf("code %s: sentinel not matched", code)
		}
	}
}

// FuzzDecodeFrame feeds arbitrary bytes to the frame decoder and the
// request decoder: no panic, and every decoded frame re-encodes to the
// same bytes.
func FuzzDecodeFrame(f *testing.F) {
	f.Add(AppendFrame(nil, []byte(`{"type":"hello","protocol":1,"token":"x"}`)))
	f.Add(AppendFrame(nil, []byte(`{"type":"submit","id":1,"qasm":"OPENQASM 2.0;","seed":3,"log_level":"info"}`)))
	f.Add(AppendFrame(AppendFrame(nil, []byte(`{"type":"status","id":2,"task":"T1"}`)), []byte(`{"type":"close","id":3}`)))
	f.Add([]byte{0, 0, 0, 0})
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 1})
	f.Add([]byte{0, 0, 0, 5, '{', '}'})
	f.Fuzz(func(t *testing.T, data []byte) {
		const max = 1 << 16
		rest := data
		for len(rest) > 0 {
			body, r, err := DecodeFrame(rest, max)
			if err != nil {
				if len(body) != 0 {
					t.Fatal("body returned with an error")
				}
				rd, rerr := ReadFrame(bytes.NewReader(rest), max)
				if rerr == nil || rd != nil {
					t.Fatalf("ReadFrame accepted what DecodeFrame refused (%v)", err)
				}
				return
			}
			if len(body) == 0 || len(body) > max {
				t.Fatalf("body of %d bytes accepted", len(body))
			}
			consumed := rest[:len(rest)-len(r)]
			if !bytes.Equal(AppendFrame(nil, body), consumed) {
				t.Fatal("re-encoded frame differs")
			}
			rd, rerr := ReadFrame(bytes.NewReader(rest), max)
			if rerr != nil || !bytes.Equal(rd, body) {
				t.Fatalf("ReadFrame disagrees: %v", rerr)
			}
			if _, e := DecodeHello(body); e != nil && (e.Message == "" || !e.Fatal) {
				t.Fatalf("hello error without message or not fatal: %+v", e)
			}
			req, _, e := DecodeRequest(body)
			if (req == nil) == (e == nil) {
				t.Fatal("DecodeRequest: want exactly one of request and error")
			}
			if e != nil && (e.Message == "" || codeSentinels[e.Code] == nil) {
				t.Fatalf("bad error %+v", e)
			}
			rest = r
		}
	})
}
