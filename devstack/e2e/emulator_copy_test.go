package e2e_test

import "testing"

// TestEmulatorCopy: cos-nodejs-sdk-v5's copies against the COS emulator
// (../jsclients/emulator/copy.js): putObjectCopy with Copy and Replaced,
// COS's refusals, sliceCopyFile through uploadPartCopy, and /sts keys,
// which copy within their own prefix and never another caller's object.
// The refused copies must have written nothing.
func TestEmulatorCopy(t *testing.T) {
	e := runEmulatorJS(t, "copy",
		"copy putObjectCopy with Copy keeps the source metadata",
		"copy the copy gets the bucket's ACL, not the source's",
		"copy putObjectCopy with Replaced takes the request metadata",
		"copy a missing source is 404 NoSuchKey and leaves the destination",
		"copy onto itself needs Replaced",
		"copy sliceCopyFile copies in parts with uploadPartCopy",
		"copy uploadPartCopy past the source is InvalidArgument",
		"copy /sts key copies within its own prefix",
		"copy /sts key cannot copy another caller's object into its prefix",
		"copy /sts key cannot copy into another caller's prefix",
		"copy /sts key uploadPartCopy of its own object",
		"copy /sts key uploadPartCopy of another caller's object is refused",
		"copy /sts key completes its copied parts",
	)
	for _, key := range []string{"uploads/u1/stolen.txt", "uploads/u2/planted.txt", "copy/ranged.bin"} {
		if e.Store.Exists(key) {
			t.Errorf("a refused copy wrote %s", key)
		}
	}
	for _, key := range []string{"copy/copied.bin", "copy/sliced.bin", "uploads/u1/own-copy.txt", "uploads/u1/parts.bin"} {
		if !e.Store.Exists(key) {
			t.Errorf("%s was not written: the checks above prove nothing", key)
		}
	}
}
