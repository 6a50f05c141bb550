package explain

import (
	"net/http"
	"strings"

	"cosgate/devstack/cam"
	"cosgate/devstack/trace"
)

// byDenial holds the cause and fix of each way a CAM grant refuses: the
// part of the grant that did not match, and for which kind of action. A
// fix for one is wrong for another (uploading under the granted prefix
// does not help a public-read ACL, nor a download), so each gets its own.
var byDenial = map[string]Advice{
	"deny": {
		Cause: "A deny statement of the key's grant refused it: cosgate's grants deny the x-cos-grant-* headers " +
			"(and grant-* form fields) on uploads, which would give other accounts rights on the object.",
		Fix: "Send no x-cos-grant-* header nor grant-* form field; share an object through /download instead.",
	},
	"condition acl": {
		Cause: "The upload asks for an ACL other than private (x-cos-acl, or the form field acl): cosgate's grants " +
			"allow only private objects, so a key holder cannot publish what they upload.",
		Fix: "Send no x-cos-acl, or x-cos-acl: private (the SDKs' ACL option): an object is made readable through " +
			"/download, not by a public-read ACL. A bucket meant to serve public files needs its own ACL, set in COS.",
	},
	"condition size": {
		Cause: "The upload is larger than the grant allows (its cos:content-length condition).",
		Fix:   "Upload a smaller file, or raise STS_CONDITION_MAX_BYTES.",
	},
	"condition type": {
		Cause: "The upload's Content-Type is not the one the grant requires (its cos:content-type condition).",
		Fix:   "Send the Content-Type the grant names, or change STS_CONDITION_CONTENT_TYPE.",
	},
	"condition overwrite": {
		Cause: "The grant requires x-cos-forbid-overwrite: true on uploads (STS_FORBID_OVERWRITE).",
		Fix:   "Send x-cos-forbid-overwrite: true with the upload (the form field of the same name for POST).",
	},
	"condition": {
		Cause: "A condition of the key's grant does not hold for this request.",
		Fix:   "Make the request meet the condition the statement names.",
	},
	"resource read": {
		Cause: "The key is outside the prefixes the grant allows reading.",
		Fix: "Read through /download, which signs a GET for keys under DOWNLOAD_ALLOW_PREFIXES (uploads/<uid>/ by " +
			"default); add the prefix there if such keys should be readable.",
	},
	"resource write": {
		Cause: "The key is outside the prefix the grant allows writing (the COS FAQ's allowPrefix mismatch).",
		Fix: "Upload under the prefix /sts granted (STS_ALLOW_PREFIX, uploads/<uid>/ by default), or let /presign " +
			"choose the key.",
	},
	"action read": {
		Cause: "The grant does not include this read action: /sts grants the groups in STS_ALLOW_ACTIONS " +
			"(upload and multipart by default), without read.",
		Fix: "Read through /download, or add read to STS_ALLOW_ACTIONS if clients should read with /sts keys.",
	},
	"action write": {
		Cause: "The grant does not include this action: /sts grants the groups or actions in STS_ALLOW_ACTIONS " +
			"(upload and multipart by default).",
		Fix: "Add the action, or its group (upload, multipart, delete), to STS_ALLOW_ACTIONS.",
	},
}

// conditionCase maps a CAM condition key to its entry in byDenial.
var conditionCase = map[string]string{
	"cos:x-cos-acl":              "condition acl",
	"cos:content-length":         "condition size",
	"cos:content-type":           "condition type",
	"cos:x-cos-forbid-overwrite": "condition overwrite",
}

// readActions only read an object.
var readActions = map[string]bool{"GetObject": true, "HeadObject": true, "OptionsObject": true}

// ForDenial names the cause and fix of a CAM refusal from what the
// emulator recorded: a matching deny, else the condition, the resource or
// the action an allow statement missed, in that order, since a statement
// that reached its conditions had the action and the key right.
func ForDenial(d trace.Denial) Advice {
	action := strings.TrimPrefix(d.Action, "name/cos:")
	side := "write"
	if readActions[action] {
		side = "read"
	}
	var a Advice
	switch m, part := deciding(d); part {
	case "deny":
		a = byDenial["deny"]
		a.Cause += " Here: " + m.Detail + "."
	case "condition":
		a = byDenial["condition"]
		if c, ok := conditionCase[conditionKey(m.Detail)]; ok {
			a = byDenial[c]
		}
		a.Cause += " Here: " + m.Detail + "."
	case "resource":
		a = byDenial["resource "+side]
		a.Cause += " Here: " + action + " on " + d.Key + ", allowed under " + orNone(strings.Join(d.Prefixes, ";")) + "."
	default:
		a = byDenial["action "+side]
		a.Cause += " Here: " + action + "."
	}
	a.Kind = trace.KindDenied
	return a
}

// deciding returns the miss that explains a denial and its part.
func deciding(d trace.Denial) (cam.Miss, string) {
	if d.Deny != nil {
		return *d.Deny, "deny"
	}
	for _, part := range []string{"condition", "resource"} {
		for _, m := range d.Misses {
			if m.Part == part {
				return m, part
			}
		}
	}
	return cam.Miss{}, "action"
}

// conditionKey reads the key out of cam's "condition <op> <key> <values>
// does not hold: …".
func conditionKey(detail string) string {
	f := strings.Fields(strings.TrimPrefix(detail, "condition "))
	if len(f) < 2 {
		return ""
	}
	return strings.ToLower(f[1])
}

// deniedRequest narrows COS's bare "Access Denied." by the request it
// answered, when the explainer has it: an x-cos-acl other than private on
// an upload is refused by every cosgate grant, and a read is refused to a
// key that /sts granted without read, or outside its prefixes. Anything
// else keeps the general advice, which lists the cases.
func deniedRequest(method string, h http.Header) (Advice, bool) {
	switch {
	case (method == http.MethodPut || method == http.MethodPost) &&
		h.Get("x-cos-acl") != "" && !strings.EqualFold(h.Get("x-cos-acl"), "private"):
		a := byDenial["condition acl"]
		a.Cause += " Here: x-cos-acl: " + h.Get("x-cos-acl") + "."
		a.Kind = trace.KindDenied
		return a, true
	case method == http.MethodGet || method == http.MethodHead:
		a := Advice{Kind: trace.KindDenied,
			Cause: "A read refused by the key's grant: the key is outside its read prefixes, or read is not " +
				"granted at all (/sts grants STS_ALLOW_ACTIONS, upload and multipart by default).",
			Fix: byDenial["resource read"].Fix}
		return a, true
	}
	return Advice{}, false
}
