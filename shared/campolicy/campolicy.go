// Package campolicy builds the CAM policy a COS temporary key carries:
// exactly the actions granted, on exactly the keys or prefixes granted,
// with upload conditions when configured. It never grants name/cos:*, and
// never an empty or bucket-wide resource unless the deployer allows it.
package campolicy

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"cosgate/shared/objkey"
)

// Actions a temporary key may be granted, by statement group. Conditions
// on size and type only bind whole-object uploads, so multipart actions
// stay apart from them.
type group struct {
	name    string
	actions []string
}

var groups = []group{
	{"upload", []string{"name/cos:PutObject", "name/cos:PostObject"}},
	{"multipart", []string{"name/cos:InitiateMultipartUpload", "name/cos:ListMultipartUploads", "name/cos:ListParts",
		"name/cos:UploadPart", "name/cos:CompleteMultipartUpload", "name/cos:AbortMultipartUpload"}},
	{"read", []string{"name/cos:GetObject", "name/cos:HeadObject", "name/cos:OptionsObject"}},
	{"delete", []string{"name/cos:DeleteObject"}},
}

func groupOf(action string) int {
	for i, g := range groups {
		if slices.Contains(g.actions, action) {
			return i
		}
	}
	return -1
}

// ExpandActions reads STS_ALLOW_ACTIONS: each entry is a group's name
// (upload, multipart, read, delete), standing for all its actions, or one
// object action. The result keeps the first-seen order, each action once.
func ExpandActions(entries []string) ([]string, error) {
	var out []string
	add := func(a string) {
		if !slices.Contains(out, a) {
			out = append(out, a)
		}
	}
	for i, e := range entries {
		if gi := slices.IndexFunc(groups, func(g group) bool { return g.name == e }); gi >= 0 {
			for _, a := range groups[gi].actions {
				add(a)
			}
			continue
		}
		if groupOf(e) < 0 {
			return nil, fmt.Errorf("entry %d is neither a group (upload, multipart, read, delete) nor an object action "+
				"such as name/cos:PutObject; wildcards are never granted", i+1)
		}
		add(e)
	}
	return out, nil
}

// ValidateActions accepts only the named object actions above: no
// wildcards, no bucket or service actions.
func ValidateActions(actions []string) error {
	for i, a := range actions {
		if groupOf(a) < 0 {
			return fmt.Errorf("entry %d cannot be granted; use object actions such as name/cos:PutObject, never a wildcard", i+1)
		}
	}
	return nil
}

// HasMultipart reports whether any action is a multipart one.
func HasMultipart(actions []string) bool {
	for _, a := range actions {
		if groupOf(a) == 1 {
			return true
		}
	}
	return false
}

// Uploads reports whether an action writes objects: the upload and
// multipart groups.
func Uploads(action string) bool {
	g := groupOf(action)
	return g == 0 || g == 1
}

// Bucket names the bucket the policy is about.
type Bucket struct {
	Region string // ap-guangzhou
	Name   string // examplebucket-1250000000
	AppID  string // 1250000000
	// AllowBucketWide lets a grant cover the whole bucket ("" or "*"). Only
	// a deployer sets it, on purpose.
	AllowBucketWide bool
}

// Resource is the modern CAM resource string for an object pattern.
func (b Bucket) Resource(pattern string) string {
	return "qcs::cos:" + b.Region + ":uid/" + b.AppID + ":" + b.Name + "/" + pattern
}

// Conditions bind whole-object uploads (PutObject, PostObject).
type Conditions struct {
	MaxBytes        int64  // numeric_less_than_equal cos:content-length
	ContentType     string // string_equal cos:content-type
	ForbidOverwrite bool   // string_equal cos:x-cos-forbid-overwrite "true"
	// RequirePrivate demands x-cos-acl: private on every upload (the form
	// field acl for POST), where otherwise an absent x-cos-acl is allowed
	// and the object inherits the bucket's ACL.
	RequirePrivate bool
}

