package hierarchy

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"

	"github.com/bqskit-mpi/bqskit-mpi/transport"
)

// TaskID names a task uniquely across the whole tree: the id of the node
// that created it (its origin) in the top 24 bits and a per-node counter in
// the low 40 bits. The zero TaskID means "no task".
type TaskID uint64

const taskSeqBits = 40

// MaxNodeID is the largest node id a TaskID can carry.
const MaxNodeID = 1<<(64-taskSeqBits) - 1

// MakeTaskID builds the id of the seq-th task created on node.
func MakeTaskID(node transport.PeerID, seq uint64) TaskID {
	return TaskID(uint64(node)<<taskSeqBits | seq&(1<<taskSeqBits-1))
}

// Origin is the node that created the task (where its parent waits).
func (id TaskID) Origin() transport.PeerID { return transport.PeerID(id >> taskSeqBits) }

// Seq is the per-origin counter part.
func (id TaskID) Seq() uint64 { return uint64(id) & (1<<taskSeqBits - 1) }

// String formats the id as "origin.seq", e.g. "0.17".
func (id TaskID) String() string {
	return strconv.Itoa(int(id.Origin())) + "." + strconv.FormatUint(id.Seq(), 10)
}

// ParseTaskID parses the String form.
func ParseTaskID(s string) (TaskID, error) {
	for i := 0; i < len(s); i++ {
		if s[i] == '.' {
			n, err1 := strconv.ParseUint(s[:i], 10, 24)
			q, err2 := strconv.ParseUint(s[i+1:], 10, taskSeqBits)
			if err1 != nil || err2 != nil {
				break
			}
			return MakeTaskID(transport.PeerID(n), q), nil
		}
	}
	return 0, fmt.Errorf("%w: %q (want origin.seq)", ErrBadTaskID, s)
}

// Kind is the type of a runtime message.
type Kind uint8

// Message kinds.
const (
	// KindSubmit carries a task down (or up, on overflow) the tree:
	// Task, Parent, Root, Level, Name, Data (arguments).
	KindSubmit Kind = iota + 1
	// KindResult carries a task's outcome back along its placement path:
	// Task, Status (done, failed, cancelled), Data (result, or error text).
	KindResult
	// KindCancel asks the node holding Task to cancel it.
	KindCancel
	// KindLoad reports a child's load to its parent: A idle slots,
	// B queued tasks, Seq the number of submissions received from the
	// parent so far (the read receipt).
	KindLoad
	// KindLog carries a log record of task Task of root Root to the server:
	// Level, Data (message text).
	KindLog
	// KindProgress carries progress of Task (root Root) to the server:
	// A done, B total, Name the stage (may be empty).
	KindProgress
	// KindStarted tells the server that root task Task started running.
	KindStarted
	// KindShutdown tells a node to forward the shutdown to its children
	// and stop.
	KindShutdown
	kindEnd
)

var kindNames = [...]string{"invalid", "submit", "result", "cancel", "load", "log", "progress", "started", "shutdown"}

func (k Kind) String() string {
	if k < kindEnd {
		return kindNames[k]
	}
	return "kind(" + strconv.Itoa(int(k)) + ")"
}

// Message is the one message type of all runtime traffic. Which fields are
// meaningful depends on Kind (see the Kind constants). Data and Name of a
// decoded message alias the packet they were decoded from.
type Message struct {
	Kind   Kind
	Status TaskStatus
	Level  int8
	Task   TaskID
	Parent TaskID
	Root   TaskID
	Name   string
	Data   []byte
	A, B   int64
	Seq    uint64
}

// batchMagic starts every encoded batch (and doubles as a format version).
const batchMagic = 0xB1

