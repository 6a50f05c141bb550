package limits

import (
	"context"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gomodule/redigo/redis"

	"cosgate/shared/apierr"
	"cosgate/shared/limits/limitstest"
)

// ChargeIf with a revocation gate, over every value a revocation key may
// hold, on every store: it returns what was marked, passes exactly what
// Gate.Admits passes (so the Lua and the Go rule agree), charges only when
// it passes, and never passes a value the Guard's verdict refuses; for the
// values RevokeUser and RestoreUser write it passes exactly what the
// verdict admits.
func testChargeIfRevocation(t *testing.T, s Store) {
	ctx := context.Background()
	gs := s.(GatedStore)
	const since = 1795353600
	at := func(sec int64) time.Time { return time.Unix(sec, 0) }
	written := map[string]bool{"": true, "revoked 1795353600": true, "restored 1795353600": true}
	values := []string{"", "revoked 1795353600", "restored 1795353600", "restored 0", "restored 007",
		"restored", "restored ", "restored x", "restored +5", "restored -5", "restored 1e3", "restored 12\n",
		"restored  12", "restored 99999999999999999999", "revoked", "revoked x", "garbage", "foo 5"}
	issuedAt := []time.Time{{}, at(since - 1), at(since), at(since + 1), at(since).Add(500 * time.Millisecond)}
	key := revocationKey("g1")
	n := 0
	for _, v := range values {
		if v == "" {
			if err := s.Unmark(ctx, key); err != nil {
				t.Fatal(err)
			}
		} else if err := s.Mark(ctx, key, v); err != nil {
			t.Fatal(err)
		}
		for _, issued := range issuedAt {
			n++
			c := Counter{Key: "cosgate:{g1}:rate:" + strconv.Itoa(n), N: 1, Limit: 5, TTL: time.Hour}
			gate := Gate{Key: key, Issued: issued}
			r, err := gs.ChargeIf(ctx, gate, []Counter{c})
			if err != nil {
				t.Fatalf("%q at %v: %v", v, issued, err)
			}
			charged, _ := s.Value(ctx, c.Key)
			verdict := revocationVerdict(v, issued)
			switch {
			case r.Value != v:
				t.Errorf("%q: read %q", v, r.Value)
			case r.Passed != gate.Admits(v, v != ""):
				t.Errorf("%q at %v: passed %v, Gate.Admits says otherwise", v, issued, r.Passed)
			case r.Passed != (charged == "1"):
				t.Errorf("%q at %v: passed %v but the counter reads %q", v, issued, r.Passed, charged)
			case r.Passed && verdict != nil:
				t.Errorf("%q at %v: charged a caller the verdict refuses (%v)", v, issued, verdict)
			case written[v] && r.Passed != (verdict == nil):
				t.Errorf("%q at %v: passed %v, verdict %v", v, issued, r.Passed, verdict)
			case !r.Passed && r.Denied != -1:
				t.Errorf("%q: not passed, denied %d", v, r.Denied)
			}
		}
	}
}

// ChargeIf with a Present gate charges only when the key exists, all or
// nothing, and names the refused counter's own total.
func testChargeIfPresent(t *testing.T, s Store) {
	ctx := context.Background()
	gs := s.(GatedStore)
	gate := Gate{Key: "cosgate:{g2}:record", Present: true}
	a := Counter{Key: "cosgate:{g2}:a", N: 3, Limit: 10, TTL: time.Hour}
	b := Counter{Key: "cosgate:{g2}:b", Prev: "cosgate:{g2}:b0", Weight: 0.5, N: 3, Limit: 7, TTL: time.Hour}
	if r, err := gs.ChargeIf(ctx, gate, []Counter{a, b}); err != nil || r.Passed || r.Denied != -1 || r.Value != "" {
		t.Fatalf("no record: %+v %v", r, err)
	}
	if v, _ := s.Value(ctx, a.Key); v != "" {
		t.Fatalf("charged without a record: %q", v)
	}
	if _, err := s.Charge(ctx, []Counter{{Key: gate.Key, N: 1, Limit: 9, TTL: time.Hour}, {Key: b.Prev, N: 2, Limit: 9, TTL: time.Hour}}); err != nil {
		t.Fatal(err)
	}
	if r, err := gs.ChargeIf(ctx, gate, []Counter{a, b}); err != nil || !r.Passed || r.Denied != -1 || r.Value != "1" {
		t.Fatalf("with a record: %+v %v", r, err)
	}
	// b: 3 + 0.5×2 + 3 = 7, within; a third charge would pass 7.
	if r, err := gs.ChargeIf(ctx, gate, []Counter{a, b}); err != nil || !r.Passed || r.Denied != -1 {
		t.Fatalf("b to exactly its limit: %+v %v", r, err)
	}
	r, err := gs.ChargeIf(ctx, gate, []Counter{a, b})
	if err != nil || !r.Passed || r.Denied != 1 || r.Held != 6 {
		t.Fatalf("b over its limit: %+v %v, want denied 1, held 6 (the previous window not in it)", r, err)
	}
	for key, want := range map[string]string{a.Key: "6", b.Key: "6"} {
		if v, _ := s.Value(ctx, key); v != want {
			t.Errorf("%s = %q after a refused ChargeIf, want %s", key, v, want)
		}
	}
	if r, err := gs.ChargeIf(ctx, gate, nil); err != nil || !r.Passed || r.Denied != -1 {
		t.Errorf("no counters: %+v %v", r, err)
	}
}

