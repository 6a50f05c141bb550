// Package objkeytest holds the inputs every handler that takes a key or a
// prefix from a caller must refuse, so that each tests the same table.
package objkeytest

// Bad is a key or prefix text a caller may not name, and the objkey code
// refusing it.
type Bad struct {
	Name, Text, Code string
}

// BadLiterals are refused as an upload key (objkey.ValidateKey), as an
// exact /sts scope and, followed by '*', as a scope prefix
// (objkey.ValidatePrefix). Each lies under uploads/u1/, so a caller
// whose prefix that is sees the key rule, not a prefix check, refuse it.
var BadLiterals = []Bad{
	{"CAM policy variable", "uploads/u1/${uin}/a.jpg", "KeyVariable"},
	{"COS form variable", "uploads/u1/${filename}.jpg", "KeyVariable"},
	{"variable without a closing brace", "uploads/u1/${.jpg", "KeyVariable"},
	{"star inside", "uploads/u1/*/a.jpg", "KeyWildcard"},
	{"star in a name", "uploads/u1/a*.jpg", "KeyWildcard"},
	{"question mark", "uploads/u1/?.jpg", "KeyWildcard"},
	{"question mark in a name", "uploads/u1/a?b.jpg", "KeyWildcard"},
	{"dot segment", "uploads/u1/../u2/a.jpg", "KeyDotSegment"},
	{"control character", "uploads/u1/a\x1b.jpg", "KeyControlChar"},
}
