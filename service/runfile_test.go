package service

import (
	"os"
	"path/filepath"
	"testing"
)

func TestWriteFileAtomic(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "addr")
	if err := WriteFileAtomic(p, []byte("h:1\n")); err != nil {
		t.Fatal(err)
	}
	if err := WriteFileAtomic(p, []byte("h:2\n")); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(p)
	if err != nil || string(b) != "h:2\n" {
		t.Fatalf("read %q, %v", b, err)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Errorf("temporary files left: %v", ents)
	}
	if err := WriteFileAtomic(filepath.Join(dir, "missing", "x"), nil); err == nil {
		t.Error("want an error for a missing directory")
	}
}