// A revoked caller is refused and its requests do not spend its rate; a
// token from before the revocation is refused after a restore, uncharged;
// a new one passes and is counted, up to the per-minute limit.
func testAdmitRevokedNotCharged(t *testing.T, s Store) {
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	g := guard(s, Limits{RequestsPerMinute: 3}, &now)
	ctx := context.Background()
	rate := counterKey("requests-sts", "u1", now.Truncate(time.Minute))
	if err := RevokeUser(ctx, s, "u1", now); err != nil {
		t.Fatal(err)
	}
	old, fresh := now.Add(-time.Minute), now.Add(time.Second)
	for range 5 {
		if err := g.Admit(ctx, "sts", "u1", fresh); code(err) != apierr.Revoked {
			t.Fatalf("revoked: %v", err)
		}
	}
	if v, _ := s.Value(ctx, rate); v != "" {
		t.Fatalf("a revoked caller's requests were counted: %q", v)
	}
	if err := RestoreUser(ctx, s, "u1"); err != nil {
		t.Fatal(err)
	}
	for _, issued := range []time.Time{old, now} {
		if err := g.Admit(ctx, "sts", "u1", issued); code(err) != apierr.Revoked {
			t.Errorf("a token of %v after the restore: %v", issued, err)
		}
	}
	if v, _ := s.Value(ctx, rate); v != "" {
		t.Fatalf("refused old tokens were counted: %q", v)
	}
	for i := range 3 {
		if err := g.Admit(ctx, "sts", "u1", fresh); err != nil {
			t.Fatalf("restored, request %d: %v", i, err)
		}
	}
	if err := g.Admit(ctx, "sts", "u1", fresh); code(err) != apierr.RateLimited {
		t.Errorf("a fourth request in the minute: %v", err)
	}
	if v, _ := s.Value(ctx, rate); v != "3" {
		t.Errorf("counted %q, want 3", v)
	}
}

// plainStore hides ChargeIf: a Store written elsewhere, which the Guard
// serves in two calls by the same rule.
type plainStore struct{ Store }

// The Guard's results on a Store that is no GatedStore are the same.
func TestGuardOnPlainStore(t *testing.T) {
	for _, c := range []struct {
		name string
		run  func(*testing.T, Store)
	}{
		{"AdmitRevokedNotCharged", testAdmitRevokedNotCharged},
		{"Revocation", testRevocation},
		{"RequestRate", testRequestRate},
	} {
		t.Run(c.name, func(t *testing.T) { c.run(t, plainStore{NewMemory(nil)}) })
	}
	now := time.Now()
	g := guard(plainStore{NewMemory(nil)}, Limits{}, &now)
	ctx := context.Background()
	if err := g.Part(ctx, "u1", "k", "up", 1, 5, 10, time.Hour); code(err) != apierr.Forbidden {
		t.Errorf("a part without a record: %v", err)
	}
	if err := g.Initiate(ctx, "u1", "k", time.Hour); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		part int
		size int64
		want string
	}{{1, 5, ""}, {1, 5, ""}, {1, 6, apierr.InvalidRequest}, {2, 5, ""}, {3, 1, apierr.TooLarge}} {
		if err := g.Part(ctx, "u1", "k", "up", c.part, c.size, 10, time.Hour); code(err) != c.want {
			t.Errorf("part %d of %d bytes: %v, want %q", c.part, c.size, err, c.want)
		}
	}
}

