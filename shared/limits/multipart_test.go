package limits_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"cosgate/shared/apierr"
	"cosgate/shared/config"
	"cosgate/shared/limits"
	"cosgate/shared/limits/limitstest"
)

// mpEnv is one store under test, with a clock: the Guard's Now reads *now;
// advance lets d pass for the store's TTLs (Memory: its clock, which is
// *now; Redis: a real sleep, since redis-server keeps its own time).
type mpEnv struct {
	store   limits.Store
	now     *time.Time
	advance func(d time.Duration)
}

func (e mpEnv) guard(l limits.Limits) *limits.Guard {
	return &limits.Guard{Store: e.store, Limits: l, FailClosed: limits.FailPolicy(nil), Timeout: time.Second,
		Now: func() time.Time { return *e.now }}
}

// TestMultipart runs every multipart case on Memory and on a real
// redis-server, each case on an empty store of its own.
func TestMultipart(t *testing.T) {
	stores := []struct {
		name string
		open func(t *testing.T) mpEnv
	}{
		{"memory", func(*testing.T) mpEnv {
			now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
			return mpEnv{
				store:   limits.NewMemory(func() time.Time { return now }),
				now:     &now,
				advance: func(d time.Duration) { now = now.Add(d) },
			}
		}},
		{"redis", func(t *testing.T) mpEnv {
			s := startRedis(t)
			now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
			return mpEnv{store: s, now: &now, advance: func(d time.Duration) { time.Sleep(d); now = now.Add(d) }}
		}},
	}
	cases := []struct {
		name string
		run  func(t *testing.T, e mpEnv)
	}{
		{"PartWithoutInitiate", testPartWithoutInitiate},
		{"PartsWithinMax", testPartsWithinMax},
		{"OtherCallerOrKey", testOtherCallerOrKey},
		{"RecordExpires", testRecordExpires},
		{"InitiateChargesUploads", testInitiateChargesUploads},
		{"PartAndQuotaInOneCharge", testPartAndQuotaInOneCharge},
		{"ConcurrentParts", testConcurrentParts},
		{"AnonymousByAddress", testMultipartByAddress},
		{"BadUploadID", testBadUploadID},
	}
	for _, st := range stores {
		t.Run(st.name, func(t *testing.T) {
			for _, c := range cases {
				t.Run(c.name, func(t *testing.T) { c.run(t, st.open(t)) })
			}
		})
	}
}

