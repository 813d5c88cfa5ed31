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
			return "from-env-0123456789"
		}
		return ""
	}
	if et, src, _, _ := ServerToken(path, env); et != "from-env-0123456789" || src != "$"+TokenEnv {
		t.Errorf("env override: %q %q", et, src)
	}
	if ct, _ := ClientToken("explicit-0123456789", path, env); ct != "explicit-0123456789" {
		t.Errorf("explicit token: %q", ct)
	}
	if ct, _ := ClientToken("", path, env); ct != "from-env-0123456789" {
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
	// Tokens shorter than MinTokenLength are refused on both sides.
	short := func(k string) string {
		if k == TokenEnv {
			return "tooshort"
		}
		return ""
	}
	if _, _, _, err := ServerToken(path, short); !errors.Is(err, ErrShortToken) || !strings.Contains(err.Error(), "$"+TokenEnv) {
		t.Errorf("short server token from the environment: %v", err)
	}
	if _, err := ClientToken("", path, short); !errors.Is(err, ErrShortToken) {
		t.Errorf("short client token from the environment: %v", err)
	}
	if _, err := ClientToken("0123456789abcde", path, noEnv); !errors.Is(err, ErrShortToken) {
		t.Errorf("15-character explicit token: %v", err)
	}
	shortFile := filepath.Join(dir, "short")
	if err := os.WriteFile(shortFile, []byte("abc\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := ServerToken(shortFile, noEnv); !errors.Is(err, ErrShortToken) || !strings.Contains(err.Error(), shortFile) {
		t.Errorf("short token file (server): %v", err)
	}
	if _, err := ClientToken("", shortFile, noEnv); !errors.Is(err, ErrShortToken) {
		t.Errorf("short token file (client): %v", err)
	}
	if tok, err := ClientToken("0123456789abcdef", path, noEnv); err != nil || tok != "0123456789abcdef" {
		t.Errorf("16-character token: %q %v", tok, err)
	}
	a, _ := NewToken()
	b, _ := NewToken()
	if a == b || !TokenEqual(a, a) || TokenEqual(a, b) {
		t.Error("NewToken/TokenEqual")
	}
}
