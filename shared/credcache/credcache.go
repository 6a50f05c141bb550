// Package credcache keeps temporary keys in a warm function's memory, so a
// caller asking again for the same grant reuses a key instead of costing an
// STS call (STS allows 600 calls a second per account). A key is reused only
// while more than half its life remains, is never shared between subjects,
// and concurrent identical requests share one fetch.
package credcache

import (
	"container/list"
	"context"
	"crypto/sha256"
	"sync"
	"time"
)

// Value is something that expires.
type Value interface {
	ExpiresAt() time.Time
}

// Key names one grant to one subject: the subject and the exact policy.
type Key struct {
	Subject string
	Policy  [sha256.Size]byte
}

// KeyFor builds a Key.
func KeyFor(subject string, policy []byte) Key {
	return Key{Subject: subject, Policy: sha256.Sum256(policy)}
}

// Cache is safe for concurrent use.
type Cache[V Value] struct {
	size int
	now  func() time.Time

	mu      sync.Mutex
	items   map[Key]*list.Element // of *entry[V]
	lru     *list.List            // front: most recently used
	flights map[Key]*flight[V]
}

type entry[V Value] struct {
	key       Key
	value     V
	refreshAt time.Time // half-way through the value's life
}

type flight[V Value] struct {
	done  chan struct{}
	value V
	err   error
}

// New returns a cache of at most size entries; size 0 turns caching off
// (every Get fetches). now is the clock (time.Now when nil).
func New[V Value](size int, now func() time.Time) *Cache[V] {
	if now == nil {
		now = time.Now
	}
	return &Cache[V]{size: size, now: now, items: map[Key]*list.Element{}, lru: list.New(), flights: map[Key]*flight[V]{}}
}

// Get returns a cached value for k, or fetches one. hit reports reuse.
// While one fetch for k runs, other callers for k wait for it (or for their
// own context). Errors are never cached.
func (c *Cache[V]) Get(ctx context.Context, k Key, fetch func(context.Context) (V, error)) (v V, hit bool, err error) {
	if c.size <= 0 {
		v, err = fetch(ctx)
		return v, false, err
	}
	c.mu.Lock()
	if el, ok := c.items[k]; ok {
		e := el.Value.(*entry[V])
		if c.now().Before(e.refreshAt) {
			c.lru.MoveToFront(el)
			c.mu.Unlock()
			return e.value, true, nil
		}
		c.remove(el) // past half-life: hand out a fresh key instead
	}
	if f, ok := c.flights[k]; ok {
		c.mu.Unlock()
		select {
		case <-f.done:
			return f.value, true, f.err
		case <-ctx.Done():
			return v, false, ctx.Err()
		}
	}
	f := &flight[V]{done: make(chan struct{})}
	c.flights[k] = f
	c.mu.Unlock()

	issued := c.now()
	f.value, f.err = fetch(ctx)

	c.mu.Lock()
	delete(c.flights, k)
	if f.err == nil {
		c.store(k, f.value, issued)
	}
	c.mu.Unlock()
	close(f.done)
	return f.value, false, f.err
}

func (c *Cache[V]) store(k Key, v V, issued time.Time) {
	life := v.ExpiresAt().Sub(issued)
	if life <= 0 {
		return
	}
	c.items[k] = c.lru.PushFront(&entry[V]{key: k, value: v, refreshAt: issued.Add(life / 2)})
	for c.lru.Len() > c.size {
		c.remove(c.lru.Back())
	}
}

func (c *Cache[V]) remove(el *list.Element) {
	c.lru.Remove(el)
	delete(c.items, el.Value.(*entry[V]).key)
}

// Len is the number of cached entries.
func (c *Cache[V]) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lru.Len()
}
