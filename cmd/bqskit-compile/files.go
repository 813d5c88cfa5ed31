package main

import (
	"encoding/json"
	"fmt"
	"os"
	"runtime/pprof"
)

// withProfile runs f under the CPU profiler when path is set.
func withProfile(path string, f func() error) error {
	if path == "" {
		return f()
	}
	file, err := os.Create(path)
	if err != nil {
		return usageError{fmt.Errorf("--cpuprofile: %w", err)}
	}
	if err := pprof.StartCPUProfile(file); err != nil {
		file.Close()
		return fmt.Errorf("--cpuprofile: %w", err)
	}
	err = f()
	pprof.StopCPUProfile()
	if cerr := file.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("--cpuprofile: %w", cerr)
	}
	return err
}

// writeJSON writes v as one line of JSON to path.
func writeJSON(path string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	b = append(b, '\n')
	if err := os.WriteFile(path, b, 0o644); err != nil {
		return fmt.Errorf("--json: %w", err)
	}
	return nil
}
