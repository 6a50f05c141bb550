package limits

import (
	"context"
	"errors"
	"fmt"
	"time"

	"cosgate/shared/apierr"
)

// Multipart uploads, for /sign, which signs each COS request it allows.
// COS checks each part (at most 5 GiB) but not the object's total, and a
// part is signed long after the upload began; so the Guard binds an upload
// to its caller, its key and a running total of the sizes signed for it:
//
//   - Initiate writes a record, "uid initiated an upload of key", that
//     lives for life (each Initiate of the key renews it);
//   - Part and Continues refuse an upload without that record, so /sign
//     signs nothing for an upload it did not start, whose size it never
//     bounded; Part adds the part's size to the upload's running total,
//     which may reach max (UPLOAD_MAX_BYTES), and to the daily byte quota.
//
// Binding by (uid, key, uploadId) is enough: COS binds an uploadId to its
// key (the same uploadId with another key is NoSuchUpload), and /sign
// refuses keys outside the caller's prefix, so another caller can neither
// sign for this key nor use this uploadId with a key of their own.
//
// Both are plain counters (Store.Charge with a TTL, Store.Value), so any
// Store serves; Part reads the record and charges in one step
// (GatedStore.ChargeIf, one round trip) where the store offers it. A caller without a uid is
// bound by address, as Upload counts it (see ByAddress): one whose address
// changes mid-upload starts again.
//
// What the total does not bound, by design:
//   - a part signed again (a retry, or a resume after a pause) counts
//     once, at the size it was first signed for; signing it again at
//     another size is refused, since only the first was counted;
//   - the total lives life after the upload's last signed part; an uploadId
//     reused later, after a new Initiate of the same key (one more upload
//     of the day), starts a new total. A COS lifecycle rule that aborts
//     incomplete multipart uploads after about life closes that gap; the
//     daily byte quota holds throughout.

// ErrNoStore is Initiate's, Part's and Continues' error for a nil Guard.
// It is not an apierr error: a nil Guard (no limits at all) can keep no
// records, and that is a wiring mistake, not the caller's; FromConfig
// always builds a Guard for the sign function.
var ErrNoStore = errors.New("limits: multipart uploads need a limits store (a nil Guard keeps no records)")

// maxUploadID bounds an uploadId; COS's are far shorter (about 60 bytes).
const maxUploadID = 256

// Initiate records that uid asked to start a multipart upload of key (a
// signature for InitiateMultipartUpload), for life, and charges one upload
// to the caller's daily count (LIMIT_UPLOADS_PER_DAY), in one Store.Charge:
// a day's uploads used up writes no record. The record is a counter with
// no ceiling that matters (the daily count bounds how often it is charged).
// A store that does not answer is the uploads fail policy's (closed by
// default: 503); with LIMITS_FAIL=uploads:open it passes, unrecorded, and
// the parts are then judged by the store once it answers.
func (g *Guard) Initiate(ctx context.Context, uid, key string, life time.Duration) error {
	if err := g.multipartUsable(life); err != nil {
		return err
	}
	uid = subject(ctx, uid)
	cs := []Counter{{Key: multipartKey(uid, key), N: 1, Limit: recordLimit, TTL: life}}
	day := g.Now().UTC().Truncate(24 * time.Hour)
	if n := g.Limits.UploadsPerDay; n > 0 {
		cs = append(cs, Counter{Key: counterKey("uploads", uid, day), N: 1, Limit: n, TTL: 25 * time.Hour})
	}
	denied, err := g.chargeAt(ctx, cs)
	switch {
	case err != nil:
		return g.unavailable(ctx, Uploads, err)
	case denied < 0:
		return nil
	}
	return quotaError(g, day, fmt.Sprintf("%d uploads a day", g.Limits.UploadsPerDay))
}

// recordLimit is the ceiling of an initiation record: never reached, and
// exact as a float64 (the Lua script compares in doubles).
const recordLimit = 1 << 52

