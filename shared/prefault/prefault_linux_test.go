package prefault

import (
	"os"
	"slices"
	"syscall"
	"testing"
)

// The maps of a static Go binary whose path has a space, beside another
// file's mappings, the heap, the stack and the vDSO (format: proc(5)).
const sampleMaps = `00400000-0075d000 r-xp 00000000 fd:01 1311 /var/user/my fn/presign
0075d000-00ae5000 r--p 0035d000 fd:01 1311 /var/user/my fn/presign
00ae5000-00b42000 rw-p 006e5000 fd:01 1311 /var/user/my fn/presign
00b42000-02b85000 rw-p 00000000 00:00 0 
c000000000-c004000000 rw-p 00000000 00:00 0 
7f0d83000000-7f0d83020000 r--p 00000000 fd:01 77 /var/user/my fn/presign.zip
7f0d83087000-7f0d8308b000 r--p 00000000 00:00 0                          [vvar]
7f0d8308b000-7f0d8308d000 r-xp 00000000 00:00 0                          [vdso]
7ffd959b8000-7ffd959d9000 rw-p 00000000 00:00 0                          [stack]
ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0                  [vsyscall]
`

func TestReadOnly(t *testing.T) {
	got := readOnly([]byte(sampleMaps), "/var/user/my fn/presign")
	want := []mapping{{0x400000, 0x75d000}, {0x75d000, 0xae5000}}
	if !slices.Equal(got, want) {
		t.Errorf("readOnly = %#x, want %#x (code and read-only data of that file only)", got, want)
	}
	if got := readOnly([]byte(sampleMaps), "/var/user/my"); got != nil {
		t.Errorf("a path that is only a prefix of the mapped one matched: %#x", got)
	}
	if got := readOnly([]byte("garbage\n\nzz-yy r-xp 0 0 0 /x\n10-0 r-xp 0 0 0 /x\n"), "/x"); got != nil {
		t.Errorf("malformed lines gave %#x", got)
	}
}

// With the test binary's read-only pages dropped from its mappings
// (MADV_DONTNEED: they stay in the page cache and fault back on use), part
// of them is not resident; after Executable, all of them are.
func TestExecutable(t *testing.T) {
	maps, exe, err := read("self", "maps")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range readOnly(maps, exe) {
		if _, _, errno := syscall.Syscall(syscall.SYS_MADVISE, m.start, m.end-m.start, syscall.MADV_DONTNEED); errno != 0 {
			t.Fatalf("MADV_DONTNEED: %v", errno)
		}
	}
	resident, size, err := Resident(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if resident >= size {
		t.Fatalf("after MADV_DONTNEED, %d of %d kB resident: Resident cannot tell", resident, size)
	}
	if err := Executable(); err != nil {
		t.Fatalf("Executable: %v (MADV_POPULATE_READ needs Linux 5.14 or later)", err)
	}
	if resident, size, err = Resident(os.Getpid()); err != nil || resident != size {
		t.Errorf("after Executable, %d of %d kB resident (%v); want all", resident, size, err)
	}
}

func TestResidentOfNoProcess(t *testing.T) {
	if _, _, err := Resident(1 << 30); err == nil {
		t.Error("Resident of a pid that does not exist: no error")
	}
}
