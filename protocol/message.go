package protocol

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// ProtocolVersion is the protocol version this package speaks (PROTOCOL.md).
const ProtocolVersion = 1

// DefaultPort is the default TCP port of the gateway (BQSKit's).
const DefaultPort = 7472

// Message types, client to server.
const (
	TypeHello  = "hello"
	TypeSubmit = "submit"
	TypeStatus = "status"
	TypeResult = "result"
	TypeCancel = "cancel"
	TypeClose  = "close"
)

// Message types, server to client.
const (
	TypeWelcome  = "welcome"
	TypeReply    = "reply"
	TypeError    = "error"
	TypeLog      = "log"
	TypeProgress = "progress"
)

// Code is a protocol error code (PROTOCOL.md, "Errors").
type Code string

// Error codes.
const (
	CodeBadFrame        Code = "bad_frame"
	CodeFrameTooLarge   Code = "frame_too_large"
	CodeReadTimeout     Code = "read_timeout"
	CodeBadJSON         Code = "bad_json"
	CodeNoHello         Code = "no_hello"
	CodeProtocolVersion Code = "protocol_version"
	CodeAuth            Code = "auth"
	CodeUnknownType     Code = "unknown_type"
	CodeBadRequest      Code = "bad_request"
	CodeInvalidCircuit  Code = "invalid_circuit"
	CodeUnknownPass     Code = "unknown_pass"
	CodeTooManyQubits   Code = "too_many_qubits"
	CodeTooManyTasks    Code = "too_many_tasks"
	CodeUnknownTask     Code = "unknown_task"
	CodeTaskFailed      Code = "task_failed"
	CodeCancelled       Code = "cancelled"
	CodeIdleTimeout     Code = "idle_timeout"
	CodeTooManyClients  Code = "too_many_clients"
	CodeTooLarge        Code = "too_large"
	CodeBusy            Code = "busy"
	CodeShuttingDown    Code = "shutting_down"
	CodeInternal        Code = "internal"
)

// Sentinel errors, one per code: errors.Is(err, ErrAuth) holds for an
// *Error with code CodeAuth, on either side of the connection.
var (
	ErrBadFrame        = errors.New("protocol: bad frame")
	ErrReadTimeout     = errors.New("protocol: read timeout")
	ErrBadJSON         = errors.New("protocol: invalid JSON")
	ErrNoHello         = errors.New("protocol: no hello")
	ErrProtocolVersion = errors.New("protocol: unsupported protocol version")
	ErrAuth            = errors.New("protocol: authentication failed")
	ErrUnknownType     = errors.New("protocol: unknown message type")
	ErrBadRequest      = errors.New("protocol: bad request")
	ErrInvalidCircuit  = errors.New("protocol: invalid circuit")
	ErrUnknownPass     = errors.New("protocol: unknown pass")
	ErrTooManyQubits   = errors.New("protocol: too many qubits")
	ErrTooManyTasks    = errors.New("protocol: too many open tasks")
	ErrUnknownTask     = errors.New("protocol: unknown task")
	ErrTaskFailed      = errors.New("protocol: task failed")
	ErrCancelled       = errors.New("protocol: task cancelled")
	ErrIdleTimeout     = errors.New("protocol: idle timeout")
	ErrTooManyClients  = errors.New("protocol: too many clients")
	ErrTooLarge        = errors.New("protocol: input too large")
	ErrBusy            = errors.New("protocol: server busy")
	ErrShuttingDown    = errors.New("protocol: server shutting down")
	ErrInternal        = errors.New("protocol: internal error")
)

var codeSentinels = map[Code]error{
	CodeBadFrame:        ErrBadFrame,
	CodeFrameTooLarge:   ErrFrameTooLarge,
	CodeReadTimeout:     ErrReadTimeout,
	CodeBadJSON:         ErrBadJSON,
	CodeNoHello:         ErrNoHello,
	CodeProtocolVersion: ErrProtocolVersion,
	CodeAuth:            ErrAuth,
	CodeUnknownType:     ErrUnknownType,
	CodeBadRequest:      ErrBadRequest,
	CodeInvalidCircuit:  ErrInvalidCircuit,
	CodeUnknownPass:     ErrUnknownPass,
	CodeTooManyQubits:   ErrTooManyQubits,
	CodeTooManyTasks:    ErrTooManyTasks,
	CodeUnknownTask:     ErrUnknownTask,
	CodeTaskFailed:      ErrTaskFailed,
	CodeCancelled:       ErrCancelled,
	CodeIdleTimeout:     ErrIdleTimeout,
	CodeTooManyClients:  ErrTooManyClients,
	CodeTooLarge:        ErrTooLarge,
	CodeBusy:            ErrBusy,
	CodeShuttingDown:    ErrShuttingDown,
	CodeInternal:        ErrInternal,
}