func startRedis(t *testing.T) *limits.Redis {
	r := limitstest.Start(t)
	s, err := limits.NewRedis(r.URL, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

const (
	mpKey = "uploads/u1/video.mp4"
	mpID  = "1585130821cbb7df1d11846c073ad648e8f33b087cec2381df437acdc833cf654b9ecc6361"
)

var bg = context.Background()

// A part or a continuation of an upload not started through Initiate is
// refused: /sign never bounded its size.
func testPartWithoutInitiate(t *testing.T, e mpEnv) {
	g := e.guard(limits.Limits{})
	if err := g.Part(bg, "u1", mpKey, mpID, nextPart(), 10, 100, time.Hour); apierr.Code(err) != apierr.Forbidden ||
		!strings.Contains(err.Error(), "InitiateMultipartUpload") {
		t.Errorf("Part: %v, want Forbidden naming InitiateMultipartUpload", err)
	}
	if err := g.Continues(bg, "u1", mpKey, mpID, time.Hour); apierr.Code(err) != apierr.Forbidden {
		t.Errorf("Continues: %v, want Forbidden", err)
	}
}

// Parts pass while the upload's running total stays at most max; the part
// that would pass it is refused, names the limit and what is left, and
// leaves the total as it was, so a smaller part that fits still passes.
// Each uploadId of the key has its own total.
func testPartsWithinMax(t *testing.T, e mpEnv) {
	g := e.guard(limits.Limits{})
	if err := g.Initiate(bg, "u1", mpKey, time.Hour); err != nil {
		t.Fatal(err)
	}
	for i, size := range []int64{40, 40} {
		if err := g.Part(bg, "u1", mpKey, mpID, nextPart(), size, 100, time.Hour); err != nil {
			t.Fatalf("part %d: %v", i, err)
		}
	}
	err := g.Part(bg, "u1", mpKey, mpID, nextPart(), 30, 100, time.Hour)
	if apierr.Code(err) != apierr.TooLarge || !strings.Contains(err.Error(), "at most 100 bytes") ||
		!strings.Contains(err.Error(), "20 bytes are left") {
		t.Fatalf("past max: %v, want TooLarge naming 100 and 20 left", err)
	}
	if err := g.Part(bg, "u1", mpKey, mpID, nextPart(), 20, 100, time.Hour); err != nil {
		t.Errorf("a refused part was counted: %v", err)
	}
	if err := g.Part(bg, "u1", mpKey, mpID, nextPart(), 1, 100, time.Hour); apierr.Code(err) != apierr.TooLarge ||
		!strings.Contains(err.Error(), "0 bytes are left") {
		t.Errorf("one byte past max: %v", err)
	}
	if err := g.Continues(bg, "u1", mpKey, mpID, time.Hour); err != nil {
		t.Errorf("Continues: %v", err)
	}
	if err := g.Part(bg, "u1", mpKey, "other-upload", nextPart(), 100, 100, time.Hour); err != nil {
		t.Errorf("another uploadId of the key: %v", err)
	}
}

// The record binds the caller and the key: another uid with the same key
// and uploadId is refused, and so is the same uid with another key.
func testOtherCallerOrKey(t *testing.T, e mpEnv) {
	g := e.guard(limits.Limits{})
	if err := g.Initiate(bg, "u1", mpKey, time.Hour); err != nil {
		t.Fatal(err)
	}
	if err := g.Part(bg, "u2", mpKey, mpID, nextPart(), 1, 100, time.Hour); apierr.Code(err) != apierr.Forbidden {
		t.Errorf("another uid, Part: %v", err)
	}
	if err := g.Continues(bg, "u2", mpKey, mpID, time.Hour); apierr.Code(err) != apierr.Forbidden {
		t.Errorf("another uid, Continues: %v", err)
	}
	if err := g.Part(bg, "u1", mpKey+"2", mpID, nextPart(), 1, 100, time.Hour); apierr.Code(err) != apierr.Forbidden {
		t.Errorf("another key, Part: %v", err)
	}
	if err := g.Continues(bg, "u1", "uploads/u1/other.mp4", mpID, time.Hour); apierr.Code(err) != apierr.Forbidden {
		t.Errorf("another key, Continues: %v", err)
	}
	if err := g.Part(bg, "u1", mpKey, mpID, nextPart(), 1, 100, time.Hour); err != nil {
		t.Errorf("the initiator: %v", err)
	}
}

// The record lasts life: a part within it passes, one after is refused.
func testRecordExpires(t *testing.T, e mpEnv) {
	const life = time.Second
	g := e.guard(limits.Limits{})
	if err := g.Initiate(bg, "u1", mpKey, life); err != nil {
		t.Fatal(err)
	}
	if err := g.Part(bg, "u1", mpKey, mpID, nextPart(), 1, 100, life); err != nil {
		t.Fatalf("within life: %v", err)
	}
	e.advance(life + 300*time.Millisecond)
	if err := g.Part(bg, "u1", mpKey, mpID, nextPart(), 1, 100, life); apierr.Code(err) != apierr.Forbidden {
		t.Errorf("Part after life: %v, want Forbidden", err)
	}
	if err := g.Continues(bg, "u1", mpKey, mpID, life); apierr.Code(err) != apierr.Forbidden {
		t.Errorf("Continues after life: %v, want Forbidden", err)
	}
}

// Initiate charges the day's upload count with the record, in one Charge:
// an initiation the quota refuses records nothing.
func testInitiateChargesUploads(t *testing.T, e mpEnv) {
	g := e.guard(limits.Limits{UploadsPerDay: 1})
	if err := g.Initiate(bg, "u1", mpKey, time.Hour); err != nil {
		t.Fatal(err)
	}
	err := g.Initiate(bg, "u1", "uploads/u1/b.mp4", time.Hour)
	var ae *apierr.Error
	if !errors.As(err, &ae) || ae.Code != apierr.QuotaExceeded || ae.RetryAfter != 12*time.Hour {
		t.Fatalf("a second upload of the day: %v", err)
	}
	if err := g.Part(bg, "u1", "uploads/u1/b.mp4", mpID, nextPart(), 1, 100, time.Hour); apierr.Code(err) != apierr.Forbidden {
		t.Errorf("a refused initiation left a record: %v", err)
	}
	if err := g.Upload(bg, "u1", 1); apierr.Code(err) != apierr.QuotaExceeded {
		t.Errorf("Initiate and Upload count different uploads: %v", err)
	}
}

// The part's size is charged to the upload's total and to the day's bytes
// in one Charge: a part the quota refuses leaves the total unchanged, and a
// part the total refuses leaves the quota unchanged.
func testPartAndQuotaInOneCharge(t *testing.T, e mpEnv) {
	g := e.guard(limits.Limits{UploadBytesPerDay: 100})
	const life = 48 * time.Hour
	if err := g.Initiate(bg, "u1", mpKey, life); err != nil {
		t.Fatal(err)
	}
	must := func(id string, size, max int64, want string) {
		t.Helper()
		if err := g.Part(bg, "u1", mpKey, id, nextPart(), size, max, life); apierr.Code(err) != want {
			t.Fatalf("part %s of %d (max %d): %v, want %q", id, size, max, err, want)
		}
	}
	must("a", 30, 50, "")
	must("a", 30, 50, apierr.TooLarge) // would charge the quota to 60
	must("b", 70, 1000, "")            // the quota is exactly 100: nothing was charged for the refusal
	must("b", 1, 1000, apierr.QuotaExceeded)
	*e.now = e.now.Add(24 * time.Hour)  // a new day for the quota; the records last 48h
	must("b", 31, 100, apierr.TooLarge) // b's total is 70, not 71
	must("b", 30, 100, "")
	must("a", 20, 50, "") // a's total is 30
	must("a", 1, 50, apierr.TooLarge)
	if err := g.Upload(bg, "u1", 51); apierr.Code(err) != apierr.QuotaExceeded {
		t.Errorf("parts and Upload share the day's bytes: %v", err)
	}
}

// Concurrent parts of one upload: exactly as many pass as fit in max.
func testConcurrentParts(t *testing.T, e mpEnv) {
	g := e.guard(limits.Limits{})
	if err := g.Initiate(bg, "u1", mpKey, time.Hour); err != nil {
		t.Fatal(err)
	}
	var ok atomic.Int32
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			if g.Part(bg, "u1", mpKey, mpID, nextPart(), 10, 50, time.Hour) == nil {
				ok.Add(1)
			}
		})
	}
	wg.Wait()
	if ok.Load() != 5 {
		t.Errorf("%d parts of 10 passed a max of 50, want 5", ok.Load())
	}
}

