package e2e_test

import "testing"

// TestEmulatorList: cos-nodejs-sdk-v5's getBucket against the COS
// emulator's GET Bucket (List Objects): prefix, delimiter and common
// prefixes, paging by NextMarker, encoding-type=url, an invalid max-keys,
// and cos:GetBucket enforced on a /sts key (../jsclients/emulator/list.js).
func TestEmulatorList(t *testing.T) {
	e := runEmulatorJS(t, "list",
		"list setup: the root key puts objects under list/",
		"list getBucket of a prefix holding nothing is empty",
		"list getBucket with Prefix lists its keys in order",
		"list getBucket with Delimiter rolls keys into CommonPrefixes",
		"list getBucket pages by Marker and NextMarker",
		"list getBucket pages past a common prefix given as NextMarker",
		"list getBucket with EncodingType url encodes keys",
		"list getBucket with a negative MaxKeys is InvalidArgument",
		"list a /sts key without cos:GetBucket is AccessDenied",
	)
	// What the SDK listed is what the store holds.
	objs, err := e.Store.Keys("list/", "", 100)
	if err != nil || len(objs) != 6 || objs[5].Key != "list/enc/a b+c%d 腾讯.txt" {
		t.Errorf("the store holds %+v (%v), not the six objects listed", objs, err)
	}
}
