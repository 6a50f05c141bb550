// Package limits keeps what must hold across function instances: per-caller
// request rates, daily upload quotas, STS grants per hour, and revocation.
// Counting lives in a Store (in-process, or Redis shared by every
// instance); Guard applies the configured limits to a caller, with a
// timeout and a fail policy per kind of limit.
package limits

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
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
//
// Error contract. A refusal is never an error: Charge reports a counter
// over its limit by its index, and Value reports an absent key as "" with
// a nil error. A non-nil error means only that the store did not answer:
// it was unreachable, timed out, was closed, or replied with an error
// (for Redis, a redis.Error). Errors are plain Go errors, not apierr
// errors; the caller decides what a silent store means for the request
// (Guard applies the fail policy of the limit's Kind: a 503
// apierr.UpstreamUnavailable, or the request let through with a warning).
// Every method honours ctx: when ctx is done before the store has
// answered, the error satisfies errors.Is(err, ctx.Err()), so a caller can
// tell its own deadline from a failing store. A call made with a done ctx
// changes nothing. After an error, a caller must not assume that nothing
// changed: a Charge whose reply was lost may have been applied, so it is
// not retried (a retry could charge twice; failing is the fail policy's
// business). No method may be called after Close.
//
// Every implementation runs the one conformance suite,
// TestStoreConformance in limits_test.go.
type Store interface {
	// Charge adds each counter's N when every total stays within its Limit.
	// denied is the index of the first counter that would not, or -1 when
	// all were charged (and -1 for no counters). With a non-nil err, denied
	// means nothing.
	Charge(ctx context.Context, counters []Counter) (denied int, err error)
	// Value reads a counter or a mark: "" and a nil error when absent or
	// expired.
	Value(ctx context.Context, key string) (string, error)
	// Mark sets key to value, for ever; Unmark deletes it (deleting an
	// absent key is no error).
	Mark(ctx context.Context, key, value string) error
	Unmark(ctx context.Context, key string) error
	// Close releases the store's connections; its error is only worth a
	// log line.
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

// multipartKey records that uid initiated a multipart upload of the object
// key (Guard.Initiate); multipartBytesKey is the running total of the part
// sizes signed for one upload of it. The object key is hashed (sha256,
// first 32 hex digits: 128 bits): an object key runs to 850 bytes of any
// characters, and the hash keeps Redis keys short and their ':' fields
// unambiguous. The uploadId goes in as is: Guard has checked it is
// [A-Za-z0-9._~-], at most 256 bytes.
func multipartKey(uid, key string) string {
	return "cosgate:{" + uid + "}:mpu-init:" + objectHash(key)
}

func multipartBytesKey(uid, key, uploadID string) string {
	return "cosgate:{" + uid + "}:mpu-bytes:" + objectHash(key) + ":" + uploadID
}

// multipartPartKey holds the size one part of an upload was first signed at.
func multipartPartKey(uid, key, uploadID string, part int) string {
	return multipartBytesKey(uid, key, uploadID) + ":" + strconv.Itoa(part)
}

func objectHash(key string) string {
	h := sha256.Sum256([]byte(key))
	return hex.EncodeToString(h[:16])
}

func deniedObjectKey(key string) string {
	return "cosgate:object-denied:" + key
}