// A caller without a uid is bound by address, as its uploads are counted.
func testMultipartByAddress(t *testing.T, e mpEnv) {
	g := e.guard(limits.Limits{})
	here := limits.WithClient(bg, "203.0.113.5")
	if err := g.Initiate(here, "", "uploads/anon/a.bin", time.Hour); err != nil {
		t.Fatal(err)
	}
	if err := g.Part(here, "", "uploads/anon/a.bin", mpID, nextPart(), 1, 100, time.Hour); err != nil {
		t.Errorf("the same address: %v", err)
	}
	there := limits.WithClient(bg, "198.51.100.7")
	if err := g.Part(there, "", "uploads/anon/a.bin", mpID, nextPart(), 1, 100, time.Hour); apierr.Code(err) != apierr.Forbidden {
		t.Errorf("another address: %v", err)
	}
}

// A malformed uploadId is refused before the store is touched.
func testBadUploadID(t *testing.T, e mpEnv) {
	calls := &countingStore{Store: e.store}
	g := e.guard(limits.Limits{})
	g.Store = calls
	for _, id := range []string{"", strings.Repeat("a", 257), "a/b", "a b", "a%2F", "a&partNumber=1", "é", "a\x00"} {
		if err := g.Part(bg, "u1", mpKey, id, nextPart(), 1, 100, time.Hour); apierr.Code(err) != apierr.InvalidRequest {
			t.Errorf("Part %q: %v", id, err)
		}
		if err := g.Continues(bg, "u1", mpKey, id, time.Hour); apierr.Code(err) != apierr.InvalidRequest {
			t.Errorf("Continues %q: %v", id, err)
		}
	}
	if calls.n.Load() != 0 {
		t.Errorf("%d store calls for malformed ids", calls.n.Load())
	}
	ok := strings.Repeat("aZ09._~-", 32) // 256
	if err := g.Part(bg, "u1", mpKey, ok, nextPart(), 1, 100, time.Hour); apierr.Code(err) != apierr.Forbidden {
		t.Errorf("a well-formed id was not checked against the record: %v", err)
	}
	if err := g.Part(bg, "u1", mpKey, mpID, nextPart(), -1, 100, time.Hour); apierr.Code(err) != apierr.InvalidRequest {
		t.Errorf("a negative size: %v", err)
	}
}

