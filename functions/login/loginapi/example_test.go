package loginapi_test

import (
	"fmt"
	"time"

	"cosgate/functions/login/loginapi"
)

// The default uid is a keyed pseudonym of the openid: the same openid and
// LOGIN_UID_SECRET always give the same uid, and the uid says nothing of
// the openid. The value is checked against Python's hmac module:
//
//	hmac.new(secret, b"cosgate uid v1\x00" + openid, hashlib.sha256).hexdigest()[:32]
func ExamplePseudonym() {
	secret := []byte("example-uid-secret-0123456789abcdef")
	fmt.Println(loginapi.Pseudonym(secret, "oMgHVjngRipVsoxg6TuX3vOx8m5M"))
	fmt.Println(len(loginapi.Pseudonym(secret, "another-openid")))
	// Output:
	// d37e0ac0af280b98e7ae76106a023e71
	// 32
}

// A Minter signs the tokens sts, presign and download accept.
func ExampleMinter_Mint() {
	m := loginapi.NewHS256([]byte("example-hs256-secret-0123456789abcdef"))
	m.TTL = 24 * time.Hour
	token, expires, _ := m.Mint("4e7d62b2a8fcd6c0bb0e4ebc46a7dd7c", time.Unix(1795353600, 0))
	fmt.Println(m.Algorithm(), expires.Unix(), len(token) > 0)
	// Output: HS256 1795440000 true
}
