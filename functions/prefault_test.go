package functions_test

import (
	"errors"
	"syscall"
	"testing"

	"cosgate/shared/platform/platformtest"
	"cosgate/shared/platform/platformtest/coldstart"
	"cosgate/shared/prefault"
)

// Each function binary has its code and read-only data mapped in by the
// time it listens (shared/prefault, which every main imports). The same
// binary built without it (tag noprefault) has not touched all of them by
// then, so the check can fail. On a kernel without MADV_POPULATE_READ
// (before Linux 5.14) the binaries must still start, as they do here.
func TestBinariesArePrefaulted(t *testing.T) {
	supported := true
	if err := prefault.Executable(); errors.Is(err, syscall.EINVAL) {
		t.Logf("this kernel has no MADV_POPULATE_READ: %v; checking only that the binaries start", err)
		supported = false
	} else if err != nil {
		t.Fatal(err)
	}
	resident := func(bin string) (int64, int64) {
		p, _ := platformtest.StartHTTP(t, bin, env())
		r, size, err := prefault.Resident(p.Cmd.Process.Pid)
		if err != nil {
			t.Fatal(err)
		}
		p.Stop()
		return r, size
	}
	for _, fn := range names {
		if r, size := resident(bins[fn]); supported && r != size {
			t.Errorf("%s: %d of %d kB of code and read-only data resident once listening; want all", fn, r, size)
		}
	}
	if r, size := resident(flavour(t, "presign", "noprefault")); supported && r >= size {
		t.Errorf("presign built with noprefault: %d of %d kB resident once listening; the check above cannot fail", r, size)
	}
}

// BenchmarkPrefault starts bare Go and sts as a web function built with and
// without shared/prefault (tag noprefault) in the same rounds
// (coldstart.Interleaved), so that the machine's drift falls on all three.
// It reports each one's median as a multiple of bare Go's, and
// x-noprefault: the median with prefault over the median without (below
// 1: faster).
func BenchmarkPrefault(b *testing.B) {
	web := []string{"noscfevent", "noawslambda"}
	starts := [3]coldstart.Start{
		{Bin: flavour(b, "internal/bare"), Platform: coldstart.HTTP, Path: "/"},
		{Bin: flavour(b, "sts", web...), Platform: coldstart.SCFWeb, Env: env(), Path: "/sts"},
		{Bin: flavour(b, "sts", append(web, "noprefault")...), Platform: coldstart.SCFWeb, Env: env(), Path: "/sts"},
	}
	copies(b, &starts[0], &starts[1], &starts[2])
	b.ResetTimer()
	times, err := coldstart.Interleaved(b.N, starts[:]...)
	if err != nil {
		b.Fatal(err)
	}
	bare, with, without := coldstart.Median(times[0]), coldstart.Median(times[1]), coldstart.Median(times[2])
	b.ReportMetric(float64(with)/float64(bare), "x-bare")
	b.ReportMetric(float64(without)/float64(bare), "noprefault-x-bare")
	b.ReportMetric(float64(with)/float64(without), "x-noprefault")
	b.ReportMetric(0, "ns/op") // three starts and their teardown: not a figure to read
}