type countingStore struct {
	limits.Store
	n atomic.Int32
}

func (s *countingStore) Charge(ctx context.Context, cs []limits.Counter) (int, error) {
	s.n.Add(1)
	return s.Store.Charge(ctx, cs)
}

func (s *countingStore) Value(ctx context.Context, key string) (string, error) {
	s.n.Add(1)
	return s.Store.Value(ctx, key)
}

// A store that cannot answer (a redis-server stopped, a port nobody
// listens on): every multipart check is a 503 by default (uploads fail
// closed), and passes with LIMITS_FAIL=uploads:open.
func TestMultipartStoreDown(t *testing.T) {
	stopped := limitstest.Start(t)
	stopped.Stop()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refused := "redis://" + ln.Addr().String()
	ln.Close()
	for _, url := range []string{stopped.URL, refused} {
		s, err := limits.NewRedis(url, 100*time.Millisecond)
		if err != nil {
			t.Fatal(err)
		}
		now := time.Now()
		g := &limits.Guard{Store: s, Limits: limits.Limits{UploadsPerDay: 5, UploadBytesPerDay: 100},
			FailClosed: limits.FailPolicy(nil), Timeout: 150 * time.Millisecond, Now: func() time.Time { return now }}
		for name, err := range map[string]error{
			"Initiate":  g.Initiate(bg, "u1", mpKey, time.Hour),
			"Part":      g.Part(bg, "u1", mpKey, mpID, nextPart(), 1, 100, time.Hour),
			"Continues": g.Continues(bg, "u1", mpKey, mpID, time.Hour),
		} {
			var ae *apierr.Error
			if !errors.As(err, &ae) || ae.Code != apierr.UpstreamUnavailable || ae.RetryAfter <= 0 {
				t.Errorf("%s: %s: %v, want UpstreamUnavailable with Retry-After", url, name, err)
			}
		}
		g.FailClosed = limits.FailPolicy([]string{"uploads:open"})
		if err := g.Part(bg, "u1", mpKey, mpID, nextPart(), 1, 100, time.Hour); err != nil {
			t.Errorf("%s: uploads:open: %v", url, err)
		}
		s.Close()
	}
}