// Part admits a signature for one part (UploadPart) of size bytes of the
// multipart upload uploadID of key by uid: refused (Forbidden) unless uid
// initiated an upload of key through Initiate within life (the record is
// read in the step that charges, which charges nothing without it), refused (TooLarge) when the running total of the sizes
// signed for this upload would pass max (the deployment's
// UPLOAD_MAX_BYTES), and refused (QuotaExceeded) when the caller's daily
// byte quota (LIMIT_UPLOAD_BYTES_PER_DAY) would. The total and the quota
// are charged in one Store.Charge: both or neither, so a refused part
// leaves both as they were. The total expires life after the last part.
//
// part is the part number: a part signed again at its first size (the SDKs
// re-sign a part they retry or resume) passes without counting again.
func (g *Guard) Part(ctx context.Context, uid, key, uploadID string, part int, size, max int64, life time.Duration) error {
	if err := g.multipartUsable(life); err != nil {
		return err
	}
	if max <= 0 {
		return fmt.Errorf("limits: the upload's max must be positive, not %d", max)
	}
	if err := checkUploadID(uploadID); err != nil {
		return err
	}
	if size < 0 {
		return apierr.New(apierr.InvalidRequest, "a part's size must not be negative")
	}
	uid = subject(ctx, uid)
	// The part's own counter admits its size once: charged again, it would
	// pass its limit (its size), and the charge is refused as a whole.
	seen := multipartPartKey(uid, key, uploadID, part)
	total := multipartBytesKey(uid, key, uploadID)
	cs := []Counter{{Key: seen, N: size, Limit: size, TTL: life}, {Key: total, N: size, Limit: max, TTL: life}}
	day := g.Now().UTC().Truncate(24 * time.Hour)
	if n := g.Limits.UploadBytesPerDay; n > 0 {
		cs = append(cs, Counter{Key: counterKey("upload-bytes", uid, day), N: size, Limit: n, TTL: 25 * time.Hour})
	}
	// One round trip: the record's read and the charge are one step, which
	// charges only when the record exists, and reads the refused counter
	// for the refusal's figures.
	r, err := g.chargeIf(ctx, Gate{Key: multipartKey(uid, key), Present: true}, cs)
	switch {
	case err != nil:
		return g.unavailable(ctx, Uploads, err)
	case !r.Passed:
		return notInitiated()
	case r.Denied < 0:
		return nil
	case r.Denied == 0:
		if r.Held == size {
			return nil // signed before at this size, and counted then
		}
		return apierr.New(apierr.InvalidRequest, "part %d of this upload was signed at %d bytes; "+
			"sign it again at that size, or start a new upload", part, r.Held)
	case r.Denied > 1:
		return quotaError(g, day, fmt.Sprintf("%d bytes of uploads a day", g.Limits.UploadBytesPerDay))
	}
	return apierr.New(apierr.TooLarge, "this upload's parts may total at most %d bytes (UPLOAD_MAX_BYTES); "+
		"%d bytes are left, and this part is %d bytes", max, max-min(r.Held, max), size)
}

// Continues admits a signature for ListParts, CompleteMultipartUpload or
// AbortMultipartUpload of uploadID: refused unless uid initiated an upload
// of key within life (the record Part reads). uploadID is checked but not
// looked up: COS ties it to key, and the record ties key to uid. life is
// unused beyond its check (the record's own TTL holds it); it is taken so
// that every call names the same life.
func (g *Guard) Continues(ctx context.Context, uid, key, uploadID string, life time.Duration) error {
	if err := g.multipartUsable(life); err != nil {
		return err
	}
	if err := checkUploadID(uploadID); err != nil {
		return err
	}
	_, err := g.initiated(ctx, subject(ctx, uid), key)
	return err
}

// initiated reads uid's record for key: true to go on. A store that does
// not answer is the uploads fail policy's: true (with a nil error) when
// that lets the request through.
func (g *Guard) initiated(ctx context.Context, uid, key string) (bool, error) {
	v, err := g.value(ctx, multipartKey(uid, key))
	switch {
	case err != nil:
		err = g.unavailable(ctx, Uploads, err)
		return err == nil, err
	case v == "":
		return false, notInitiated()
	}
	return true, nil
}

func notInitiated() error {
	return apierr.New(apierr.Forbidden, "no multipart upload of this key was started through /sign "+
		"(or it was too long ago): start the upload with a /sign'd InitiateMultipartUpload first")
}

func (g *Guard) multipartUsable(life time.Duration) error {
	if g == nil {
		return ErrNoStore
	}
	if life < time.Millisecond { // the store's TTLs are in milliseconds
		return fmt.Errorf("limits: a multipart upload's life must be at least 1ms, not %v", life)
	}
	return nil
}

// chargeAt is Store.Charge within the Guard's timeout, reporting which
// counter refused, for a caller whose refusals differ by counter.
func (g *Guard) chargeAt(ctx context.Context, cs []Counter) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, g.Timeout)
	defer cancel()
	return g.Store.Charge(ctx, cs)
}

// quotaError is the refusal of a daily quota, worded as Upload's.
func quotaError(g *Guard, day time.Time, what string) error {
	e := apierr.New(apierr.QuotaExceeded, "the quota of %s is used up; it resets at 00:00 UTC", what)
	e.RetryAfter = max(time.Second, day.Add(24*time.Hour).Sub(g.Now()))
	return e
}

// checkUploadID refuses, before the store is touched, an uploadId that is
// empty, longer than 256 bytes, or holds anything but [A-Za-z0-9._~-]:
// COS's are printable and URL-safe, and the id goes into a store key and a
// signed query string as is.
func checkUploadID(id string) error {
	if id == "" || len(id) > maxUploadID {
		return apierr.New(apierr.InvalidRequest, "uploadId must be 1 to %d characters", maxUploadID)
	}
	for i := range len(id) {
		c := id[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
			c == '.' || c == '_' || c == '~' || c == '-' {
			continue
		}
		return apierr.New(apierr.InvalidRequest, "uploadId may hold only letters, digits and . _ ~ -")
	}
	return nil
}
