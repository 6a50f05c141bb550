package coldstart

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

func TestCopy(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "fn")
	want := bytes.Repeat([]byte("\x7fELF cosgate "), 1000)
	if err := os.WriteFile(bin, want, 0o600); err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	got, err := Copy(bin, out)
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Dir(got) != out || got == bin {
		t.Errorf("Copy wrote %s; want a new file in %s", got, out)
	}
	b, err := os.ReadFile(got)
	if err != nil || !bytes.Equal(b, want) {
		t.Errorf("the copy holds %d bytes (%v); want the %d of the original", len(b), err, len(want))
	}
	if st, err := os.Stat(got); err != nil || st.Mode().Perm() != 0o755 {
		t.Errorf("the copy's mode: %v (%v); want 0755, to be started", st.Mode(), err)
	}
	if _, err := Copy(filepath.Join(dir, "missing"), out); err == nil {
		t.Error("Copy of a missing file: no error")
	}
}

func TestCopiedInTurn(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "fn")
	if err := os.WriteFile(bin, []byte("\x7fELF"), 0o755); err != nil {
		t.Fatal(err)
	}
	s, err := Start{Bin: bin, Path: "/sts"}.Copied(t.TempDir(), 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Copies) != 3 || s.Bin != bin {
		t.Fatalf("Copied: %d copies, Bin %s; want 3 beside the original", len(s.Copies), s.Bin)
	}
	seen := map[string]int{}
	for r := range 6 {
		n := s.Nth(r)
		if n.Bin != s.Copies[r%3] || n.Path != "/sts" {
			t.Errorf("Nth(%d) starts %s (path %s); want copy %d", r, n.Bin, n.Path, r%3)
		}
		seen[n.Bin]++
	}
	if len(seen) != 3 || (Start{Bin: bin}).Nth(4).Bin != bin {
		t.Errorf("each copy in turn, the original without copies: %v", seen)
	}
}
