// Package cossign implements Tencent COS request signatures (q-sign-algorithm=sha1):
// the Authorization string, pre-signed URLs, their verification, and POST Object
// policies.
//
// Every function is pure: the clock, the secret and the signing window are
// arguments, never read from the environment. The algorithm follows the COS
// "request signature" document; where the SDKs disagree, the behaviour of
// cos-go-sdk-v5 is the reference (it is what the tests compare against).
package cossign
