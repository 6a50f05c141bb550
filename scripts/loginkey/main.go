// Command loginkey makes the login function's key pair and prints it as
// shell exports: LOGIN_JWT_PRIVATE_KEY (for the login function only) and
// AUTH_JWT_PUBLIC_KEY (for every function). Each is the base64 DER on one
// line, so it survives consoles, SAM parameters and SCF variables that
// drop line breaks. A comment line gives the key's kid, the RFC 7638
// thumbprint the login function writes into each token's header, so that
// during a rotation one can tell which key signed a token.
//
//	go run ./scripts/loginkey > login-key.env   # make login-key
package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"io"
	"os"

	"cosgate/shared/identity"
)

func main() {
	if err := write(os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "loginkey:", err)
		os.Exit(1)
	}
}

// write prints a fresh pair.
func write(w io.Writer) error {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	private, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return err
	}
	public, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		return err
	}
	kid, err := identity.KeyID(&key.PublicKey)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "# ES256 pair for cosgate: keep the private key secret, give it to the login function only.\n"+
		"# kid: %s\n"+
		"# Rotating? Give the functions AUTH_JWT_PUBLIC_KEY='<this key>,<the old key>' until the old tokens expire (README).\n"+
		"export LOGIN_JWT_PRIVATE_KEY='%s'\nexport AUTH_JWT_PUBLIC_KEY='%s'\n",
		kid, base64.StdEncoding.EncodeToString(private), base64.StdEncoding.EncodeToString(public))
	return err
}