// AppendBatch appends the encoding of msgs as one packet to dst.
//
// Layout: magic byte 0xB1, uvarint message count, then each message as a
// kind byte followed by its fields in the order listed for the kind:
// TaskIDs, counts and lengths as uvarints, A and B as zig-zag varints, Level
// and Status as single bytes, Name and Data as uvarint length + bytes.
func AppendBatch(dst []byte, msgs []Message) []byte {
	dst = append(dst, batchMagic)
	dst = binary.AppendUvarint(dst, uint64(len(msgs)))
	for i := range msgs {
		dst = appendMessage(dst, &msgs[i])
	}
	return dst
}

// EncodedSizeHint returns a size at least as large as most encodings of
// msgs, for preallocation.
func EncodedSizeHint(msgs []Message) int {
	n := 2 + binary.MaxVarintLen64
	for i := range msgs {
		n += 24 + len(msgs[i].Name) + len(msgs[i].Data) + 2*binary.MaxVarintLen64
	}
	return n
}

func appendBytes(dst, b []byte) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(b)))
	return append(dst, b...)
}

func appendString(dst []byte, s string) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(s)))
	return append(dst, s...)
}

func appendMessage(dst []byte, m *Message) []byte {
	dst = append(dst, byte(m.Kind))
	switch m.Kind {
	case KindSubmit:
		dst = binary.AppendUvarint(dst, uint64(m.Task))
		dst = binary.AppendUvarint(dst, uint64(m.Parent))
		dst = binary.AppendUvarint(dst, uint64(m.Root))
		dst = append(dst, byte(m.Level))
		dst = appendString(dst, m.Name)
		dst = appendBytes(dst, m.Data)
	case KindResult:
		dst = binary.AppendUvarint(dst, uint64(m.Task))
		dst = append(dst, byte(m.Status))
		dst = appendBytes(dst, m.Data)
	case KindCancel, KindStarted:
		dst = binary.AppendUvarint(dst, uint64(m.Task))
	case KindLoad:
		dst = binary.AppendVarint(dst, m.A)
		dst = binary.AppendVarint(dst, m.B)
		dst = binary.AppendUvarint(dst, m.Seq)
	case KindLog:
		dst = binary.AppendUvarint(dst, uint64(m.Task))
		dst = binary.AppendUvarint(dst, uint64(m.Root))
		dst = append(dst, byte(m.Level))
		dst = appendBytes(dst, m.Data)
	case KindProgress:
		dst = binary.AppendUvarint(dst, uint64(m.Task))
		dst = binary.AppendUvarint(dst, uint64(m.Root))
		dst = binary.AppendVarint(dst, m.A)
		dst = binary.AppendVarint(dst, m.B)
		dst = appendString(dst, m.Name)
	case KindShutdown:
	default:
		panic(fmt.Sprintf("hierarchy: encoding message of invalid kind %d", m.Kind))
	}
	return dst
}

// Decoder decodes packets. It interns task names so that decoding a submit
// does not allocate a new string per message; use one Decoder per goroutine.
type Decoder struct {
	names map[string]string
}

// maxInternedNames bounds the decoder's name table.
const maxInternedNames = 4096

type decodeState struct {
	b   []byte
	off int
	err error
}

func (d *decodeState) fail(what string) {
	if d.err == nil {
		d.err = fmt.Errorf("%w: %s at byte %d", ErrBadMessage, what, d.off)
	}
}

func (d *decodeState) uvarint(what string) uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b[d.off:])
	if n <= 0 {
		d.fail("bad or truncated " + what)
		return 0
	}
	d.off += n
	return v
}

func (d *decodeState) varint(what string) int64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Varint(d.b[d.off:])
	if n <= 0 {
		d.fail("bad or truncated " + what)
		return 0
	}
	d.off += n
	return v
}

func (d *decodeState) byte1(what string) byte {
	if d.err != nil {
		return 0
	}
	if d.off >= len(d.b) {
		d.fail("truncated " + what)
		return 0
	}
	v := d.b[d.off]
	d.off++
	return v
}