// countingConn counts the commands sent on a redigo connection: each Do
// is one round trip. The pool's Do("") on release sends nothing.
type countingConn struct {
	redis.Conn
	n *atomic.Int64
}

func (c countingConn) Do(cmd string, args ...any) (any, error) {
	if cmd != "" {
		c.n.Add(1)
	}
	return c.Conn.Do(cmd, args...)
}

func (c countingConn) DoContext(ctx context.Context, cmd string, args ...any) (any, error) {
	if cmd != "" {
		c.n.Add(1)
	}
	return redis.DoContext(c.Conn, ctx, cmd, args...)
}

func (c countingConn) ReceiveContext(ctx context.Context) (any, error) {
	return redis.ReceiveContext(c.Conn, ctx)
}

func (c countingConn) Send(cmd string, args ...any) error {
	c.n.Add(1)
	return c.Conn.Send(cmd, args...)
}

// Every Guard call is one command to Redis: Admit (revocation and rate
// together, or revocation alone), Upload, and Part on each of its paths.
func TestRoundTrips(t *testing.T) {
	r := limitstest.Start(t)
	var sent atomic.Int64
	s, err := NewRedis(r.URL, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	dial := s.pool.DialContext
	s.pool.DialContext = func(ctx context.Context) (redis.Conn, error) {
		c, err := dial(ctx)
		if err != nil {
			return nil, err
		}
		return countingConn{c, &sent}, nil
	}
	defer s.Close()
	now := time.Now()
	ctx := context.Background()
	g := guard(s, Limits{RequestsPerMinute: 100, UploadsPerDay: 100, UploadBytesPerDay: 100}, &now)
	free := guard(s, Limits{}, &now)
	// The scripts' first run is EVALSHA, NOSCRIPT, then EVAL: once per server.
	g.Admit(ctx, "sts", "warm", now)
	g.Upload(ctx, "warm", 1)
	const key = "uploads/u1/a.bin"
	if err := g.Initiate(ctx, "u1", key, time.Hour); err != nil {
		t.Fatal(err)
	}
	if err := RevokeUser(ctx, s, "gone", now); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		call func() error
		want string
	}{
		{"Admit", func() error { return g.Admit(ctx, "sts", "u1", now) }, ""},
		{"Admit revoked", func() error { return g.Admit(ctx, "sts", "gone", now) }, apierr.Revoked},
		{"Admit without a rate", func() error { return free.Admit(ctx, "sts", "u1", now) }, ""},
		{"Admit without a uid", func() error { return g.Admit(ctx, "sts", "", now) }, ""},
		{"Upload", func() error { return g.Upload(ctx, "u1", 10) }, ""},
		{"Upload over the quota", func() error { return g.Upload(ctx, "u1", 100) }, apierr.QuotaExceeded},
		{"Part", func() error { return g.Part(ctx, "u1", key, "up", 1, 10, 30, time.Hour) }, ""},
		{"Part signed again", func() error { return g.Part(ctx, "u1", key, "up", 1, 10, 30, time.Hour) }, ""},
		{"Part at another size", func() error { return g.Part(ctx, "u1", key, "up", 1, 11, 30, time.Hour) },
			apierr.InvalidRequest},
		{"Part too large", func() error { return g.Part(ctx, "u1", key, "up", 2, 25, 30, time.Hour) }, apierr.TooLarge},
		{"Part over the quota", func() error { return g.Part(ctx, "u1", key, "up2", 1, 90, 1000, time.Hour) },
			apierr.QuotaExceeded},
		{"Part without a record", func() error { return g.Part(ctx, "u2", key, "up", 1, 1, 30, time.Hour) },
			apierr.Forbidden},
	} {
		before := sent.Load()
		if err := c.call(); code(err) != c.want {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
		if n := sent.Load() - before; n != 1 {
			t.Errorf("%s: %d commands, want 1", c.name, n)
		}
	}
}
