package limits

import (
	"context"
	"slices"
	"strconv"
	"testing"
	"time"

	"cosgate/shared/limits/limitstest"
)

// One upload charge (count and bytes, one atomic step) per op, in-process
// and against a redis-server on loopback; the Redis run reports its p99.
func BenchmarkUploadCharge(b *testing.B) {
	now := time.Now()
	limits := Limits{UploadsPerDay: 1 << 40, UploadBytesPerDay: 1 << 50}
	b.Run("memory", func(b *testing.B) {
		g := guard(NewMemory(nil), limits, &now)
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			if err := g.Upload(context.Background(), "u"+strconv.Itoa(i%1000), 1024); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("redis", func(b *testing.B) {
		r := limitstest.Start(b)
		s, _ := NewRedis(r.URL, time.Second)
		defer s.Close()
		g := guard(s, limits, &now)
		var took []time.Duration
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			start := time.Now()
			if err := g.Upload(context.Background(), "u"+strconv.Itoa(i%1000), 1024); err != nil {
				b.Fatal(err)
			}
			took = append(took, time.Since(start))
		}
		slices.Sort(took)
		b.ReportMetric(float64(took[len(took)*99/100].Microseconds()), "µs-p99")
	})
}

// The check every request pays: revocation (one read) and the sliding
// per-minute rate.
func BenchmarkAdmit(b *testing.B) {
	now := time.Now()
	b.Run("memory", func(b *testing.B) {
		g := guard(NewMemory(nil), Limits{RequestsPerMinute: 1 << 40}, &now)
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			if err := g.Admit(context.Background(), "sts", "u"+strconv.Itoa(i%1000), now); err != nil {
				b.Fatal(err)
			}
		}
	})
}
