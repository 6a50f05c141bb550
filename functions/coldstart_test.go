package functions_test

import (
	"strings"
	"sync"
	"testing"
	"time"

	"cosgate/shared/platform/platformtest"
	"cosgate/shared/platform/platformtest/coldstart"
)

// BenchmarkColdStart measures, per start, the time from exec to the first
// answered request of the binaries the Makefile ships: sts and sign as SCF
// web functions (HTTP), sts as an SCF event function (net/rpc; the
// configuration is read at the first invocation), and, for comparison, sts
// built with every adapter (a plain go build, as before the flavours);
// BenchmarkPrefault compares sts built without shared/prefault.
// Each start is paired with one of a bare Go net/http server built the same
// way (functions/internal/bare), bare first, so the machine's noise falls
// on both, each started from fresh copies of its file (coldstart.Copy);
// x-bare is the ratio of the medians. make sizes reports the same
// for every function and platform.
func BenchmarkColdStart(b *testing.B) {
	web, event := []string{"noscfevent", "noawslambda"}, []string{"noawslambda"}
	bare := coldstart.Start{Bin: flavour(b, "internal/bare"), Platform: coldstart.HTTP, Path: "/"}
	for _, c := range []struct {
		name  string
		start coldstart.Start
	}{
		{"http", coldstart.Start{Bin: flavour(b, "sts", web...), Platform: coldstart.SCFWeb, Env: env(), Path: "/sts"}},
		{"sign-http", coldstart.Start{Bin: flavour(b, "sign", web...), Platform: coldstart.SCFWeb, Env: env(), Path: "/sign"}},
		{"scf-rpc", coldstart.Start{Bin: flavour(b, "sts", event...), Platform: coldstart.SCFEvent, Env: env(), Path: "/sts"}},
		{"http-all-adapters", coldstart.Start{Bin: bins["sts"], Platform: coldstart.SCFWeb, Env: env(), Path: "/sts"}},
	} {
		b.Run(c.name, func(b *testing.B) { coldStarts(b, bare, c.start) })
	}
}

func coldStarts(b *testing.B, bare, s coldstart.Start) {
	copies(b, &bare, &s)
	var times [2][]time.Duration // bare, s
	for r := 0; b.Loop(); r++ {
		for i, start := range []coldstart.Start{bare, s} {
			d, err := start.Nth(r).Once()
			if err != nil {
				b.Fatal(err)
			}
			times[i] = append(times[i], d)
		}
	}
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	median, bareMedian := coldstart.Median(times[1]), coldstart.Median(times[0])
	b.ReportMetric(ms(median), "ms-median")
	b.ReportMetric(ms(coldstart.Quantile(times[1], 0.9)), "ms-p90")
	b.ReportMetric(ms(bareMedian), "bare-ms-median")
	b.ReportMetric(float64(median)/float64(bareMedian), "x-bare")
	b.ReportMetric(0, "ns/op") // the loop's time is two starts and their teardown: not a figure to read
}

// copies gives each start five fresh copies of its binary to take in
// turn (coldstart.Start.Copied; Nth picks one), so that all were written
// alike.
func copies(b *testing.B, starts ...*coldstart.Start) {
	dir := b.TempDir()
	for _, s := range starts {
		var err error
		if *s, err = s.Copied(dir, 5); err != nil {
			b.Fatal(err)
		}
	}
}

var flavours = struct {
	sync.Mutex
	bins map[string]string
}{bins: map[string]string{}}

// flavour builds ./functions/<pkg> with the given tags, once per test
// binary, beside bins.
func flavour(b testing.TB, pkg string, tags ...string) string {
	b.Helper()
	flavours.Lock()
	defer flavours.Unlock()
	key := pkg + "|" + strings.Join(tags, ",")
	if bin, ok := flavours.bins[key]; ok {
		return bin
	}
	bin, err := platformtest.Build(binDir, "cosgate/functions/"+pkg, tags...)
	if err != nil {
		b.Fatal(err)
	}
	flavours.bins[key] = bin
	return bin
}