// Error is a protocol error: what the server sends in an error frame, and
// what backends return to choose the code the client sees.
type Error struct {
	Code    Code   `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
	File    string `json:"file,omitempty"`
	Line    int    `json:"line,omitempty"`
	Col     int    `json:"col,omitempty"`
	Fatal   bool   `json:"fatal,omitempty"`
}

// Errorf builds an *Error with a formatted message.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Error implements error: "code: message".
func (e *Error) Error() string {
	return string(e.Code) + ": " + e.Message
}

// Unwrap returns the sentinel error of e's code (nil for an unknown code).
func (e *Error) Unwrap() error { return codeSentinels[e.Code] }

// LogLevel is the level of a log event. The zero value means the default,
// warning (BQSKit's default).
type LogLevel int8

// Log levels, lowest first.
const (
	LevelDefault LogLevel = iota // same as LevelWarning
	LevelTrace
	LevelDebug
	LevelInfo
	LevelWarning
	LevelError
)

func (l LogLevel) norm() LogLevel {
	if l <= LevelDefault || l > LevelError {
		return LevelWarning
	}
	return l
}

// Enabled reports whether an event at level ev passes the threshold l.
func (l LogLevel) Enabled(ev LogLevel) bool { return ev.norm() >= l.norm() }

// String is the protocol spelling.
func (l LogLevel) String() string {
	switch l.norm() {
	case LevelTrace:
		return "trace"
	case LevelDebug:
		return "debug"
	case LevelInfo:
		return "info"
	case LevelWarning:
		return "warning"
	default:
		return "error"
	}
}

// ParseLogLevel reads a level name (error, warning/warn, info, debug, trace)
// or one of BQSKit's numbers (40, 30, 20, 10, 1; others round down to the
// nearest of these).
func ParseLogLevel(s string) (LogLevel, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "trace":
		return LevelTrace, nil
	case "debug":
		return LevelDebug, nil
	case "info":
		return LevelInfo, nil
	case "warning", "warn", "":
		return LevelWarning, nil
	case "error", "critical":
		return LevelError, nil
	}
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		return 0, &levelError{fmt.Sprintf("log level %q: want error, warning, info, debug, trace or a number", s)}
	}
	return levelFromNumber(n), nil
}

func levelFromNumber(n int) LogLevel {
	switch {
	case n >= 40:
		return LevelError
	case n >= 30:
		return LevelWarning
	case n >= 20:
		return LevelInfo
	case n >= 10:
		return LevelDebug
	default:
		return LevelTrace
	}
}

// levelError is a log level that cannot be read; it matches ErrBadRequest,
// and a request decoder reports it as bad_request naming the field
// log_level (the only level a request carries).
type levelError struct{ msg string }

func (e *levelError) Error() string        { return e.msg }
func (e *levelError) Is(target error) bool { return target == ErrBadRequest }

// MarshalJSON writes the level name.
func (l LogLevel) MarshalJSON() ([]byte, error) { return json.Marshal(l.String()) }

// UnmarshalJSON accepts a level name or a BQSKit number.
func (l *LogLevel) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if string(b) == "null" { // absent: the default
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return &levelError{fmt.Sprintf("log level: invalid string %s", b)}
		}
		v, err := ParseLogLevel(s)
		if err != nil {
			return err
		}
		*l = v
		return nil
	}
	var n int
	if err := json.Unmarshal(b, &n); err != nil {
		return &levelError{fmt.Sprintf("log level: want a name or an integer, got JSON %s", b)}
	}
	*l = levelFromNumber(n)
	return nil
}

// Limits are the server's limits, sent in the welcome message.
type Limits struct {
	MaxFrameBytes int     `json:"max_frame_bytes"`
	MaxQubits     int     `json:"max_qubits"`
	MaxOpenTasks  int     `json:"max_open_tasks"`
	IdleTimeoutS  float64 `json:"idle_timeout_s"`
	ReadTimeoutS  float64 `json:"read_timeout_s"`
	// MaxGates bounds a circuit's operations after expanding user gates
	// and register broadcasts (0: not announced, an older server).
	MaxGates int `json:"max_gates,omitempty"`
	// QueuedBytes and QueuedGates bound the input bytes and operations of
	// a session's unfinished tasks beyond its first (0: not announced).
	QueuedBytes int64 `json:"queued_bytes,omitempty"`
	QueuedGates int64 `json:"queued_gates,omitempty"`
}

// Runtime describes the compute behind a server, sent in the welcome
// message when the server knows it (an optional field: older servers omit
// it).
type Runtime struct {
	// Ranks is the number of MPI processes (1 for an embedded runtime).
	Ranks int `json:"ranks,omitempty"`
	// Workers is the number of worker processes or goroutines.
	Workers int `json:"workers,omitempty"`
	// Slots is the number of tasks the workers run at once.
	Slots int `json:"slots,omitempty"`
	// Version is the server's version line (its --version output).
	Version string `json:"version,omitempty"`
}

// Hello is the client's first message.
type Hello struct {
	Type     string `json:"type"`
	Protocol int    `json:"protocol"`
	Token    string `json:"token,omitempty"`
	Client   string `json:"client,omitempty"`
}

// SubmitRequest is the body of a submit request (PROTOCOL.md, "submit").
type SubmitRequest struct {
	// QASM is the circuit as OpenQASM 2.0 text.
	QASM string `json:"qasm,omitempty"`
	// Unitary is a .npy complex128 matrix, base64 (standard, padded).
	Unitary string `json:"unitary,omitempty"`
	// Filename names the input in error messages.
	Filename string `json:"filename,omitempty"`
	// OptimizationLevel is 1-4; 0 means the default (1) unless Workflow is set.
	OptimizationLevel int `json:"optimization_level,omitempty"`
	// Workflow is a JSON array of pass specs, exclusive with OptimizationLevel.
	Workflow json.RawMessage `json:"workflow,omitempty"`
	// Seed makes the compile reproducible; nil means 0.
	Seed *uint64 `json:"seed,omitempty"`
	// BlockSize is the partition block size; 0 means the default (3).
	BlockSize int `json:"block_size,omitempty"`
	// RequestData asks for pass data with the result.
	RequestData bool `json:"request_data,omitempty"`
	// LogLevel is the lowest level of log events pushed for this task.
	LogLevel LogLevel `json:"log_level,omitempty"`
	// Model, when set, compiles for a machine (model.go).
	Model *Model `json:"model,omitempty"`
	// SynthesisEpsilon is BQSKit's synthesis_epsilon: the success
	// threshold of instantiation, synthesis and gate removal (0 means the
	// default, 1e-8; the compiler accepts up to 0.01).
	SynthesisEpsilon float64 `json:"synthesis_epsilon,omitempty"`
	// ErrorThreshold is BQSKit's error_threshold (nil: none): replacements
	// that would take the error upper bound e to 1 − sqrt(1 − e²) above it
	// are refused.
	ErrorThreshold *float64 `json:"error_threshold,omitempty"`
	// WithMapping asks for initial_mapping and final_mapping in the result
	// even without a model (the identity then).
	WithMapping bool `json:"with_mapping,omitempty"`
}

// Validate checks the request's shape (which inputs are set, the workflow
// is a JSON array). Value ranges (optimization level, block size) are the
// compiler's to check, once, in compiler.NewPlan.
func (r *SubmitRequest) Validate() error {
	switch {
	case r.QASM == "" && r.Unitary == "":
		return &Error{Code: CodeBadRequest, Field: "qasm", Message: "submit needs a circuit: set qasm or unitary"}
	case r.QASM != "" && r.Unitary != "":
		return &Error{Code: CodeBadRequest, Field: "unitary", Message: "qasm and unitary are exclusive"}
	case len(r.Workflow) > 0 && r.OptimizationLevel != 0:
		return &Error{Code: CodeBadRequest, Field: "workflow", Message: "workflow and optimization_level are exclusive"}
	}
	if len(r.Workflow) > 0 {
		var passes []json.RawMessage
		if err := json.Unmarshal(r.Workflow, &passes); err != nil || len(passes) == 0 {
			return &Error{Code: CodeBadRequest, Field: "workflow", Message: "workflow must be a non-empty JSON array of pass specs"}
		}
	}
	return nil
}

// TaskRequest is the body of status, result and cancel requests.
type TaskRequest struct {
	Type string `json:"type"`
	ID   uint64 `json:"id"`
	Task string `json:"task"`
}

// TaskStatus is a task's state.
type TaskStatus string

// Task states.
const (
	StatusQueued    TaskStatus = "queued"
	StatusRunning   TaskStatus = "running"
	StatusDone      TaskStatus = "done"
	StatusFailed    TaskStatus = "failed"
	StatusCancelled TaskStatus = "cancelled"
)

// Terminal reports whether s is a final state.
func (s TaskStatus) Terminal() bool {
	return s == StatusDone || s == StatusFailed || s == StatusCancelled
}

// TaskResult is a finished task's output.
type TaskResult struct {
	// QASM is the compiled circuit.
	QASM string `json:"qasm"`
	// Data is the pass data (a JSON object), present with request_data.
	Data json.RawMessage `json:"data,omitempty"`
	// InitialMapping and FinalMapping are present when the task had a
	// model: logical qubit i is on physical qubit InitialMapping[i] at the
	// start and FinalMapping[i] at the end.
	InitialMapping []int `json:"initial_mapping,omitempty"`
	FinalMapping   []int `json:"final_mapping,omitempty"`
}

// LogEvent is a log record of a task.
type LogEvent struct {
	Task    string
	Level   LogLevel
	Logger  string
	Message string
	Time    time.Time
}

// ProgressEvent reports a task's progress.
type ProgressEvent struct {
	Task  string
	Done  int
	Total int
	Stage string
}

// ServerMessage is every message the server sends; Type says which fields
// are set. Clients decode frames into it (ignoring unknown fields).
type ServerMessage struct {
	Type string `json:"type"`
	ID   uint64 `json:"id,omitempty"`

	// welcome
	Protocol int     `json:"protocol,omitempty"`
	Server   string  `json:"server,omitempty"`
	Limits   *Limits `json:"limits,omitempty"`
	// Runtime is optional (servers before it omit it).
	Runtime *Runtime `json:"runtime,omitempty"`

	// reply, log, progress
	Task   string      `json:"task,omitempty"`
	Status TaskStatus  `json:"status,omitempty"`
	Result *TaskResult `json:"result,omitempty"`

	// error
	Error *Error `json:"error,omitempty"`

	// log
	Level   *LogLevel `json:"level,omitempty"`
	Logger  string    `json:"logger,omitempty"`
	Message string    `json:"message,omitempty"`
	Time    string    `json:"time,omitempty"`

	// progress
	Done  int    `json:"done,omitempty"`
	Total int    `json:"total,omitempty"`
	Stage string `json:"stage,omitempty"`
}

// LogEvent converts a log message (Type == TypeLog).
func (m *ServerMessage) LogEvent() LogEvent {
	ev := LogEvent{Task: m.Task, Logger: m.Logger, Message: m.Message, Level: LevelInfo}
	if m.Level != nil {
		ev.Level = *m.Level
	}
	if t, err := time.Parse(time.RFC3339Nano, m.Time); err == nil {
		ev.Time = t
	}
	return ev
}

// ProgressEvent converts a progress message (Type == TypeProgress).
func (m *ServerMessage) ProgressEvent() ProgressEvent {
	return ProgressEvent{Task: m.Task, Done: m.Done, Total: m.Total, Stage: m.Stage}
}

// envelope is the part of every client message read before the body.
type envelope struct {
	Type *string `json:"type"`
	ID   *uint64 `json:"id"`
}

// submitMessage is a submit request on the wire.
type submitMessage struct {
	Type string `json:"type"`
	ID   uint64 `json:"id"`
	SubmitRequest
}

// closeMessage is a close request on the wire.
type closeMessage struct {
	Type string `json:"type"`
	ID   uint64 `json:"id"`
}

// ClientRequest is a decoded client request after hello.
type ClientRequest struct {
	Type   string
	ID     uint64
	Task   string         // status, result, cancel
	Submit *SubmitRequest // submit
}

// decodeStrict decodes body into v rejecting unknown fields and trailing
// data; errors become *Error with code bad_request naming the field.
func decodeStrict(body []byte, v any) *Error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if dec.More() {
		return &Error{Code: CodeBadJSON, Message: "invalid JSON: data after the message object"}
	}
	return nil
}

func jsonError(err error) *Error {
	var ute *json.UnmarshalTypeError
	var se *json.SyntaxError
	var le *levelError
	switch {
	case errors.As(err, &le):
		return &Error{Code: CodeBadRequest, Field: "log_level", Message: `field "log_level": ` + le.msg}
	case errors.As(err, &ute):
		if ute.Field == "" {
			return &Error{Code: CodeBadJSON, Message: fmt.Sprintf("a message must be a JSON object, got JSON %s", ute.Value)}
		}
		f := strings.TrimPrefix(ute.Field, "SubmitRequest.")
		return &Error{Code: CodeBadRequest, Field: f,
			Message: fmt.Sprintf("field %q: want %s, got JSON %s", f, jsonKind(ute.Type.Kind().String()), ute.Value)}
	case errors.As(err, &se):
		return &Error{Code: CodeBadJSON, Message: fmt.Sprintf("invalid JSON at byte %d: %v", se.Offset, err)}
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		f := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return &Error{Code: CodeBadRequest, Field: f, Message: fmt.Sprintf("unknown field %q", f)}
	case errors.Is(err, ErrBadRequest):
		return &Error{Code: CodeBadRequest, Message: strings.TrimPrefix(err.Error(), "protocol: bad request: ")}
	default:
		return &Error{Code: CodeBadJSON, Message: "invalid JSON: " + err.Error()}
	}
}

func jsonKind(k string) string {
	switch {
	case strings.HasPrefix(k, "int"), strings.HasPrefix(k, "uint"):
		return "an integer"
	case strings.HasPrefix(k, "float"):
		return "a number"
	case k == "string":
		return "a string"
	case k == "bool":
		return "true or false"
	case k == "slice":
		return "an array"
	case k == "struct", k == "map":
		return "an object"
	}
	return k
}

// DecodeHello decodes the first frame of a session.
func DecodeHello(body []byte) (*Hello, *Error) {
	var env envelope
	if err := json.Unmarshal(body, &env); err != nil {
		e := jsonError(err)
		if e.Code == CodeBadRequest {
			e.Code = CodeNoHello
		}
		e.Fatal = true
		return nil, e
	}
	if env.Type == nil || *env.Type != TypeHello {
		got := "no type"
		if env.Type != nil {
			got = fmt.Sprintf("type %q", *env.Type)
		}
		return nil, &Error{Code: CodeNoHello, Fatal: true,
			Message: fmt.Sprintf("the first message must be hello (protocol %d, token), got %s", ProtocolVersion, got)}
	}
	var h Hello
	if e := decodeStrict(body, &h); e != nil {
		e.Fatal = true
		return nil, e
	}
	return &h, nil
}

// DecodeRequest decodes a request frame received after hello. On error the
// returned ID is the request's id when it could be read (0 otherwise).
func DecodeRequest(body []byte) (*ClientRequest, uint64, *Error) {
	var env envelope
	if err := json.Unmarshal(body, &env); err != nil {
		return nil, 0, jsonError(err)
	}
	var id uint64
	if env.ID != nil {
		id = *env.ID
	}
	if env.Type == nil {
		return nil, id, &Error{Code: CodeBadRequest, Field: "type", Message: "message has no type"}
	}
	if env.ID == nil || id == 0 {
		return nil, 0, &Error{Code: CodeBadRequest, Field: "id", Message: fmt.Sprintf("%s request needs a positive integer id", *env.Type)}
	}
	req := &ClientRequest{Type: *env.Type, ID: id}
	switch *env.Type {
	case TypeSubmit:
		var m submitMessage
		if e := decodeStrict(body, &m); e != nil {
			return nil, id, e
		}
		if err := m.SubmitRequest.Validate(); err != nil {
			var ge *Error
			errors.As(err, &ge)
			return nil, id, ge
		}
		req.Submit = &m.SubmitRequest
	case TypeStatus, TypeResult, TypeCancel:
		var m TaskRequest
		if e := decodeStrict(body, &m); e != nil {
			return nil, id, e
		}
		if m.Task == "" {
			return nil, id, &Error{Code: CodeBadRequest, Field: "task", Message: *env.Type + " request needs a task id"}
		}
		req.Task = m.Task
	case TypeClose:
		var m closeMessage
		if e := decodeStrict(body, &m); e != nil {
			return nil, id, e
		}
	case TypeHello:
		return nil, id, &Error{Code: CodeBadRequest, Field: "type", Message: "hello already received"}
	default:
		return nil, id, &Error{Code: CodeUnknownType, Message: fmt.Sprintf("unknown request type %q (want submit, status, result, cancel or close)", *env.Type)}
	}
	return req, id, nil
}
