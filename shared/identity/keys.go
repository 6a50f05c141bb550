package identity

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/hmac"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"strings"

	"cosgate/shared/config"
)

// DecodeKey reads a key as a variable holds it: a PEM block, the same with
// its line breaks written as \n (where a platform's console keeps a value
// on one line), or the block's base64 body alone on one line. It returns
// the DER bytes.
func DecodeKey(text string) ([]byte, error) {
	text = strings.TrimSpace(text)
	if strings.HasPrefix(text, "-----BEGIN") {
		block, _ := pem.Decode([]byte(unescapePEM(text)))
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

func unescapePEM(text string) string { return strings.ReplaceAll(text, `\n`, "\n") }

// DecodeKeys reads a list of keys, such as AUTH_JWT_PUBLIC_KEY holds during
// a rotation: entries separated by commas, each in a form DecodeKey reads,
// and an entry in PEM may hold several blocks one after another (two .pem
// files concatenated). A comma is in neither the base64 nor the PEM
// alphabet, so a single key reads exactly as DecodeKey reads it; whitespace
// could not separate keys, since DecodeKey already accepts base64 wrapped
// over lines. Empty entries are ignored, as in every cosgate list.
func DecodeKeys(text string) ([][]byte, error) {
	var out [][]byte
	for _, entry := range strings.Split(text, ",") {
		entry = strings.TrimSpace(entry)
		switch {
		case entry == "":
			continue
		case strings.HasPrefix(entry, "-----BEGIN"):
			ders, err := decodePEMBlocks(entry)
			out = append(out, ders...)
			if err != nil {
				return nil, numbered(len(out)+1, err)
			}
		default:
			der, err := DecodeKey(entry)
			if err != nil {
				return nil, numbered(len(out)+1, err)
			}
			out = append(out, der)
		}
	}
	if len(out) == 0 {
		return nil, errors.New("no key is set")
	}
	return out, nil
}

// decodePEMBlocks reads one or more PEM blocks; on error, the blocks before
// the bad one. Text after the last block is refused rather than ignored: in
// a list it is most likely a mangled key, and a key silently dropped during
// a rotation signs everyone out.
func decodePEMBlocks(text string) ([][]byte, error) {
	rest := []byte(unescapePEM(text))
	var out [][]byte
	for len(strings.TrimSpace(string(rest))) > 0 {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			return out, errors.New("the key is not a complete PEM block")
		}
		out = append(out, block.Bytes)
	}
	return out, nil
}

func numbered(n int, err error) error { return fmt.Errorf("key %d: %w", n, err) }

// ParsePublicKey reads a PKIX public key (DecodeKey's forms) that can
// verify tokens: RSA of at least 2048 bits (RS256) or P-256 (ES256).
func ParsePublicKey(text string) (crypto.PublicKey, error) {
	der, err := DecodeKey(text)
	if err != nil {
		return nil, err
	}
	return parsePKIX(der)
}

// ParsePublicKeys reads DecodeKeys' list of public keys, each as
// ParsePublicKey would, at most config.MaxJWTKeys of them and none twice.
func ParsePublicKeys(text string) ([]crypto.PublicKey, error) {
	ders, err := DecodeKeys(text)
	if err != nil {
		return nil, err
	}
	if len(ders) > config.MaxJWTKeys {
		return nil, fmt.Errorf("holds %d keys; at most %d (a rotation needs two)", len(ders), config.MaxJWTKeys)
	}
	keys := make([]crypto.PublicKey, 0, len(ders))
	seen := map[string]bool{}
	for i, der := range ders {
		key, err := parsePKIX(der)
		if err != nil {
			return nil, numbered(i+1, err)
		}
		kid, _ := KeyID(key) // parsePKIX admits only keys KeyID knows
		if seen[kid] {
			return nil, numbered(i+1, errors.New("the same key is listed twice"))
		}
		seen[kid] = true
		keys = append(keys, key)
	}
	return keys, nil
}

func parsePKIX(der []byte) (crypto.PublicKey, error) {
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

// KeyID is a public key's kid: its RFC 7638 JWK thumbprint, the base64url
// SHA-256 of the canonical JWK (the required members in lexical order, no
// whitespace). It is derived from the key alone, so the login function and
// every verifier agree on it with nothing to configure, and any JOSE
// library can compute it.
func KeyID(key crypto.PublicKey) (string, error) {
	var jwk string
	switch k := key.(type) {
	case *ecdsa.PublicKey:
		point, err := k.Bytes() // 0x04 || X || Y, each coordinate full width
		if err != nil || k.Curve.Params().Name != "P-256" {
			return "", errors.New("only P-256 EC keys have a kid here")
		}
		x, y := point[1:33], point[33:]
		jwk = `{"crv":"P-256","kty":"EC","x":"` + b64(x) + `","y":"` + b64(y) + `"}`
	case *rsa.PublicKey:
		e := big.NewInt(int64(k.E)).Bytes()
		jwk = `{"e":"` + b64(e) + `","kty":"RSA","n":"` + b64(k.N.Bytes()) + `"}`
	default:
		return "", fmt.Errorf("a %T has no kid here", key)
	}
	sum := sha256.Sum256([]byte(jwk))
	return b64(sum[:]), nil
}

// secretKIDLabel separates the HS256 kid from any other use of the secret.
const secretKIDLabel = "cosgate jwt kid v1"

// SecretKeyID is an HS256 secret's kid: HMAC-SHA256 keyed with the secret
// over a fixed label, first 12 bytes, base64url (16 characters). HMAC is a
// pseudorandom function of its key, so the kid says nothing about the
// secret beyond what every token's own HMAC already does, and it is derived
// like KeyID: the same secret has the same kid everywhere, and there is no
// name to configure (secrets may hold any character, so "name:secret"
// pairs would not parse unambiguously).
func SecretKeyID(secret []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(secretKIDLabel))
	return b64(m.Sum(nil)[:12])
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }
