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
