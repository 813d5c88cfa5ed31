package protocol

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// TokenEnv is the environment variable that overrides the token file.
const TokenEnv = "BQSKIT_MPI_TOKEN"

// Environment variables a batch job sets for the clients it runs: the
// gateway's HOST:PORT and the file holding its token. Clients use them when
// given no address and no token file.
const (
	AddressEnv   = "BQSKIT_MPI_ADDRESS"
	TokenFileEnv = "BQSKIT_MPI_TOKEN_FILE"
)

// MinTokenLength is the shortest token a server accepts or a client sends
// (NewToken writes 64 hex digits).
const MinTokenLength = 16

// Token errors.
var (
	// ErrTokenFile: the token file cannot be used (missing, empty, or
	// readable by others).
	ErrTokenFile = errors.New("protocol: token file")
	// ErrShortToken: a token has fewer than MinTokenLength characters.
	ErrShortToken = errors.New("protocol: token too short")
)

// CheckToken refuses a token shorter than MinTokenLength; source names
// where it came from in the error.
func CheckToken(token, source string) error {
	if len(token) < MinTokenLength {
		return fmt.Errorf("%w: the token from %s has %d characters; want at least %d (a fresh token file holds 64 hex digits: delete the file and restart the server to create one)",
			ErrShortToken, source, len(token), MinTokenLength)
	}
	return nil
}

// DefaultTokenFile is ~/.config/bqskit-mpi/token (under $XDG_CONFIG_HOME
// when that is set).
func DefaultTokenFile() (string, error) {
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("%w: no home directory to put it in (%v); pass --token-file or set %s", ErrTokenFile, err, TokenEnv)
	}
	return filepath.Join(dir, "bqskit-mpi", "token"), nil
}

// NewToken returns a fresh random 256-bit token as 64 hex digits.
func NewToken() (string, error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("protocol: random token: %w", err)
	}
	return hex.EncodeToString(b[:]), nil
}

// ServerToken returns the token a server must require: $BQSKIT_MPI_TOKEN
// when getenv returns it non-empty, else the contents of path (the default
// token file when path is ""), creating the file with mode 0600 and a fresh
// token when it does not exist. A file readable by group or others is
// refused, and so is a token shorter than MinTokenLength (ErrShortToken).
// created reports whether the file was written.
func ServerToken(path string, getenv func(string) string) (token, source string, created bool, err error) {
	token, source, created, err = serverToken(path, getenv)
	if err == nil {
		err = CheckToken(token, source)
	}
	if err != nil {
		return "", "", false, err
	}
	return token, source, created, nil
}

func serverToken(path string, getenv func(string) string) (token, source string, created bool, err error) {
	if t := strings.TrimSpace(getenv(TokenEnv)); t != "" {
		return t, "$" + TokenEnv, false, nil
	}
	if path == "" {
		if path, err = DefaultTokenFile(); err != nil {
			return "", "", false, err
		}
	}
	t, err := readTokenFile(path, true)
	if err == nil {
		return t, path, false, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return "", "", false, err
	}
	if t, err = NewToken(); err != nil {
		return "", "", false, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return "", "", false, fmt.Errorf("%w: create directory for %s: %v", ErrTokenFile, path, err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		// Another server created it first: use theirs.
		t, err := readTokenFile(path, true)
		return t, path, false, err
	}
	if err != nil {
		return "", "", false, fmt.Errorf("%w: create %s: %v", ErrTokenFile, path, err)
	}
	if _, err := f.WriteString(t + "\n"); err != nil {
		f.Close()
		return "", "", false, fmt.Errorf("%w: write %s: %v", ErrTokenFile, path, err)
	}
	if err := f.Close(); err != nil {
		return "", "", false, fmt.Errorf("%w: write %s: %v", ErrTokenFile, path, err)
	}
	return t, path, true, nil
}

// ClientToken returns the token a client should send: explicit when
// non-empty, else $BQSKIT_MPI_TOKEN, else the contents of path (the default
// token file when path is ""). A token shorter than MinTokenLength is
// refused (ErrShortToken): no server accepts it.
func ClientToken(explicit, path string, getenv func(string) string) (string, error) {
	if t := strings.TrimSpace(explicit); t != "" {
		return checkedToken(t, "the explicit token")
	}
	if t := strings.TrimSpace(getenv(TokenEnv)); t != "" {
		return checkedToken(t, "$"+TokenEnv)
	}
	if path == "" {
		var err error
		if path, err = DefaultTokenFile(); err != nil {
			return "", err
		}
	}
	t, err := readTokenFile(path, false)
	if errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("%w: %s does not exist: start the server first (it writes the file), pass the token, or set %s", ErrTokenFile, path, TokenEnv)
	}
	if err != nil {
		return "", err
	}
	return checkedToken(t, path)
}

func checkedToken(t, source string) (string, error) {
	if err := CheckToken(t, source); err != nil {
		return "", err
	}
	return t, nil
}

func readTokenFile(path string, strictMode bool) (string, error) {
	st, err := os.Stat(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return "", err
		}
		return "", fmt.Errorf("%w: %v", ErrTokenFile, err)
	}
	if strictMode && st.Mode().Perm()&0o077 != 0 {
		return "", fmt.Errorf("%w: %s has mode %04o, readable by others; run chmod 600 %s", ErrTokenFile, path, st.Mode().Perm(), path)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrTokenFile, err)
	}
	t := strings.TrimSpace(string(b))
	if t == "" {
		return "", fmt.Errorf("%w: %s is empty", ErrTokenFile, path)
	}
	return t, nil
}

// TokenEqual compares tokens in constant time (for equal lengths).
func TokenEqual(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}
