package stsapi

import (
	"sync"
	"time"

	"cosgate/shared/credcache"
)

// ScopeLimiter bounds the distinct grants (scopes) one caller may ask for in
// a minute, in this instance: each new scope misses the credential cache
// and costs an STS call, and STS's quota (about 600 calls a second) is the
// whole account's. Asking again for a scope already seen this minute is
// free.
type ScopeLimiter struct {
	Max    int           // distinct scopes per caller per window
	Window time.Duration // a minute

	mu      sync.Mutex
	callers map[string]*scopeWindow
}

type scopeWindow struct {
	start  time.Time
	scopes map[credcache.Key]bool
}

// maxTrackedCallers bounds the limiter's memory; past it, finished windows
// are forgotten, and if every window is still open, all are (so a flood of
// callers loosens the limit for a minute rather than growing the map).
const maxTrackedCallers = 10000

// Allow reports whether caller may have scope now, and if not, how long
// until the window ends.
func (l *ScopeLimiter) Allow(caller string, scope credcache.Key, now time.Time) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.callers == nil {
		l.callers = map[string]*scopeWindow{}
	}
	w := l.callers[caller]
	if w == nil || now.Sub(w.start) >= l.Window {
		if w == nil && len(l.callers) >= maxTrackedCallers {
			l.forget(now)
		}
		w = &scopeWindow{start: now, scopes: map[credcache.Key]bool{}}
		l.callers[caller] = w
	}
	if w.scopes[scope] {
		return true, 0
	}
	if len(w.scopes) >= l.Max {
		return false, w.start.Add(l.Window).Sub(now)
	}
	w.scopes[scope] = true
	return true, 0
}

func (l *ScopeLimiter) forget(now time.Time) {
	for c, w := range l.callers {
		if now.Sub(w.start) >= l.Window {
			delete(l.callers, c)
		}
	}
	if len(l.callers) >= maxTrackedCallers {
		clear(l.callers)
	}
}
