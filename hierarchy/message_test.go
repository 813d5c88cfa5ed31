package hierarchy

import (
	"errors"
	"math/rand/v2"
	"reflect"
	"testing"
)

func sampleMessages() []Message {
	return []Message{
		{Kind: KindSubmit, Task: MakeTaskID(3, 17), Parent: MakeTaskID(0, 1), Root: MakeTaskID(0, 1), Level: -1, Name: "compile", Data: []byte("args")},
		{Kind: KindSubmit, Task: MakeTaskID(MaxNodeID, 1<<40-1), Name: "x", Data: []byte{}},
		{Kind: KindResult, Task: MakeTaskID(2, 5), Status: StatusDone, Data: []byte{1, 2, 3}},
		{Kind: KindResult, Task: MakeTaskID(2, 6), Status: StatusFailed, Data: []byte("panic: boom")},
		{Kind: KindResult, Task: MakeTaskID(2, 7), Status: StatusCancelled, Data: []byte{}},
		{Kind: KindCancel, Task: MakeTaskID(9, 9)},
		{Kind: KindLoad, A: 3, B: 1 << 40, Seq: 123456789},
		{Kind: KindLoad, A: -1},
		{Kind: KindLog, Task: MakeTaskID(4, 4), Root: MakeTaskID(0, 2), Level: 2, Data: []byte("hello")},
		{Kind: KindProgress, Task: MakeTaskID(4, 4), Root: MakeTaskID(0, 2), A: 5, B: 10},
		{Kind: KindProgress, Task: MakeTaskID(4, 4), Root: MakeTaskID(0, 2), A: 6, B: 10, Name: "resynthesis"},
		{Kind: KindStarted, Task: MakeTaskID(0, 8)},
		{Kind: KindShutdown},
	}
}

func TestMessageRoundTrip(t *testing.T) {
	msgs := sampleMessages()
	b := AppendBatch(nil, msgs)
	var d Decoder
	got, err := d.DecodeBatch(nil, b)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(msgs) {
		t.Fatalf("decoded %d messages, want %d", len(got), len(msgs))
	}
	for i := range msgs {
		want := msgs[i]
		if want.Data == nil && got[i].Data != nil && len(got[i].Data) == 0 {
			got[i].Data = nil
		}
		if len(want.Data) == 0 && len(got[i].Data) == 0 {
			want.Data, got[i].Data = nil, nil
		}
		if !reflect.DeepEqual(got[i], want) {
			t.Errorf("message %d: got %+v, want %+v", i, got[i], want)
		}
	}
	// Compactness: a cancel is magic, count, kind and a 6-byte varint id.
	if n := len(AppendBatch(nil, []Message{{Kind: KindCancel, Task: MakeTaskID(1, 5)}})); n != 9 {
		t.Errorf("one cancel encodes to %d bytes, want 9", n)
	}
}

func TestTaskIDString(t *testing.T) {
	for _, id := range []TaskID{MakeTaskID(0, 1), MakeTaskID(12, 345), MakeTaskID(MaxNodeID, 1<<40-1)} {
		got, err := ParseTaskID(id.String())
		if err != nil || got != id {
			t.Fatalf("ParseTaskID(%q) = %v, %v", id.String(), got, err)
		}
	}
	for _, bad := range []string{"", "1", "a.b", "1.", ".1", "99999999.1"} {
		if _, err := ParseTaskID(bad); !errors.Is(err, ErrBadTaskID) {
			t.Errorf("ParseTaskID(%q) error %v, want ErrBadTaskID", bad, err)
		}
	}
}

func TestDecodeErrors(t *testing.T) {
	good := AppendBatch(nil, sampleMessages()[:1])
	cases := []struct {
		name string
		b    []byte
	}{
		{"empty", nil},
		{"bad magic", []byte{0x00, 0}},
		{"count too large", []byte{batchMagic, 50, byte(KindCancel), 1}},
		{"unknown kind", []byte{batchMagic, 1, 200}},
		{"truncated", good[:len(good)-2]},
		{"trailing", append(append([]byte{}, good...), 7)},
		{"bad status", AppendBatch(nil, []Message{{Kind: KindResult, Status: 77}})},
		{"length overflow", []byte{batchMagic, 1, byte(KindResult), 1, byte(StatusDone), 0xff, 0xff, 0xff, 0xff, 0x0f}},
	}
	var d Decoder
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := d.DecodeBatch(nil, c.b)
			if !errors.Is(err, ErrBadMessage) {
				t.Fatalf("error %v, want ErrBadMessage", err)
			}
			if len(got) != 0 {
				t.Fatalf("returned %d messages with an error", len(got))
			}
		})
	}
}

func FuzzDecodeBatch(f *testing.F) {
	f.Add(AppendBatch(nil, sampleMessages()))
	f.Add([]byte{batchMagic, 0})
	f.Add([]byte{batchMagic, 1, byte(KindLoad), 0x80})
	f.Fuzz(func(t *testing.T, b []byte) {
		var d Decoder
		msgs, err := d.DecodeBatch(nil, b)
		if err != nil {
			if !errors.Is(err, ErrBadMessage) {
				t.Fatalf("error %v does not wrap ErrBadMessage", err)
			}
			return
		}
		// What decodes must re-encode to something that decodes the same.
		again, err := d.DecodeBatch(nil, AppendBatch(nil, msgs))
		if err != nil {
			t.Fatalf("re-encoded batch does not decode: %v", err)
		}
		if len(again) != len(msgs) {
			t.Fatalf("re-decoded %d messages, want %d", len(again), len(msgs))
		}
	})
}

func benchBatch(n int) []Message {
	rng := rand.New(rand.NewPCG(1, 1))
	msgs := make([]Message, n)
	for i := range msgs {
		id := MakeTaskID(3, rng.Uint64N(1<<30))
		if i%2 == 0 {
			msgs[i] = Message{Kind: KindSubmit, Task: id, Parent: MakeTaskID(3, 1), Root: MakeTaskID(0, 1), Name: "instantiate", Data: make([]byte, 64)}
		} else {
			msgs[i] = Message{Kind: KindResult, Task: id, Status: StatusDone, Data: make([]byte, 64)}
		}
	}
	return msgs
}

func BenchmarkEncodeBatch(b *testing.B) {
	msgs := benchBatch(64)
	buf := AppendBatch(nil, msgs)
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		buf = AppendBatch(buf[:0], msgs)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(msgs)), "ns/msg")
}

func BenchmarkDecodeBatch(b *testing.B) {
	msgs := benchBatch(64)
	buf := AppendBatch(nil, msgs)
	var d Decoder
	out := make([]Message, 0, len(msgs))
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		var err error
		if out, err = d.DecodeBatch(out[:0], buf); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(msgs)), "ns/msg")
}
