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
	"strings"
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

// GatedStore is a Store that also reads one key and charges counters in
// one atomic step, on one round trip to a shared store: Guard.Admit reads
// the caller's revocation and charges its rate together, and Guard.Part
// reads the upload's initiation record and charges its bytes together.
// Memory and Redis implement it, and TestStoreConformance runs it on both.
// It is a separate interface, not a method of Store, so that a Store
// written elsewhere (a test double) still serves: Guard then reads and
// charges in two calls, by the same Gate rule (Gate.Admits).
//
// ChargeIf reads gate.Key; when the value passes the gate it charges
// counters as Charge does (all or none), else it charges nothing. The
// read and the charge are one step: no write falls between them. Its
// error contract is Store's: a gate that does not pass and a counter over
// its limit are results, not errors; a non-nil error means only that the
// store did not answer, and then the Charged result means nothing and the
// charge may or may not have been applied (it is not retried); a done ctx
// gives errors.Is(err, ctx.Err()) and changes nothing.
type GatedStore interface {
	Store
	ChargeIf(ctx context.Context, gate Gate, counters []Counter) (Charged, error)
}

// Gate is ChargeIf's condition on the value of one key.
//
// With Present, the charge goes ahead when Key holds any value (a record,
// such as Initiate's). Otherwise the value is read as a revocation (what
// RevokeUser and RestoreUser write), and the charge goes ahead only when
// Key is absent, or holds exactly "restored <digits>" with <digits> a
// second before Issued (any digits when Issued is zero). Every value the
// gate passes is one the Guard's own verdict (revocationVerdict) admits,
// so a refused caller is never charged; for the values RevokeUser and
// RestoreUser write the two agree exactly. The Guard charges separately,
// on a second trip, for a value the gate does not read but the verdict
// admits (a malformed one, which no writer here makes).
type Gate struct {
	Key     string
	Present bool
	Issued  time.Time
}

// Admits is the gate's rule for a value read, present telling an absent
// key from one that holds "". Memory and Guard's two-call path use it; the
// Redis script is the same rule in Lua (checked against it by
// TestStoreConformance).
func (gt Gate) Admits(v string, present bool) bool {
	switch {
	case gt.Present:
		return present
	case !present:
		return true
	}
	digits, ok := strings.CutPrefix(v, "restored ")
	if !ok || digits == "" || strings.Trim(digits, "0123456789") != "" {
		return false
	}
	if gt.Issued.IsZero() {
		return true
	}
	// An overflow refuses, as Lua's double (far past any issue time) does.
	since, err := strconv.ParseInt(digits, 10, 64)
	return err == nil && since < gt.issuedCeil()
}

// issuedCeil is Issued rounded up to its second: a token is let in when
// issued after the revocation's second, and since < ceil(issued) says
// exactly that in whole seconds, which is what the Redis script compares.
func (gt Gate) issuedCeil() int64 {
	sec := gt.Issued.Unix()
	if gt.Issued.Nanosecond() > 0 {
		sec++
	}
	return sec
}

// Charged is what ChargeIf did.
type Charged struct {
	Value  string // gate.Key's value before the charge; "" when absent
	Passed bool   // the gate let the charge go ahead; false: nothing charged, Denied is -1
	Denied int    // as Charge's: the first counter over its limit, or -1
	// Held is, when Denied >= 0, what the refused counter's Key holds (0
	// when absent; the previous window is not in it): the figure its
	// refusal names, read in the same step.
	Held int64
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
