package functions_test

import (
	"testing"

	"cosgate/shared/platform/platformtest"
	"cosgate/shared/prefault"
)

// Each function binary has its code and read-only data mapped in by the
// time it listens (shared/prefault, which every main imports). The same
// binary built without it (tag noprefault) has not touched all of them by
// then, so the check can fail.
func TestBinariesArePrefaulted(t *testing.T) {
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
		if r, size := resident(bins[fn]); r != size {
			t.Errorf("%s: %d of %d kB of code and read-only data resident once listening; want all", fn, r, size)
		}
	}
	if r, size := resident(flavour(t, "presign", "noprefault")); r >= size {
		t.Errorf("presign built with noprefault: %d of %d kB resident once listening; the check above cannot fail", r, size)
	}
}
