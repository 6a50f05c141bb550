package prefault

import (
	"errors"
	"os"
	"slices"
	"syscall"
	"testing"
)

// The maps of a static Go binary whose path has a space (its lines padded
// as the kernel pads them), beside another file's mappings, the heap, the
// stack and the vDSO; then a deleted file's (format: proc(5)).
const sampleMaps = `00400000-0075d000 r-xp 00000000 fd:01 1311                               /var/user/my fn/presign
0075d000-00ae5000 r--p 0035d000 fd:01 1311                               /var/user/my fn/presign
00ae5000-00b42000 rw-p 006e5000 fd:01 1311                               /var/user/my fn/presign
00b42000-02b85000 rw-p 00000000 00:00 0 
c000000000-c004000000 rw-p 00000000 00:00 0 
7f0d83000000-7f0d83020000 r--p 00000000 fd:01 77                         /var/user/my fn/presign.zip
7f0d83087000-7f0d8308b000 r--p 00000000 00:00 0                          [vvar]
7f0d8308b000-7f0d8308d000 r-xp 00000000 00:00 0                          [vdso]
7ffd959b8000-7ffd959d9000 rw-p 00000000 00:00 0                          [stack]
ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0                  [vsyscall]
7f0d84000000-7f0d84010000 r-xp 00000000 fd:01 99                         /tmp/old fn (deleted)
`

func TestReadOnly(t *testing.T) {
	got := readOnly([]byte(sampleMaps), "/var/user/my fn/presign")
	want := []mapping{{0x400000, 0x75d000, true}, {0x75d000, 0xae5000, false}}
	if !slices.Equal(got, want) {
		t.Errorf("readOnly = %+v, want %+v (code and read-only data of that file only)", got, want)
	}
	// /proc/self/exe reads "<path> (deleted)" too once the file is gone.
	if got, want := readOnly([]byte(sampleMaps), "/tmp/old fn (deleted)"), []mapping{{0x7f0d84000000, 0x7f0d84010000, true}}; !slices.Equal(got, want) {
		t.Errorf("a deleted executable's mappings: %+v, want %+v", got, want)
	}
	if got := readOnly([]byte(sampleMaps), "/var/user/my"); got != nil {
		t.Errorf("a path that is only a prefix of the mapped one matched: %+v", got)
	}
	if got := readOnly([]byte("garbage\n\nzz-yy r-xp 0 0 0 /x\n10-0 r-xp 0 0 0 /x\n"), "/x"); got != nil {
		t.Errorf("malformed lines gave %+v", got)
	}
}

// With the test binary's code dropped from its mapping (MADV_DONTNEED:
// code is never written, so its pages stay in the page cache and fault
// back on use), part of it is not resident; after Executable, all of the
// code and read-only data is. On a kernel without MADV_POPULATE_READ,
// Executable says so and changes nothing.
func TestExecutable(t *testing.T) {
	maps, exe, err := readProc("self", "maps")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range readOnly(maps, exe) {
		if !m.exec {
			continue // read-only data may have been written before it was sealed (PIE's RELRO)
		}
		if _, _, errno := syscall.Syscall(syscall.SYS_MADVISE, m.start, m.end-m.start, syscall.MADV_DONTNEED); errno != 0 {
			t.Fatalf("MADV_DONTNEED: %v", errno)
		}
	}
	resident, size, err := Resident(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if resident >= size {
		t.Fatalf("with the code dropped, %d of %d kB resident: Resident cannot tell", resident, size)
	}
	err = Executable()
	after, _, _ := Resident(os.Getpid())
	if errors.Is(err, syscall.EINVAL) {
		t.Logf("this kernel has no MADV_POPULATE_READ (Linux 5.14): %v", err)
		if after == size {
			t.Errorf("Executable failed, yet all %d kB is resident", size)
		}
		return
	}
	if err != nil || after != size {
		t.Errorf("after Executable, %d of %d kB resident (%v); want all", after, size, err)
	}
}

func TestResidentOfNoProcess(t *testing.T) {
	if _, _, err := Resident(1 << 30); err == nil {
		t.Error("Resident of a pid that does not exist: no error")
	}
}
