package e2e_test

import "testing"

// TestEmulatorBasics: cos-nodejs-sdk-v5 against the COS emulator, for the
// behaviours README's emulator section lists: chunked streams, the default
// Content-Type, virtual-hosted addressing and NoSuchBucket for any other
// bucket, keys kept by their names, x-cos-traffic-limit with pause and
// resume (../jsclients/emulator/basics.js).
func TestEmulatorBasics(t *testing.T) {
	e := runEmulatorJS(t, "basics",
		"basics putObject of a stream without ContentLength (chunked)",
		"basics an upload without Content-Type reads back as text/plain",
		"basics headBucket virtual-hosted", "basics putObject virtual-hosted",
		"basics headBucket of another bucket is 404",
		"basics deleteObject in another bucket is NoSuchBucket",
		"basics putObject in another bucket is NoSuchBucket",
		"basics a key with .. and // is stored by its name",
		"basics a key beginning with / is InvalidObjectName",
		"basics the SDK refuses a GET whose key resolves to /",
		"basics getObject with x-cos-traffic-limit is paced",
		"basics a traffic limit under 819200 is InvalidArgument",
		"basics uploadFile paused and resumed under a traffic limit",
	)
	if !e.Store.Exists("basics/a/.././/b") || e.Store.Exists("basics/b") {
		t.Error("the key with .. and // was not stored by its literal name")
	}
	if e.Store.Exists("basics/elsewhere.txt") {
		t.Error("a PUT for another bucket reached the emulated one")
	}
}