func (d *decodeState) bytes(what string) []byte {
	if d.err != nil {
		return nil
	}
	n, k := binary.Uvarint(d.b[d.off:])
	if k <= 0 {
		d.fail("bad or truncated " + what + " length")
		return nil
	}
	d.off += k
	if n > uint64(len(d.b)-d.off) {
		d.fail(what + " longer than the packet")
		return nil
	}
	v := d.b[d.off : d.off+int(n) : d.off+int(n)]
	d.off += int(n)
	return v
}

func (dec *Decoder) intern(b []byte) string {
	if s, ok := dec.names[string(b)]; ok {
		return s
	}
	s := string(b)
	if dec.names == nil {
		dec.names = make(map[string]string)
	}
	if len(dec.names) < maxInternedNames {
		dec.names[s] = s
	}
	return s
}

// DecodeBatch appends the messages of packet to dst. The returned messages'
// Data fields alias packet. A malformed packet returns an error wrapping
// ErrBadMessage that names the byte offset; messages decoded before the
// error are not returned.
func (dec *Decoder) DecodeBatch(dst []Message, packet []byte) ([]Message, error) {
	d := decodeState{b: packet}
	if len(packet) == 0 || packet[0] != batchMagic {
		d.fail("missing batch magic byte")
		return dst, d.err
	}
	d.off = 1
	count := d.uvarint("message count")
	if d.err == nil && count > uint64(len(packet)-d.off) {
		d.fail(fmt.Sprintf("message count %d larger than the packet", count))
	}
	if d.err != nil {
		return dst, d.err
	}
	start := len(dst)
	for i := uint64(0); i < count; i++ {
		var m Message
		m.Kind = Kind(d.byte1("kind"))
		switch m.Kind {
		case KindSubmit:
			m.Task = TaskID(d.uvarint("task id"))
			m.Parent = TaskID(d.uvarint("parent id"))
			m.Root = TaskID(d.uvarint("root id"))
			m.Level = int8(d.byte1("level"))
			name := d.bytes("task name")
			if d.err == nil {
				m.Name = dec.intern(name)
			}
			m.Data = d.bytes("arguments")
		case KindResult:
			m.Task = TaskID(d.uvarint("task id"))
			m.Status = TaskStatus(d.byte1("status"))
			m.Data = d.bytes("result")
			if d.err == nil && (m.Status < StatusDone || m.Status > StatusCancelled) {
				d.fail(fmt.Sprintf("result status %d", m.Status))
			}
		case KindCancel, KindStarted:
			m.Task = TaskID(d.uvarint("task id"))
		case KindLoad:
			m.A = d.varint("idle count")
			m.B = d.varint("queued count")
			m.Seq = d.uvarint("receipt")
		case KindLog:
			m.Task = TaskID(d.uvarint("task id"))
			m.Root = TaskID(d.uvarint("root id"))
			m.Level = int8(d.byte1("level"))
			m.Data = d.bytes("log text")
		case KindProgress:
			m.Task = TaskID(d.uvarint("task id"))
			m.Root = TaskID(d.uvarint("root id"))
			m.A = d.varint("done")
			m.B = d.varint("total")
			stage := d.bytes("stage")
			if d.err == nil {
				m.Name = dec.intern(stage)
			}
		case KindShutdown:
		default:
			if d.err == nil {
				d.off--
				d.fail(fmt.Sprintf("unknown message kind %d", m.Kind))
			}
		}
		if d.err != nil {
			return dst[:start], d.err
		}
		dst = append(dst, m)
	}
	if d.off != len(packet) {
		d.fail(fmt.Sprintf("%d trailing bytes", len(packet)-d.off))
		return dst[:start], d.err
	}
	return dst, nil
}

// Sentinel errors of the message layer.
var (
	// ErrBadMessage reports a malformed runtime packet.
	ErrBadMessage = errors.New("hierarchy: malformed message")
	// ErrBadTaskID reports a task id string that does not parse.
	ErrBadTaskID = errors.New("hierarchy: bad task id")
)
