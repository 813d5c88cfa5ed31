package logging

import (
	"io"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// Level maps a -v count to a level as BQSKit's commands do: warnings by
// default, -v info, -vv (or more) debug.
func Level(verbosity int) zapcore.Level {
	switch {
	case verbosity >= 2:
		return zapcore.DebugLevel
	case verbosity == 1:
		return zapcore.InfoLevel
	}
	return zapcore.WarnLevel
}

// New returns a logger named name writing to w at Level(verbosity), as
// console lines or, with format "json", JSON lines; timestamps are ISO 8601.
// Writes are serialised, so goroutines may share w.
func New(name string, verbosity int, format string, w io.Writer) *zap.Logger {
	var enc zapcore.Encoder
	if format == "json" {
		ec := zap.NewProductionEncoderConfig()
		ec.EncodeTime = zapcore.ISO8601TimeEncoder
		enc = zapcore.NewJSONEncoder(ec)
	} else {
		ec := zap.NewDevelopmentEncoderConfig()
		ec.EncodeTime = zapcore.ISO8601TimeEncoder
		enc = zapcore.NewConsoleEncoder(ec)
	}
	return zap.New(zapcore.NewCore(enc, zapcore.Lock(zapcore.AddSync(w)), Level(verbosity))).Named(name)
}
