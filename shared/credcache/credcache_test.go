package credcache

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

type cred struct {
	id      int
	expires time.Time
}

func (c cred) ExpiresAt() time.Time { return c.expires }

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

func setup(size int) (*Cache[cred], *clock, func(context.Context) (cred, error), *atomic.Int32) {
	clk := &clock{t: time.Unix(1795353600, 0)}
	var n atomic.Int32
	fetch := func(context.Context) (cred, error) {
		i := n.Add(1)
		return cred{id: int(i), expires: clk.now().Add(30 * time.Minute)}, nil
	}
	return New[cred](size, clk.now), clk, fetch, &n
}

func TestHitAndRefreshAhead(t *testing.T) {
	c, clk, fetch, calls := setup(10)
	k := KeyFor("u1", []byte(`{"policy":1}`))
	v1, hit, _ := c.Get(context.Background(), k, fetch)
	if hit || v1.id != 1 {
		t.Fatalf("first: %+v %v", v1, hit)
	}
	clk.add(14 * time.Minute)
	v2, hit, _ := c.Get(context.Background(), k, fetch)
	if !hit || v2.id != 1 || calls.Load() != 1 {
		t.Errorf("within the first half of its life the key is reused: %+v %v", v2, hit)
	}
	clk.add(2 * time.Minute) // 16 of 30 minutes gone: less than half remains
	v3, hit, _ := c.Get(context.Background(), k, fetch)
	if hit || v3.id != 2 || calls.Load() != 2 {
		t.Errorf("past half-life a fresh key is fetched: %+v %v", v3, hit)
	}
}

func TestSubjectsAndPoliciesAreIsolated(t *testing.T) {
	c, _, fetch, calls := setup(10)
	p := []byte(`{"same":"policy"}`)
	a, _, _ := c.Get(context.Background(), KeyFor("u1", p), fetch)
	b, _, _ := c.Get(context.Background(), KeyFor("u2", p), fetch)
	d, _, _ := c.Get(context.Background(), KeyFor("u1", []byte(`{"other":"policy"}`)), fetch)
	if a.id == b.id || a.id == d.id || calls.Load() != 3 {
		t.Errorf("shared across subjects or policies: %d %d %d", a.id, b.id, d.id)
	}
}

func TestSingleFlight(t *testing.T) {
	c, clk, _, _ := setup(10)
	var calls atomic.Int32
	release := make(chan struct{})
	fetch := func(context.Context) (cred, error) {
		calls.Add(1)
		<-release
		return cred{id: 7, expires: clk.now().Add(time.Hour)}, nil
	}
	k := KeyFor("u1", []byte("p"))
	var wg sync.WaitGroup
	got := make([]int, 50)
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			v, _, err := c.Get(context.Background(), k, fetch)
			if err == nil {
				got[i] = v.id
			}
		}()
	}
	time.Sleep(50 * time.Millisecond) // let every caller arrive
	close(release)
	wg.Wait()
	if calls.Load() != 1 {
		t.Errorf("%d fetches for 50 identical concurrent requests", calls.Load())
	}
	for i, id := range got {
		if id != 7 {
			t.Errorf("caller %d got %d", i, id)
		}
	}
}

func TestWaiterHonoursItsContext(t *testing.T) {
	c, clk, _, _ := setup(10)
	block := make(chan struct{})
	defer close(block)
	k := KeyFor("u1", []byte("p"))
	go c.Get(context.Background(), k, func(context.Context) (cred, error) { <-block; return cred{expires: clk.now().Add(time.Hour)}, nil })
	time.Sleep(20 * time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	if _, _, err := c.Get(ctx, k, nil); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("a waiter outlived its deadline: %v", err)
	}
}

func TestBoundedAndErrorsNotCached(t *testing.T) {
	c, _, fetch, calls := setup(3)
	for i := range 5 {
		c.Get(context.Background(), KeyFor("u", []byte{byte(i)}), fetch)
	}
	if c.Len() != 3 {
		t.Errorf("%d entries, bound is 3", c.Len())
	}
	c.Get(context.Background(), KeyFor("u", []byte{0}), fetch) // evicted: fetched again
	if calls.Load() != 6 {
		t.Errorf("%d fetches", calls.Load())
	}
	boom := errors.New("sts down")
	k := KeyFor("u", []byte("e"))
	if _, _, err := c.Get(context.Background(), k, func(context.Context) (cred, error) { return cred{}, boom }); err != boom {
		t.Fatal(err)
	}
	if _, hit, _ := c.Get(context.Background(), k, fetch); hit {
		t.Error("an error was cached")
	}
}

func TestOff(t *testing.T) {
	c, _, fetch, calls := setup(0)
	k := KeyFor("u1", []byte("p"))
	c.Get(context.Background(), k, fetch)
	if _, hit, _ := c.Get(context.Background(), k, fetch); hit || calls.Load() != 2 {
		t.Errorf("caching off still reused (%v, %d calls)", hit, calls.Load())
	}
}
