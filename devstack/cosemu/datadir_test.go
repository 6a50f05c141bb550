package cosemu_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"cosgate/devstack/cosemu"
)

// -data pointed at a folder the stack did not make (a project, a home
// folder) is refused and left untouched, its tmp/ and spool/ included; a
// folder the store made is marked, and only the files the store names
// itself are cleared from its tmp/ and spool/ at the next start.
func TestDiskStoreClearsOnlyItsOwnFolder(t *testing.T) {
	foreign := t.TempDir()
	for _, f := range []string{"tmp/notes.txt", "spool/build.log", "README.md"} {
		p := filepath.Join(foreign, f)
		os.MkdirAll(filepath.Dir(p), 0o700)
		if err := os.WriteFile(p, []byte("mine"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := cosemu.NewDiskStore(foreign); err == nil || !strings.Contains(err.Error(), "did not create") {
		t.Fatalf("a folder of someone else's: %v", err)
	}
	for _, f := range []string{"tmp/notes.txt", "spool/build.log", "README.md"} {
		if _, err := os.Stat(filepath.Join(foreign, f)); err != nil {
			t.Errorf("%s was touched: %v", f, err)
		}
	}
	if _, err := os.Stat(filepath.Join(foreign, cosemu.Marker)); err == nil {
		t.Error("the foreign folder was marked")
	}

	own := filepath.Join(t.TempDir(), "devdata") // new: created and marked
	if _, err := cosemu.NewDiskStore(own); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(own, cosemu.Marker)); err != nil {
		t.Fatalf("no marker: %v", err)
	}
	left := map[string]bool{ // file → still there after a restart
		"tmp/put-123":                      false,
		"tmp/part-9":                       false,
		"spool/" + strings.Repeat("a", 64): false,
		"tmp/someone-elses.txt":            true,
	}
	for f := range left {
		if err := os.WriteFile(filepath.Join(own, f), []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := cosemu.NewDiskStore(own); err != nil {
		t.Fatal(err)
	}
	for f, want := range left {
		if _, err := os.Stat(filepath.Join(own, f)); (err == nil) != want {
			t.Errorf("%s there after restart: %v, want %v", f, err == nil, want)
		}
	}

	// A data folder from before the marker (objects/, tmp/, spool/ only) is adopted.
	legacy := t.TempDir()
	for _, d := range []string{"objects", "tmp", "spool"} {
		os.Mkdir(filepath.Join(legacy, d), 0o700)
	}
	if _, err := cosemu.NewDiskStore(legacy); err != nil {
		t.Fatalf("a folder of an earlier make dev: %v", err)
	}
}
