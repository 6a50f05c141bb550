package limits

import (
	"context"
	"errors"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"cosgate/shared/apierr"
	"cosgate/shared/limits/limitstest"
)

// TestStoreConformance runs every store case on every Store: the
// in-process Memory and Redis against a real redis-server, by the same
// code, so the two cannot drift apart. A case that holds for one store
// and not the other is a bug in that store. Each case gets an empty store
// (for Redis, a redis-server of its own).
func TestStoreConformance(t *testing.T) {
	for _, st := range []struct {
		name string
		open func(t *testing.T) Store
	}{
		{"memory", func(*testing.T) Store { return NewMemory(nil) }},
		{"redis", func(t *testing.T) Store {
			r := limitstest.Start(t)
			s, err := NewRedis(r.URL, time.Second)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			return s
		}},
	} {
		t.Run(st.name, func(t *testing.T) {
			for _, c := range storeCases {
				t.Run(c.name, func(t *testing.T) { c.run(t, st.open(t)) })
			}
		})
	}
}

// storeCases are the conformance cases, each run on every store.
var storeCases = []struct {
	name string
	run  func(t *testing.T, s Store)
}{
	{"Quotas", testQuotas},
	{"RequestRate", testRequestRate},
	{"Revocation", testRevocation},
	{"ChargeAllOrNothing", testChargeAllOrNothing},
	{"ChargeSlidingWindow", testChargeSlidingWindow},
	{"ChargeExpires", testChargeExpires},
	{"MarkValueUnmark", testMarkValueUnmark},
	{"DoneContext", testDoneContext},
	{"AnonymousByAddress", testAnonymousByAddress},
	{"LoginLimits", testLoginLimits},
	{"SignInRevoked", testSignInRevoked},
	{"RequireIssued", testRequireIssued},
	{"ChargeIfRevocation", testChargeIfRevocation},
	{"ChargeIfPresent", testChargeIfPresent},
	{"AdmitRevokedNotCharged", testAdmitRevokedNotCharged},
}

func guard(s Store, l Limits, now *time.Time) *Guard {
	return &Guard{Store: s, Limits: l, FailClosed: FailPolicy(nil), Timeout: time.Second,
		Now: func() time.Time { return *now }}
}