// A nil Guard keeps no records: a plain error, not a refusal of the caller.
func TestMultipartNilGuard(t *testing.T) {
	var g *limits.Guard
	for name, err := range map[string]error{
		"Initiate":  g.Initiate(bg, "u1", mpKey, time.Hour),
		"Part":      g.Part(bg, "u1", mpKey, mpID, nextPart(), 1, 100, time.Hour),
		"Continues": g.Continues(bg, "u1", mpKey, mpID, time.Hour),
	} {
		if !errors.Is(err, limits.ErrNoStore) || apierr.Code(err) != "" {
			t.Errorf("%s: %v, want ErrNoStore", name, err)
		}
	}
	g = &limits.Guard{Store: limits.NewMemory(nil), Timeout: time.Second, Now: time.Now}
	if err := g.Initiate(bg, "u1", mpKey, 0); err == nil || apierr.Code(err) != "" {
		t.Errorf("life 0: %v, want a plain error", err)
	}
	if err := g.Part(bg, "u1", mpKey, mpID, nextPart(), 1, 0, time.Hour); err == nil || apierr.Code(err) != "" {
		t.Errorf("max 0: %v, want a plain error", err)
	}
}

// The sign function always gets a Guard (in process without
// LIMITS_REDIS_URL), so it can keep records; the others still get nil
// when nothing applies.
func TestFromConfigSign(t *testing.T) {
	none, err := config.Load[config.Limits](map[string]string{})
	if err != nil {
		t.Fatal(err)
	}
	g, err := limits.FromConfig(none, limits.Use{Function: "sign", AuthMode: "jwt"})
	if err != nil || g == nil {
		t.Fatalf("sign without limits: %v %v, want a Guard", g, err)
	}
	if _, ok := g.Store.(*limits.Memory); !ok || g.RequireIssued {
		t.Errorf("sign without LIMITS_REDIS_URL: %T, RequireIssued %v", g.Store, g.RequireIssued)
	}
	if err := g.Initiate(bg, "u1", mpKey, time.Hour); err != nil {
		t.Errorf("Initiate: %v", err)
	}
	if err := g.Part(bg, "u1", mpKey, mpID, nextPart(), 1, 100, time.Hour); err != nil {
		t.Errorf("Part: %v", err)
	}
	if g, _ := limits.FromConfig(none, limits.Use{Function: "presign"}); g != nil {
		t.Errorf("presign without limits: %+v, want nil", g)
	}
	c, err := config.Load[config.Limits](map[string]string{"LIMIT_UPLOAD_BYTES_PER_DAY": "1000"})
	if err != nil {
		t.Fatal(err)
	}
	if g, _ := limits.FromConfig(c, limits.Use{Function: "sign"}); g == nil || g.Limits.UploadBytesPerDay != 1000 {
		t.Errorf("sign's limits: %+v", g)
	}
}

// What the Guard writes is what Redis holds, read by another client
// (go-redis): the record and the total under the documented key names,
// with life as their TTL, the day's counters beside them; and a record
// another client writes is honoured.
func TestMultipartKeysInRedis(t *testing.T) {
	r := limitstest.Start(t)
	s, _ := limits.NewRedis(r.URL, time.Second)
	defer s.Close()
	opt, _ := goredis.ParseURL(r.URL)
	other := goredis.NewClient(opt)
	defer other.Close()
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	g := mpEnv{store: s, now: &now}.guard(limits.Limits{UploadsPerDay: 10, UploadBytesPerDay: 1000})
	if err := g.Initiate(bg, "u1", mpKey, time.Hour); err != nil {
		t.Fatal(err)
	}
	for _, size := range []int64{200, 50} {
		if err := g.Part(bg, "u1", mpKey, mpID, nextPart(), size, 1000, time.Hour); err != nil {
			t.Fatal(err)
		}
	}
	sum := sha256.Sum256([]byte(mpKey))
	hash := hex.EncodeToString(sum[:])[:32]
	for key, want := range map[string]string{
		"cosgate:{u1}:mpu-init:" + hash:               "1",
		"cosgate:{u1}:mpu-bytes:" + hash + ":" + mpID: "250",
		"cosgate:{u1}:uploads:20261130T000000":        "1",
		"cosgate:{u1}:upload-bytes:20261130T000000":   "250",
	} {
		got, err := other.Get(bg, key).Result()
		ttl := other.PTTL(bg, key).Val()
		if err != nil || got != want || ttl <= 0 || ttl > 25*time.Hour {
			t.Errorf("%s = %q (ttl %v) %v, want %s", key, got, ttl, err, want)
		}
		if strings.Contains(key, ":mpu-") && (ttl > time.Hour || ttl < 59*time.Minute) {
			t.Errorf("%s: ttl %v, want life (1h)", key, ttl)
		}
	}
	other.Set(bg, "cosgate:{u2}:mpu-init:"+hash, "1", time.Minute)
	if err := g.Part(bg, "u2", mpKey, mpID, nextPart(), 1, 1000, time.Hour); err != nil {
		t.Errorf("a record written by another client: %v", err)
	}
}

