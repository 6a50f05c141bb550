package limits

import (
	"context"
	"strconv"
	"sync"
	"time"
)

// Memory is the in-process store: exact for one function instance, and
// what make dev uses. Entries expire by their TTL.
type Memory struct {
	mu      sync.Mutex
	entries map[string]memEntry
	now     func() time.Time
	charges int // charges since the last sweep of expired entries
}

type memEntry struct {
	n       int64
	mark    string
	expires time.Time // zero: never
}

// NewMemory returns an empty in-process store; now is its clock for expiry
// (time.Now when nil).
func NewMemory(now func() time.Time) *Memory {
	if now == nil {
		now = time.Now
	}
	return &Memory{entries: map[string]memEntry{}, now: now}
}

// sweepEvery bounds the work of dropping expired counters.
const sweepEvery = 1024

// Memory never waits, so ctx matters only at the start: a call with a done
// ctx fails as Redis's would (Store's error contract), which keeps the two
// stores interchangeable in tests and in make dev.

func (m *Memory) Charge(ctx context.Context, counters []Counter) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	denied, _ := m.charge(m.now(), counters)
	return denied, nil
}

func (m *Memory) ChargeIf(ctx context.Context, gate Gate, counters []Counter) (Charged, error) {
	if err := ctx.Err(); err != nil {
		return Charged{}, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	r := Charged{Denied: -1}
	var present bool
	r.Value, present = m.value(now, gate.Key)
	if r.Passed = gate.Admits(r.Value, present); r.Passed {
		r.Denied, r.Held = m.charge(now, counters)
	}
	return r, nil
}

// charge is Charge under m.mu; held is the refused counter's own total.
func (m *Memory) charge(now time.Time, counters []Counter) (denied int, held int64) {
	if m.charges++; m.charges >= sweepEvery {
		m.charges = 0
		for k, e := range m.entries {
			if !e.expires.IsZero() && now.After(e.expires) {
				delete(m.entries, k)
			}
		}
	}
	live := func(k string) int64 {
		e, ok := m.entries[k]
		if !ok || !e.expires.IsZero() && now.After(e.expires) {
			return 0
		}
		return e.n
	}
	for i, c := range counters {
		used := float64(live(c.Key))
		if c.Prev != "" {
			used += c.Weight * float64(live(c.Prev))
		}
		if used+float64(c.N) > float64(c.Limit) {
			return i, live(c.Key)
		}
	}
	for _, c := range counters {
		m.entries[c.Key] = memEntry{n: live(c.Key) + c.N, expires: now.Add(c.TTL)}
	}
	return -1, 0
}

// value reads key under m.mu: a mark, a counter in decimal, or absent.
func (m *Memory) value(now time.Time, key string) (string, bool) {
	e, ok := m.entries[key]
	switch {
	case !ok || !e.expires.IsZero() && now.After(e.expires):
		return "", false
	case e.mark != "":
		return e.mark, true
	}
	return strconv.FormatInt(e.n, 10), true
}

func (m *Memory) Value(ctx context.Context, key string) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	v, _ := m.value(m.now(), key)
	return v, nil
}

func (m *Memory) Mark(ctx context.Context, key, value string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.entries[key] = memEntry{mark: value}
	return nil
}

func (m *Memory) Unmark(ctx context.Context, key string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.entries, key)
	return nil
}

func (m *Memory) Close() error { return nil }