func code(err error) string {
	var e *apierr.Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

// Daily quotas: counts and bytes are charged together or not at all,
// refusals say when they lift, and the next day starts afresh.
func testQuotas(t *testing.T, s Store) {
	now := time.Date(2026, 11, 30, 22, 0, 0, 0, time.UTC)
	g := guard(s, Limits{UploadsPerDay: 3, UploadBytesPerDay: 100}, &now)
	ctx := context.Background()
	for i, size := range []int64{40, 40} {
		if err := g.Upload(ctx, "u1", size); err != nil {
			t.Fatalf("upload %d: %v", i, err)
		}
	}
	// 40 more bytes would pass 100: refused, and the count not charged.
	err := g.Upload(ctx, "u1", 40)
	var e *apierr.Error
	if !errors.As(err, &e) || e.Code != apierr.QuotaExceeded || e.RetryAfter != 2*time.Hour {
		t.Fatalf("over the byte quota: %v", err)
	}
	if err := g.Upload(ctx, "u1", 20); err != nil {
		t.Fatalf("a refused charge still counted: %v", err)
	}
	if code(g.Upload(ctx, "u1", 1)) != apierr.QuotaExceeded {
		t.Error("a fourth upload was allowed")
	}
	if err := g.Upload(ctx, "u2", 1); err != nil {
		t.Errorf("another caller was limited: %v", err)
	}
	u, err := ReadUsage(ctx, s, "u1", now)
	if err != nil || u.UploadsToday != 3 || u.UploadBytesToday != 100 {
		t.Errorf("usage %+v %v", u, err)
	}
	now = now.Add(2 * time.Hour) // 00:00 UTC
	if err := g.Upload(ctx, "u1", 100); err != nil {
		t.Errorf("a new day: %v", err)
	}
}

// The per-minute rate slides: the previous minute counts for what is left
// of it, so a burst at a minute's end does not double the rate.
func testRequestRate(t *testing.T, s Store) {
	now := time.Date(2026, 11, 30, 12, 0, 50, 0, time.UTC)
	g := guard(s, Limits{RequestsPerMinute: 4}, &now)
	ctx := context.Background()
	for i := range 4 {
		if err := g.Admit(ctx, "sts", "u1", time.Time{}); err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
	}
	if err := g.Admit(ctx, "sts", "u1", time.Time{}); code(err) != apierr.RateLimited {
		t.Fatalf("fifth: %v", err)
	}
	if err := g.Admit(ctx, "presign", "u1", time.Time{}); err != nil {
		t.Errorf("the rate is per function: %v", err)
	}
	now = now.Add(25 * time.Second) // 12:01:15: 3/4 of the last minute still counts (3 of 4)
	if err := g.Admit(ctx, "sts", "u1", time.Time{}); err != nil {
		t.Errorf("one more fits: %v", err)
	}
	if err := g.Admit(ctx, "sts", "u1", time.Time{}); code(err) != apierr.RateLimited {
		t.Errorf("the window did not slide: %v", err)
	}
	now = now.Add(time.Minute)
	if err := g.Admit(ctx, "sts", "u1", time.Time{}); err != nil {
		t.Errorf("a minute later: %v", err)
	}
}

// Revocation: a revoked uid is refused, and after a restore its old tokens
// still are, but not new ones; an object key on the deny list is refused.
func testRevocation(t *testing.T, s Store) {
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	g := guard(s, Limits{}, &now)
	ctx := context.Background()
	old := now.Add(-time.Hour)
	if err := RevokeUser(ctx, s, "u1", now); err != nil {
		t.Fatal(err)
	}
	for _, issued := range []time.Time{{}, old, now.Add(time.Minute)} {
		if code(g.Admit(ctx, "download", "u1", issued)) != apierr.Revoked {
			t.Errorf("revoked u1 (token of %v) was admitted", issued)
		}
	}
	if err := g.Admit(ctx, "download", "u2", old); err != nil {
		t.Errorf("u2: %v", err)
	}
	RestoreUser(ctx, s, "u1")
	if code(g.Admit(ctx, "download", "u1", old)) != apierr.Revoked {
		t.Error("a token from before the revocation came back")
	}
	if err := g.Admit(ctx, "download", "u1", now.Add(time.Second)); err != nil {
		t.Errorf("a new token after the restore: %v", err)
	}
	RevokeObject(ctx, s, "uploads/u1/a.jpg", now)
	if code(g.ObjectAllowed(ctx, "uploads/u1/a.jpg")) != apierr.Revoked || g.ObjectAllowed(ctx, "uploads/u1/b.jpg") != nil {
		t.Error("the object deny list")
	}
	RestoreObject(ctx, s, "uploads/u1/a.jpg")
	if g.ObjectAllowed(ctx, "uploads/u1/a.jpg") != nil {
		t.Error("a restored key is still refused")
	}
}

// Charge adds to every counter or to none: a counter that would pass its
// limit is reported by index, and the counters before it are not charged.
func testChargeAllOrNothing(t *testing.T, s Store) {
	ctx := context.Background()
	a := Counter{Key: "cosgate:{c1}:a", N: 3, Limit: 10, TTL: time.Hour}
	b := Counter{Key: "cosgate:{c1}:b", N: 3, Limit: 5, TTL: time.Hour}
	if denied, err := s.Charge(ctx, []Counter{a, b}); denied != -1 || err != nil {
		t.Fatalf("first charge: %d %v", denied, err)
	}
	if denied, err := s.Charge(ctx, []Counter{a, b}); denied != 1 || err != nil {
		t.Fatalf("b would reach 6 of 5: denied %d %v, want 1", denied, err)
	}
	for key, want := range map[string]string{a.Key: "3", b.Key: "3"} {
		if v, err := s.Value(ctx, key); v != want || err != nil {
			t.Errorf("%s = %q %v after a refused charge, want %s", key, v, err, want)
		}
	}
	// Exactly at the limit is within it.
	b.N = 2
	if denied, err := s.Charge(ctx, []Counter{a, b}); denied != -1 || err != nil {
		t.Errorf("b to exactly 5 of 5: %d %v", denied, err)
	}
	if denied, err := s.Charge(ctx, nil); denied != -1 || err != nil {
		t.Errorf("no counters: %d %v", denied, err)
	}
}

// A counter with a previous window counts Weight of it.
func testChargeSlidingWindow(t *testing.T, s Store) {
	ctx := context.Background()
	prev := Counter{Key: "cosgate:{c2}:w0", N: 8, Limit: 8, TTL: time.Hour}
	if denied, err := s.Charge(ctx, []Counter{prev}); denied != -1 || err != nil {
		t.Fatal(denied, err)
	}
	cur := Counter{Key: "cosgate:{c2}:w1", Prev: prev.Key, Weight: 0.5, N: 1, Limit: 8, TTL: time.Hour}
	for i := range 4 { // 0.5×8 + 4 = 8
		if denied, err := s.Charge(ctx, []Counter{cur}); denied != -1 || err != nil {
			t.Fatalf("charge %d: %d %v", i, denied, err)
		}
	}
	if denied, err := s.Charge(ctx, []Counter{cur}); denied != 0 || err != nil {
		t.Errorf("a fifth: %d %v, want 0", denied, err)
	}
	cur.Weight = 0 // the previous window has slid out
	if denied, err := s.Charge(ctx, []Counter{cur}); denied != -1 || err != nil {
		t.Errorf("weight 0: %d %v", denied, err)
	}
}

// A counter is gone TTL after its last charge; a mark never expires.
func testChargeExpires(t *testing.T, s Store) {
	ctx := context.Background()
	c := Counter{Key: "cosgate:{c3}:ttl", N: 1, Limit: 1, TTL: 100 * time.Millisecond}
	if denied, err := s.Charge(ctx, []Counter{c}); denied != -1 || err != nil {
		t.Fatal(denied, err)
	}
	if err := s.Mark(ctx, "cosgate:{c3}:mark", "kept"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(250 * time.Millisecond)
	if v, err := s.Value(ctx, c.Key); v != "" || err != nil {
		t.Errorf("an expired counter reads %q %v", v, err)
	}
	if denied, err := s.Charge(ctx, []Counter{c}); denied != -1 || err != nil {
		t.Errorf("charging an expired counter: %d %v", denied, err)
	}
	if v, err := s.Value(ctx, "cosgate:{c3}:mark"); v != "kept" || err != nil {
		t.Errorf("the mark reads %q %v", v, err)
	}
}

// Value reads "" and no error for what is absent; Mark overwrites;
// Unmark of what is absent is no error.
func testMarkValueUnmark(t *testing.T, s Store) {
	ctx := context.Background()
	const key = "cosgate:{c4}:mark"
	if v, err := s.Value(ctx, key); v != "" || err != nil {
		t.Errorf("absent: %q %v", v, err)
	}
	for _, want := range []string{"revoked 1795353600", "restored 1795353600"} {
		if err := s.Mark(ctx, key, want); err != nil {
			t.Fatal(err)
		}
		if v, err := s.Value(ctx, key); v != want || err != nil {
			t.Errorf("%q %v, want %q", v, err, want)
		}
	}
	for range 2 {
		if err := s.Unmark(ctx, key); err != nil {
			t.Errorf("unmark: %v", err)
		}
	}
	if v, err := s.Value(ctx, key); v != "" || err != nil {
		t.Errorf("after unmark: %q %v", v, err)
	}
}

// A call whose context is already done fails with that context's error
// and changes nothing: the error contract of Store.
func testDoneContext(t *testing.T, s Store) {
	live := context.Background()
	canceled, cancel := context.WithCancel(live)
	cancel()
	expired, cancel2 := context.WithDeadline(live, time.Now().Add(-time.Second))
	defer cancel2()
	const key = "cosgate:{c5}:k"
	for _, ctx := range []context.Context{canceled, expired} {
		want := ctx.Err()
		if denied, err := s.Charge(ctx, []Counter{{Key: key, N: 1, Limit: 9, TTL: time.Hour}}); !errors.Is(err, want) {
			t.Errorf("Charge: %d %v, want %v", denied, err, want)
		}
		if _, err := s.Value(ctx, key); !errors.Is(err, want) {
			t.Errorf("Value: %v, want %v", err, want)
		}
		if err := s.Mark(ctx, key, "x"); !errors.Is(err, want) {
			t.Errorf("Mark: %v, want %v", err, want)
		}
		if err := s.Unmark(ctx, key); !errors.Is(err, want) {
			t.Errorf("Unmark: %v, want %v", err, want)
		}
		_, err := s.(GatedStore).ChargeIf(ctx, Gate{Key: "cosgate:{c5}:gate"}, []Counter{{Key: key, N: 1, Limit: 9, TTL: time.Hour}})
		if !errors.Is(err, want) {
			t.Errorf("ChargeIf: %v, want %v", err, want)
		}
	}
	if v, err := s.Value(live, key); v != "" || err != nil {
		t.Errorf("a call with a done context changed the store: %q %v", v, err)
	}
}

// What this store writes is what Redis holds, read by another client
// (go-redis): counters are integers under the documented keys, with a TTL,
// and a mark another client sets is honoured.
func TestRedisAsAnotherClientSeesIt(t *testing.T) {
	r := limitstest.Start(t)
	s, _ := NewRedis(r.URL, time.Second)
	defer s.Close()
	opt, _ := goredis.ParseURL(r.URL)
	other := goredis.NewClient(opt)
	defer other.Close()
	ctx := context.Background()
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	g := guard(s, Limits{UploadsPerDay: 10, UploadBytesPerDay: 1000, STSPerHour: 5}, &now)
	g.Upload(ctx, "u1", 250)
	g.Grant(ctx, "u1")
	for key, want := range map[string]string{
		"cosgate:{u1}:uploads:20261130T000000":      "1",
		"cosgate:{u1}:upload-bytes:20261130T000000": "250",
		"cosgate:{u1}:sts:20261130T120000":          "1",
	} {
		got, err := other.Get(ctx, key).Result()
		ttl := other.PTTL(ctx, key).Val()
		if err != nil || got != want || ttl <= 0 {
			t.Errorf("%s = %q (ttl %v) %v, want %s", key, got, ttl, err, want)
		}
	}
	// What ChargeIf writes (Admit's rate, Part's total) is read alike.
	g.Limits.RequestsPerMinute = 10
	if err := g.Admit(ctx, "sts", "u1", now); err != nil {
		t.Fatal(err)
	}
	if err := g.Initiate(ctx, "u1", "uploads/u1/a.bin", time.Hour); err != nil {
		t.Fatal(err)
	}
	if err := g.Part(ctx, "u1", "uploads/u1/a.bin", "up1", 1, 30, 1000, time.Hour); err != nil {
		t.Fatal(err)
	}
	for key, want := range map[string]string{
		"cosgate:{u1}:requests-sts:20261130T120000":          "1",
		multipartBytesKey("u1", "uploads/u1/a.bin", "up1"):   "30",
		multipartPartKey("u1", "uploads/u1/a.bin", "up1", 1): "30",
		"cosgate:{u1}:upload-bytes:20261130T000000":          "280",
	} {
		got, err := other.Get(ctx, key).Result()
		ttl := other.PTTL(ctx, key).Val()
		if err != nil || got != want || ttl <= 0 {
			t.Errorf("%s = %q (ttl %v) %v, want %s", key, got, ttl, err, want)
		}
	}
	// A restore written by another client lets a later token in, charged.
	other.Set(ctx, "cosgate:{u8}:revocation", "restored "+strconv.FormatInt(now.Unix()-60, 10), 0)
	if err := g.Admit(ctx, "sts", "u8", now); err != nil {
		t.Errorf("a token after a restore written by another client: %v", err)
	}
	if got := other.Get(ctx, "cosgate:{u8}:requests-sts:20261130T120000").Val(); got != "1" {
		t.Errorf("its request counted %q, want 1", got)
	}
	other.Set(ctx, "cosgate:{u9}:revocation", "revoked 1795353600", 0)
	if code(g.Admit(ctx, "sts", "u9", time.Time{})) != apierr.Revoked {
		t.Error("a revocation written by another client is not honoured")
	}
	if n := other.Exists(ctx, "cosgate:{u9}:requests-sts:20261130T120000").Val(); n != 0 {
		t.Error("a revoked caller's request was counted")
	}
}

// Two instances (separate pools) sharing one redis-server, 16 concurrent
// charges for one caller against a quota of 5: exactly 5 succeed.
func TestSharedQuotaIsExact(t *testing.T) {
	r := limitstest.Start(t)
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	var gs []*Guard
	for range 2 {
		s, _ := NewRedis(r.URL, time.Second)
		defer s.Close()
		gs = append(gs, guard(s, Limits{UploadsPerDay: 5}, &now))
	}
	for round := range 20 {
		uid := "u" + strconv.Itoa(round)
		var ok atomic.Int32
		var wg sync.WaitGroup
		for i := range 16 {
			wg.Go(func() {
				if gs[i%2].Upload(context.Background(), uid, 1) == nil {
					ok.Add(1)
				}
			})
		}
		wg.Wait()
		if ok.Load() != 5 {
			t.Fatalf("round %d: %d uploads allowed, want 5", round, ok.Load())
		}
	}
}

// A store that cannot answer: each kind as its policy says, within the
// timeout; a refusal is a 503 UpstreamUnavailable.
func TestStoreDown(t *testing.T) {
	// One address refuses connections; the other accepts and never answers.
	refused := func() string {
		ln, _ := net.Listen("tcp", "127.0.0.1:0")
		addr := ln.Addr().String()
		ln.Close()
		return addr
	}()
	silent, _ := net.Listen("tcp", "127.0.0.1:0")
	defer silent.Close()
	go func() {
		for {
			c, err := silent.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	for _, addr := range []string{refused, silent.Addr().String()} {
		s, _ := NewRedis("redis://"+addr, 100*time.Millisecond)
		now := time.Now()
		g := &Guard{Store: s, Limits: Limits{RequestsPerMinute: 1, UploadsPerDay: 1, STSPerHour: 1},
			FailClosed: FailPolicy(nil), Timeout: 150 * time.Millisecond, Now: func() time.Time { return now }}
		ctx := context.Background()
		start := time.Now()
		if err := g.Admit(ctx, "sts", "u1", time.Time{}); err != nil {
			t.Errorf("%s: requests and revocation fail open by default: %v", addr, err)
		}
		if code(g.Upload(ctx, "u1", 1)) != apierr.UpstreamUnavailable || code(g.Grant(ctx, "u1")) != apierr.UpstreamUnavailable {
			t.Errorf("%s: uploads and sts fail closed by default", addr)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("%s: %v for five calls with a 150 ms timeout", addr, d)
		}
		g.FailClosed = FailPolicy([]string{"open"})
		if err := g.Upload(ctx, "u1", 1); err != nil {
			t.Errorf("%s: LIMITS_FAIL=open: %v", addr, err)
		}
		g.FailClosed = FailPolicy([]string{"requests:closed"})
		if code(g.Admit(ctx, "sts", "u1", time.Time{})) != apierr.UpstreamUnavailable {
			t.Errorf("%s: requests:closed", addr)
		}
		// Admit's one round trip answers for revocation and requests: each
		// policy applies, so either one closed refuses.
		g.FailClosed = FailPolicy([]string{"revocation:closed"})
		if code(g.Admit(ctx, "sts", "u1", time.Time{})) != apierr.UpstreamUnavailable {
			t.Errorf("%s: revocation:closed", addr)
		}
		g.FailClosed = FailPolicy(nil)
		if _, err := s.ChargeIf(ctx, Gate{Key: revocationKey("u1")}, nil); err == nil {
			t.Errorf("%s: ChargeIf on a store that is down: no error", addr)
		}
		s.Close()
	}
}
