package prefault

import (
	"bytes"
	"errors"
	"os"
	"strconv"
	"syscall"
)

// madvPopulateRead is MADV_POPULATE_READ from Linux 5.14
// (include/uapi/asm-generic/mman-common.h); package syscall predates it.
const madvPopulateRead = 22

func executable() error {
	maps, exe, err := readProc("self", "maps")
	if err != nil {
		return err
	}
	ms := readOnly(maps, exe)
	if len(ms) == 0 {
		return errors.New("no read-only mapping of " + exe + " in /proc/self/maps")
	}
	for _, m := range ms {
		if _, _, errno := syscall.Syscall(syscall.SYS_MADVISE, m.start, m.end-m.start, madvPopulateRead); errno != 0 {
			err = errors.Join(err, os.NewSyscallError("madvise", errno))
		}
	}
	return err
}

// readProc returns /proc/<pid>/<file> and the path of pid's executable.
func readProc(pid, file string) (content []byte, exe string, err error) {
	if exe, err = os.Readlink("/proc/" + pid + "/exe"); err != nil {
		return nil, "", err
	}
	content, err = os.ReadFile("/proc/" + pid + "/" + file)
	return content, exe, err
}

// mapping is one address range of /proc/<pid>/maps.
type mapping struct {
	start, end uintptr
	exec       bool // code
}

// readOnly returns the mappings of the file path in maps (the format of
// /proc/<pid>/maps, proc(5)) that may be read but not written.
func readOnly(maps []byte, path string) []mapping {
	var out []mapping
	for line := range bytes.Lines(maps) {
		if m, ok := readOnlyOf(line, path); ok {
			out = append(out, m)
		}
	}
	return out
}

// readOnlyOf parses one line of maps (or a mapping's first line in smaps):
// address perms offset dev inode pathname, where the pathname may hold
// spaces. ok is false unless it maps path, readable and not writable.
func readOnlyOf(line []byte, path string) (m mapping, ok bool) {
	f := bytes.SplitN(bytes.TrimRight(line, "\n"), []byte(" "), 6)
	if len(f) < 6 || string(bytes.TrimLeft(f[5], " ")) != path {
		return m, false
	}
	perms := f[1]
	if len(perms) < 3 || perms[0] != 'r' || perms[1] == 'w' {
		return m, false
	}
	lo, hi, ok := bytes.Cut(f[0], []byte("-"))
	start, err1 := strconv.ParseUint(string(lo), 16, 64)
	end, err2 := strconv.ParseUint(string(hi), 16, 64)
	if !ok || err1 != nil || err2 != nil || end <= start {
		return m, false
	}
	return mapping{uintptr(start), uintptr(end), perms[2] == 'x'}, true
}

func residentOf(pid int) (resident, size int64, err error) {
	smaps, exe, err := readProc(strconv.Itoa(pid), "smaps")
	if err != nil {
		return 0, 0, err
	}
	// Each mapping's maps line, then lines of "Key: n kB".
	var mine bool
	for line := range bytes.Lines(smaps) {
		if _, ok := readOnlyOf(line, exe); ok {
			mine = true
			continue
		}
		key, rest, ok := bytes.Cut(line, []byte(":"))
		if !ok || bytes.ContainsAny(key, " -") {
			mine = false // another mapping's first line
			continue
		}
		if !mine || (string(key) != "Rss" && string(key) != "Size") {
			continue
		}
		kb, err := strconv.ParseInt(string(bytes.TrimSuffix(bytes.TrimSpace(rest), []byte(" kB"))), 10, 64)
		if err != nil {
			return 0, 0, errors.New("/proc/" + strconv.Itoa(pid) + "/smaps: " + err.Error())
		}
		if string(key) == "Rss" {
			resident += kb
		} else {
			size += kb
		}
	}
	if size == 0 {
		return 0, 0, errors.New("no read-only mapping of " + exe + " in /proc/" + strconv.Itoa(pid) + "/smaps")
	}
	return resident, size, nil
}
