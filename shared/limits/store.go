// Package limits keeps what must hold across function instances: per-caller
// request rates, daily upload quotas, STS grants per hour, and revocation.
// Counting lives in a Store (in-process, or Redis shared by every
// instance); Guard applies the configured limits to a caller, with a
// timeout and a fail policy per kind of limit.
package limits

import (
	"context"
	"time"
)

// Counter is one limit to charge: N added to Key, provided the total stays
// at most Limit. For a sliding window, Prev is the previous window's key and
// Weight the share of it still inside the window; the total is then
// Key + Weight×Prev. Keys expire TTL after their last charge.
type Counter struct {
	Key, Prev string
	Weight    float64
	N, Limit  int64
	TTL       time.Duration
}

// Store counts and remembers. Charge is atomic across all its counters: it
// adds to every one or to none.
type Store interface {
	// Charge adds each counter's N when every total stays within its Limit.
	// denied is the index of the first counter that would not, or -1.
	Charge(ctx context.Context, counters []Counter) (denied int, err error)
	// Value reads a counter or a mark ("" when absent).
	Value(ctx context.Context, key string) (string, error)
	// Mark sets key to value, for ever; Unmark deletes it.
	Mark(ctx context.Context, key, value string) error
	Unmark(ctx context.Context, key string) error
	Close() error
}

// Key names: every key of one caller carries the uid as a Redis Cluster
// hash tag ({uid}), so a script over one caller's counters touches one slot.
// A uid never holds braces (identity.ValidateUID).
func counterKey(kind, uid string, window time.Time) string {
	return "cosgate:{" + uid + "}:" + kind + ":" + window.UTC().Format("20060102T150405")
}

// revocationKey holds a uid's revocation in one value, so a request reads
// it in one round trip: "revoked <unix>" while revoked, "restored <unix>"
// after, where <unix> is the second of the revocation.
func revocationKey(uid string) string { return "cosgate:{" + uid + "}:revocation" }
func deniedObjectKey(key string) string {
	return "cosgate:object-denied:" + key
}
