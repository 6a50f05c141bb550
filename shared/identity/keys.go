package identity

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
)

// DecodeKey reads a key as a variable holds it: a PEM block, the same with
// its line breaks written as \n (where a platform's console keeps a value
// on one line), or the block's base64 body alone on one line. It returns
// the DER bytes.
func DecodeKey(text string) ([]byte, error) {
	text = strings.TrimSpace(text)
	if strings.HasPrefix(text, "-----BEGIN") {
		block, _ := pem.Decode([]byte(strings.ReplaceAll(text, `\n`, "\n")))
		if block == nil {
			return nil, errors.New("the key is not a complete PEM block")
		}
		return block.Bytes, nil
	}
	der, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(text), ""))
	if err != nil || len(der) == 0 {
		return nil, errors.New("the key is neither PEM nor base64 DER")
	}
	return der, nil
}

// ParsePublicKey reads a PKIX public key (DecodeKey's forms) that can
// verify tokens: RSA of at least 2048 bits (RS256) or P-256 (ES256).
func ParsePublicKey(text string) (crypto.PublicKey, error) {
	der, err := DecodeKey(text)
	if err != nil {
		return nil, err
	}
	key, err := x509.ParsePKIXPublicKey(der)
	if err != nil {
		return nil, errors.New("the key is not a PKIX public key")
	}
	switch k := key.(type) {
	case *rsa.PublicKey:
		if k.N.BitLen() < 2048 {
			return nil, errors.New("an RSA key must be at least 2048 bits")
		}
	case *ecdsa.PublicKey:
		if k.Curve.Params().Name != "P-256" {
			return nil, errors.New("an EC key must be on P-256 (ES256)")
		}
	default:
		return nil, fmt.Errorf("a %T cannot verify tokens here (RSA or P-256)", key)
	}
	return key, nil
}