// /sign's guard over a multipart upload: the upload is initiated, its parts
// are signed while they fit in UPLOAD_MAX_BYTES, and the one that would not
// is refused, saying what is left.
func ExampleGuard_Part() {
	g := &limits.Guard{
		Store:      limits.NewMemory(nil),
		FailClosed: limits.FailPolicy(nil),
		Timeout:    time.Second,
		Now:        time.Now,
	}
	ctx := context.Background()
	const key, upload, life = "uploads/u1/video.mp4", "1585130821cbb7df", 24 * time.Hour
	const max = 20 << 20 // UPLOAD_MAX_BYTES
	fmt.Println(g.Part(ctx, "u1", key, upload, 1, 8<<20, max, life))
	fmt.Println(g.Initiate(ctx, "u1", key, life))
	for part := 1; part <= 3; part++ {
		fmt.Println(g.Part(ctx, "u1", key, upload, part, 8<<20, max, life))
	}
	// Output:
	// Forbidden: no multipart upload of this key was started through /sign (or it was too long ago): start the upload with a /sign'd InitiateMultipartUpload first
	// <nil>
	// <nil>
	// <nil>
	// TooLarge: this upload's parts may total at most 20971520 bytes (UPLOAD_MAX_BYTES); 4194304 bytes are left, and this part is 8388608 bytes
}

// partNumbers makes every Part call of these tests a part of its own;
// TestMultipartPartSignedAgain is about the same part twice.
var partNumbers atomic.Int64

func nextPart() int { return int(partNumbers.Add(1)) }

// TestMultipartPartSignedAgain: a part re-signed at its first size (a
// retry, a resume) counts once; at another size it is refused.
func TestMultipartPartSignedAgain(t *testing.T) {
	bg := context.Background()
	g := &limits.Guard{Store: limits.NewMemory(nil), Timeout: time.Second, Now: time.Now, FailClosed: limits.FailPolicy(nil)}
	if err := g.Initiate(bg, "u1", mpKey, time.Hour); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 5; i++ { // five signatures of part 1, 40 bytes each, under a cap of 100
		if err := g.Part(bg, "u1", mpKey, mpID, 1, 40, 100, time.Hour); err != nil {
			t.Fatalf("part 1, signature %d: %v", i+1, err)
		}
	}
	if err := g.Part(bg, "u1", mpKey, mpID, 2, 60, 100, time.Hour); err != nil {
		t.Fatalf("part 2 fits beside part 1 counted once: %v", err)
	}
	if err := g.Part(bg, "u1", mpKey, mpID, 3, 1, 100, time.Hour); apierr.Code(err) != apierr.TooLarge {
		t.Fatalf("part 3 past the cap: %v", err)
	}
	if err := g.Part(bg, "u1", mpKey, mpID, 1, 41, 100, time.Hour); apierr.Code(err) != apierr.InvalidRequest {
		t.Fatalf("part 1 again at another size: %v", err)
	}
}
