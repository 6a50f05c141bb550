package limits

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/gomodule/redigo/redis"

	"cosgate/shared/limits/limitstest"
)

// The Redis benchmarks share one redis-server, started by the first that
// needs it and stopped by TestMain, so that a bare round trip and the
// Guard's calls it is set beside are timed on the same server in one run.
var bench struct {
	once sync.Once
	dir  string
	r    *limitstest.Redis
	err  error
}

func benchRedis(b *testing.B) *Redis {
	b.Helper()
	bench.once.Do(func() {
		if bench.dir, bench.err = os.MkdirTemp("", "limits-bench"); bench.err == nil {
			bench.r, bench.err = limitstest.Launch(bench.dir)
		}
	})
	if bench.err != nil {
		b.Fatal(bench.err)
	}
	s, err := NewRedis(bench.r.URL, time.Second)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	return s
}

func TestMain(m *testing.M) {
	code := m.Run()
	if bench.r != nil {
		bench.r.Stop()
	}
	if bench.dir != "" {
		os.RemoveAll(bench.dir)
	}
	os.Exit(code)
}

// timed runs op once untimed (a dial, and a script's first EVAL), then
// per loop, and reports the median and the 99th percentile of its
// latency: the mean of ns/op hides the tail a request pays.
func timed(b *testing.B, op func(i int) error) {
	b.Helper()
	if err := op(-1); err != nil {
		b.Fatal(err)
	}
	took := make([]time.Duration, 0, 4096)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		start := time.Now()
		if err := op(i); err != nil {
			b.Fatal(err)
		}
		took = append(took, time.Since(start))
	}
	slices.Sort(took)
	us := func(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }
	b.ReportMetric(us(took[len(took)/2]), "µs-p50")
	b.ReportMetric(us(took[len(took)*99/100]), "µs-p99")
}

// A bare round trip to the benchmarks' redis-server: the floor of every
// Redis figure below.
func BenchmarkRoundTrip(b *testing.B) {
	s := benchRedis(b)
	ctx := context.Background()
	for _, cmd := range [][]any{{"PING"}, {"INCRBY", "cosgate:{bench}:incr", 1}} {
		b.Run(cmd[0].(string), func(b *testing.B) {
			timed(b, func(int) error {
				_, err := s.do(ctx, func(conn redis.Conn) (any, error) {
					return redis.DoContext(conn, ctx, cmd[0].(string), cmd[1:]...)
				})
				return err
			})
		})
	}
}

// One upload charge (count and bytes, one atomic step) per op, in-process
// and against redis-server: one round trip, before and after issue 25.
func BenchmarkUploadCharge(b *testing.B) {
	now := time.Now()
	limits := Limits{UploadsPerDay: 1 << 40, UploadBytesPerDay: 1 << 50}
	uid := func(i int) string { return "u" + strconv.Itoa((i+1000)%1000) }
	b.Run("memory", func(b *testing.B) {
		g := guard(NewMemory(nil), limits, &now)
		timed(b, func(i int) error { return g.Upload(context.Background(), uid(i), 1024) })
	})
	b.Run("redis", func(b *testing.B) {
		g := guard(benchRedis(b), limits, &now)
		timed(b, func(i int) error { return g.Upload(context.Background(), uid(i), 1024) })
	})
}

// The check every request pays: revocation (one read) and the sliding
// per-minute rate. redis/before is the path before issue 25, kept here
// only: Value, then Charge, two round trips; redis/after is Guard.Admit,
// one ChargeIf.
func BenchmarkAdmit(b *testing.B) {
	now := time.Now()
	limits := Limits{RequestsPerMinute: 1 << 40}
	uid := func(i int) string { return "u" + strconv.Itoa((i+1000)%1000) }
	ctx := context.Background()
	b.Run("memory", func(b *testing.B) {
		g := guard(NewMemory(nil), limits, &now)
		timed(b, func(i int) error { return g.Admit(ctx, "sts", uid(i), now) })
	})
	b.Run("redis/before", func(b *testing.B) {
		s := benchRedis(b)
		g := guard(s, limits, &now)
		timed(b, func(i int) error {
			v, err := s.Value(ctx, revocationKey(uid(i)))
			if err != nil {
				return err
			}
			if err := revocationVerdict(v, now); err != nil {
				return err
			}
			c := g.perMinute("requests-sts", uid(i), limits.RequestsPerMinute)
			_, err = s.Charge(ctx, []Counter{c})
			return err
		})
	})
	b.Run("redis/after", func(b *testing.B) {
		g := guard(benchRedis(b), limits, &now)
		timed(b, func(i int) error { return g.Admit(ctx, "sts", uid(i), now) })
	})
	b.Run("redis/no-rate", func(b *testing.B) { // revocation alone: one GET, as before
		g := guard(benchRedis(b), Limits{}, &now)
		timed(b, func(i int) error { return g.Admit(ctx, "sts", uid(i), now) })
	})
}

// One multipart part signed per op. redis/before is Part's path before
// issue 25, kept here only: read the initiation record, then charge, two
// round trips; redis/after is Guard.Part, one ChargeIf.
func BenchmarkPart(b *testing.B) {
	now := time.Now()
	ctx := context.Background()
	const key, id, life = "uploads/u1/big.bin", "bench-upload", time.Hour
	for _, name := range []string{"before", "after"} {
		b.Run("redis/"+name, func(b *testing.B) {
			s := benchRedis(b)
			g := guard(s, Limits{UploadBytesPerDay: 1 << 50}, &now)
			uploadID := id + "-" + name
			if err := g.Initiate(ctx, "u1", key, life); err != nil {
				b.Fatal(err)
			}
			part := func(i int) int { return i + 2 } // the warm-up's -1 signs part 1
			if name == "after" {
				timed(b, func(i int) error { return g.Part(ctx, "u1", key, uploadID, part(i), 1, 1<<50, life) })
				return
			}
			day := now.UTC().Truncate(24 * time.Hour)
			timed(b, func(i int) error {
				if v, err := s.Value(ctx, multipartKey("u1", key)); err != nil || v == "" {
					return fmt.Errorf("record %q: %v", v, err)
				}
				_, err := s.Charge(ctx, []Counter{
					{Key: multipartPartKey("u1", key, uploadID, part(i)), N: 1, Limit: 1, TTL: life},
					{Key: multipartBytesKey("u1", key, uploadID), N: 1, Limit: 1 << 50, TTL: life},
					{Key: counterKey("upload-bytes", "u1", day), N: 1, Limit: 1 << 50, TTL: 25 * time.Hour},
				})
				return err
			})
		})
	}
}
