package protocol

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestTokens(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "sub", "token")
	noEnv := func(string) string { return "" }
	tok, src, created, err := ServerToken(path, noEnv)
	if err != nil || !created || src != path || len(tok) != 64 {
		t.Fatalf("create: %q %q %v %v", tok, src, created, err)
	}
	st, err := os.Stat(path)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("token file mode: %v %v", st.Mode(), err)
	}
	again, _, created, err := ServerToken(path, noEnv)
	if err != nil || created || again != tok {
		t.Fatalf("reuse: %q %v %v", again, created, err)
	}
	ct, err := ClientToken("", path, noEnv)
	if err != nil || ct != tok {
		t.Fatalf("client token: %q %v", ct, err)
	}
	env := func(k string) string {
		if k == TokenEnv {
			return "from-env"
		}
		return ""
	}
	if et, src, _, _ := ServerToken(path, env); et != "from-env" || src != "$"+TokenEnv {
		t.Errorf("env override: %q %q", et, src)
	}
	if ct, _ := ClientToken("explicit", path, env); ct != "explicit" {
		t.Errorf("explicit token: %q", ct)
	}
	if ct, _ := ClientToken("", path, env); ct != "from-env" {
		t.Errorf("client env token: %q", ct)
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := ServerToken(path, noEnv); !errors.Is(err, ErrTokenFile) || !strings.Contains(err.Error(), "chmod 600") {
		t.Errorf("world-readable token file: %v", err)
	}
	if _, err := ClientToken("", filepath.Join(dir, "missing"), noEnv); !errors.Is(err, ErrTokenFile) {
		t.Errorf("missing client token file: %v", err)
	}
	a, _ := NewToken()
	b, _ := NewToken()
	if a == b || !TokenEqual(a, a) || TokenEqual(a, b) {
		t.Error("NewToken/TokenEqual")
	}
}