// GrantKeys are the condition keys of the x-cos-grant-* headers (and POST
// form fields) that give other accounts, or everyone, rights on an object.
// COS's condition-key pages list cos:x-cos-acl but not these: that COS
// evaluates them is unverified (README, "What is not verified").
var GrantKeys = []string{
	"cos:x-cos-grant-read", "cos:x-cos-grant-read-acp", "cos:x-cos-grant-write-acp", "cos:x-cos-grant-full-control",
}

// Grant is one action on one pattern: an exact key, or a prefix ending in
// "*". A '*' anywhere else is refused: in a CAM resource it is a wildcard.
type Grant struct {
	Action  string `json:"action"`
	Pattern string `json:"prefix"`
}

// Policy is a CAM policy document.
type Policy struct {
	Version   string      `json:"version"`
	Statement []Statement `json:"statement"`
}

// Statement is one allow or deny statement.
type Statement struct {
	Effect    string                    `json:"effect"`
	Action    []string                  `json:"action"`
	Resource  []string                  `json:"resource"`
	Condition map[string]map[string]any `json:"condition,omitempty"`
}

// JSON renders the policy compactly and deterministically (map keys sorted,
// no HTML escaping): the bytes STS receives, and the cache's key.
func (p Policy) JSON() []byte {
	var b bytes.Buffer
	e := json.NewEncoder(&b)
	e.SetEscapeHTML(false)
	if err := e.Encode(p); err != nil {
		panic(err) // only strings, numbers and maps of them
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}

// CheckPattern accepts an exact key or a key prefix followed by one '*'.
func (b Bucket) CheckPattern(p string) error {
	lit, wild := strings.CutSuffix(p, "*")
	if strings.Contains(lit, "*") {
		return errors.New("'*' may only end a prefix")
	}
	if lit == "" {
		if b.AllowBucketWide {
			return nil
		}
		return errors.New("covers the whole bucket, which needs STS_ALLOW_BUCKET_WIDE=true")
	}
	// A prefix is checked as a key would be (a trailing '/' is fine).
	probe := lit
	if wild || strings.HasSuffix(lit, "/") {
		probe += "x"
	}
	if err := objkey.Validate(probe); err != nil {
		return err
	}
	return nil
}

// Build turns grants into a policy. Each statement carries actions of one
// group that share exactly the same patterns, so merging never grants an
// action on a pattern it was not granted for.
func Build(b Bucket, grants []Grant, c Conditions) (Policy, error) {
	if len(grants) == 0 {
		return Policy{}, fmt.Errorf("nothing to grant")
	}
	patterns := map[string][]string{} // action -> sorted patterns
	for _, g := range grants {
		if groupOf(g.Action) < 0 {
			return Policy{}, ValidateActions([]string{g.Action})
		}
		if err := b.CheckPattern(g.Pattern); err != nil {
			return Policy{}, err
		}
		if !slices.Contains(patterns[g.Action], g.Pattern) {
			patterns[g.Action] = append(patterns[g.Action], g.Pattern)
		}
	}
	for _, pats := range patterns { // sorted up front, so equal sets compare equal
		slices.Sort(pats)
	}
	p := Policy{Version: "2.0"}
	for gi, grp := range groups {
		var done []string
		for _, a := range grp.actions {
			if patterns[a] == nil || slices.Contains(done, a) {
				continue
			}
			st := Statement{Effect: "allow"}
			for _, other := range grp.actions { // same patterns: one statement
				if slices.Equal(patterns[other], patterns[a]) && !slices.Contains(done, other) {
					st.Action = append(st.Action, other)
					done = append(done, other)
				}
			}
			for _, pat := range patterns[a] {
				st.Resource = append(st.Resource, b.Resource(pat))
			}
			st.Condition = conditions(gi, c)
			p.Statement = append(p.Statement, st)
		}
	}
	// One deny per grant header (a statement's conditions are all required,
	// so one statement with four keys would deny only all four together),
	// on the actions that create objects, where they are granted.
	var creating, resources []string
	for _, a := range creatingActions {
		if patterns[a] != nil {
			creating = append(creating, a)
			for _, pat := range patterns[a] {
				if r := b.Resource(pat); !slices.Contains(resources, r) {
					resources = append(resources, r)
				}
			}
		}
	}
	slices.Sort(resources)
	for _, k := range GrantKeys {
		if len(creating) == 0 {
			break
		}
		p.Statement = append(p.Statement, Statement{
			Effect:    "deny",
			Action:    creating,
			Resource:  resources,
			Condition: map[string]map[string]any{"string_like": {k: "*"}},
		})
	}
	return p, nil
}

// creatingActions write a new object, and with it the object's ACL.
var creatingActions = []string{"name/cos:PutObject", "name/cos:PostObject", "name/cos:InitiateMultipartUpload"}

// conditions for a statement group: uploads get the configured caps, and
// every write refuses an ACL other than private, so a key holder cannot
// publish what they upload (x-cos-acl: public-read).
func conditions(group int, c Conditions) map[string]map[string]any {
	if group > 1 {
		return nil
	}
	m := map[string]map[string]any{"string_equal_if_exist": {"cos:x-cos-acl": "private"}}
	eq := map[string]any{}
	if c.RequirePrivate {
		delete(m, "string_equal_if_exist")
		eq["cos:x-cos-acl"] = "private"
	}
	if group == 0 {
		if c.MaxBytes > 0 {
			m["numeric_less_than_equal"] = map[string]any{"cos:content-length": c.MaxBytes}
		}
		if c.ContentType != "" {
			eq["cos:content-type"] = c.ContentType
		}
		if c.ForbidOverwrite {
			eq["cos:x-cos-forbid-overwrite"] = "true"
		}
	}
	if len(eq) > 0 {
		m["string_equal"] = eq
	}
	return m
}

// Covers reports whether pattern allowed covers pattern requested: an
// exact key covers only itself; "p*" covers every key and prefix starting
// with p.
func Covers(allowed, requested string) bool {
	lit, wild := strings.CutSuffix(allowed, "*")
	if !wild {
		return requested == allowed
	}
	return strings.HasPrefix(strings.TrimSuffix(requested, "*"), lit)
}

// Narrow checks that every requested grant falls within an allowed one: the
// same action, on a pattern the allowed pattern covers.
func Narrow(b Bucket, allowed, requested []Grant) error {
	for _, r := range requested {
		if err := b.CheckPattern(r.Pattern); err != nil {
			return err
		}
		ok := false
		for _, a := range allowed {
			if a.Action == r.Action && Covers(a.Pattern, r.Pattern) {
				ok = true
				break
			}
		}
		if !ok {
			return fmt.Errorf("%s on %.80q is not within what you may be granted", r.Action, r.Pattern)
		}
	}
	return nil
}

// ReadActions are what a download URL needs: GET Object and HEAD Object.
// Nothing else: GET Object acl (name/cos:GetObjectACL), tagging and every
// other sub-resource of a key are separate actions, so a URL signed with a
// key holding only these cannot read them, whatever a holder appends.
var ReadActions = []string{"name/cos:GetObject", "name/cos:HeadObject"}

// ReadOnly is the policy of a key that signs downloads: ReadActions on the
// given prefixes (each becomes "<prefix>*"; a prefix that is a whole key
// is granted as it is when exact is set).
func ReadOnly(b Bucket, prefixes []string, exact bool) (Policy, error) {
	var grants []Grant
	for _, p := range prefixes {
		if !exact {
			p += "*"
		}
		for _, a := range ReadActions {
			grants = append(grants, Grant{Action: a, Pattern: p})
		}
	}
	return Build(b, grants, Conditions{})
}
