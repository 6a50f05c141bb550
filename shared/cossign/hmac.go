package cossign

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/hex"
)

// hmacSHA1 is HMAC-SHA1 (RFC 2104) without heap allocation for what COS
// signing feeds it: keys of at most one block (a SecretKey, a 40-character
// SignKey) and short messages (a KeyTime, a StringToSign). crypto/hmac
// allocates six objects per call, which made up most of a pre-signed URL's
// cost. Anything longer goes through crypto/hmac.
func hmacSHA1(key, msg []byte) [sha1.Size]byte {
	const block = 64
	var buf [block + 160]byte
	if len(key) > block || len(msg) > len(buf)-block {
		return slowHMAC(bytes.Clone(key), bytes.Clone(msg))
	}
	for i := range block {
		buf[i] = 0x36 // ipad
	}
	for i, k := range key {
		buf[i] ^= k
	}
	copy(buf[block:], msg)
	inner := sha1.Sum(buf[:block+len(msg)])
	for i := range block {
		buf[i] ^= 0x36 ^ 0x5c // the key block, now XORed with opad
	}
	copy(buf[block:], inner[:])
	return sha1.Sum(buf[:block+sha1.Size])
}

// slowHMAC takes copies: handing the caller's slices to crypto/hmac would
// make them escape, and with them the stack buffers of the fast path.
func slowHMAC(key, msg []byte) [sha1.Size]byte {
	m := hmac.New(sha1.New, key)
	m.Write(msg)
	var out [sha1.Size]byte
	m.Sum(out[:0])
	return out
}

func hmacHex(dst *[40]byte, key, msg []byte) {
	sum := hmacSHA1(key, msg)
	hex.Encode(dst[:], sum[:])
}
