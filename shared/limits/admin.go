package limits

import (
	"context"
	"strconv"
	"strings"
	"time"
)

// RevokeUser refuses uid from now on, and for ever every token issued up to
// now: after RestoreUser, only a new sign-in is let back in.
func RevokeUser(ctx context.Context, s Store, uid string, now time.Time) error {
	return s.Mark(ctx, revocationKey(uid), "revoked "+strconv.FormatInt(now.Unix(), 10))
}

// RestoreUser lets uid back in, with tokens issued after the revocation.
func RestoreUser(ctx context.Context, s Store, uid string) error {
	v, err := s.Value(ctx, revocationKey(uid))
	if err != nil || v == "" {
		return err
	}
	return s.Mark(ctx, revocationKey(uid), "restored "+strconv.FormatInt(parseRevocation(v).since.Unix(), 10))
}

// revocation is a uid's revocation value, read.
type revocation struct {
	revoked bool
	since   time.Time // zero: never revoked
}

func parseRevocation(v string) revocation {
	state, unix, _ := strings.Cut(v, " ")
	t, err := strconv.ParseInt(unix, 10, 64)
	if err != nil {
		return revocation{revoked: state == "revoked"} // unreadable: a revocation still holds
	}
	return revocation{revoked: state == "revoked", since: time.Unix(t, 0)}
}

// RevokeObject puts an object key on the deny list /download checks.
func RevokeObject(ctx context.Context, s Store, key string, now time.Time) error {
	return s.Mark(ctx, deniedObjectKey(key), strconv.FormatInt(now.Unix(), 10))
}

// RestoreObject takes an object key off the deny list.
func RestoreObject(ctx context.Context, s Store, key string) error {
	return s.Unmark(ctx, deniedObjectKey(key))
}

// Usage is what a caller has used in the current windows, and whether and
// since when they are revoked.
type Usage struct {
	UID                string `json:"uid"`
	UploadsToday       int64  `json:"uploadsToday"`
	UploadBytesToday   int64  `json:"uploadBytesToday"`
	STSThisHour        int64  `json:"stsThisHour"`
	Revoked            bool   `json:"revoked"`
	TokensRefusedUntil string `json:"tokensRefusedUntil,omitempty"` // tokens issued up to then stay refused
}

// ReadUsage reads uid's counters for the windows now falls in.
func ReadUsage(ctx context.Context, s Store, uid string, now time.Time) (Usage, error) {
	u := Usage{UID: uid}
	day, hour := now.UTC().Truncate(24*time.Hour), now.Truncate(time.Hour)
	for key, dst := range map[string]*int64{
		counterKey("uploads", uid, day):      &u.UploadsToday,
		counterKey("upload-bytes", uid, day): &u.UploadBytesToday,
		counterKey("sts", uid, hour):         &u.STSThisHour,
	} {
		v, err := s.Value(ctx, key)
		if err != nil {
			return u, err
		}
		*dst, _ = strconv.ParseInt(v, 10, 64)
	}
	v, err := s.Value(ctx, revocationKey(uid))
	if err != nil {
		return u, err
	}
	st := parseRevocation(v)
	u.Revoked = st.revoked
	if !st.since.IsZero() {
		u.TokensRefusedUntil = st.since.UTC().Format(time.RFC3339)
	}
	return u, nil
}
