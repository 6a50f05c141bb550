package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"cosgate/shared/identity"
)

// The output is sh-sourceable, sets the two variables to one-line values,
// and its kid comment is the public key's thumbprint.
func TestWrite(t *testing.T) {
	var out bytes.Buffer
	if err := write(&out); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "login-key.env")
	if err := os.WriteFile(file, out.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := exec.Command("sh", "-c", `. "$1" && printf '%s\n%s' "$LOGIN_JWT_PRIVATE_KEY" "$AUTH_JWT_PUBLIC_KEY"`,
		"sh", file).Output()
	if err != nil {
		t.Fatalf("sh cannot source it: %v\n%s", err, out.String())
	}
	_, public, _ := strings.Cut(string(got), "\n")
	key, err := identity.ParsePublicKey(public)
	if err != nil {
		t.Fatal(err)
	}
	kid, _ := identity.KeyID(key)
	m := regexp.MustCompile(`(?m)^# kid: ([A-Za-z0-9_-]{43})$`).FindStringSubmatch(out.String())
	if m == nil || m[1] != kid {
		t.Errorf("kid line %q, want %s:\n%s", m, kid, out.String())
	}
	for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		if !strings.HasPrefix(line, "# ") && !strings.HasPrefix(line, "export ") {
			t.Errorf("a line neither comment nor export: %q", line)
		}
	}
}
