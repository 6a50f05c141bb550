// Package prefault maps a function binary's code and read-only data into
// the process as it starts, with one madvise(MADV_POPULATE_READ) call per
// mapping, rather than one page fault per 64 KB or so as the start-up
// first touches them. A function's main imports it for that side effect.
//
// Little extra is read: by its first answer a function has touched most
// of both mappings anyway (presign as an SCF web function: 3,188 of
// 3,444 KB of code, 3,040 of 3,616 KB of read-only data), so most pages
// would come in regardless; populating them at once saves the faults. The
// writable data is left alone: populating maps its pages read-only, and
// the writes that soon follow would each fault again to copy the page.
// Linux 5.14 added MADV_POPULATE_READ; older kernels answer EINVAL and the
// process starts as it would have without this package.
package prefault

// Executable populates the read-only mappings of the running executable
// (its code and read-only data). The package's init calls it unless built
// with the noprefault tag. It returns an error wrapping syscall.EINVAL on
// kernels older than 5.14, and errors.ErrUnsupported off Linux.
func Executable() error {
	return executable()
}

// Resident reports how much of the read-only mappings of process pid's
// executable is mapped into it, and their size, in kB (from
// /proc/<pid>/smaps). It is how the tests see that Executable did its job.
func Resident(pid int) (resident, size int64, err error) {
	return residentOf(pid)
}
