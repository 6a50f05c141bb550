package loginapi

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	"cosgate/shared/apierr"
	"cosgate/shared/identity"
)

// pseudonymContext separates this use of LOGIN_UID_SECRET from any other,
// and names the version of the derivation.
const pseudonymContext = "cosgate uid v1\x00"

// Pseudonym is the default uid for an openid: the first 16 bytes of
// HMAC-SHA256(secret, "cosgate uid v1" NUL openid), as 32 lowercase hex
// digits. It is stable for a given secret and reveals nothing of the
// openid to whoever sees a key, a log line or a URL.
func Pseudonym(secret []byte, openid string) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(pseudonymContext))
	m.Write([]byte(openid))
	return hex.EncodeToString(m.Sum(nil)[:16])
}

// UIDRule is how a Session becomes a uid (LOGIN_UID).
type UIDRule struct {
	Mode   string // pseudonym, openid or unionid
	Secret []byte // keys the pseudonym
}

// UID derives the caller's uid. fallback reports that unionid mode used
// the pseudonym because WeChat sent no unionid.
func (r UIDRule) UID(s Session) (uid string, fallback bool, err error) {
	switch {
	case r.Mode == "openid":
		uid = s.OpenID
	case r.Mode == "unionid" && s.UnionID != "":
		uid = s.UnionID
	default:
		return Pseudonym(r.Secret, s.OpenID), r.Mode == "unionid", nil
	}
	// WeChat's ids fit the uid rules (letters, digits, - and _); one that
	// does not must not reach a key or a policy.
	if err := identity.ValidateUID(uid); err != nil {
		return "", false, apierr.Wrap(apierr.UpstreamError, fmt.Errorf("%s: %w", r.Mode, err),
			"WeChat answered with an id cosgate cannot use as a uid")
	}
	return uid, false, nil
}
