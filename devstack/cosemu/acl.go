package cosemu

import (
	"encoding/xml"
	"net/http"
	"strings"
)

// Object ACLs, as COS documents them:
//
//   - x-cos-acl is private, public-read or default; default (or none)
//     inherits the bucket's ACL, which for the emulated bucket is private
//     (PUT Object acl, cloud.tencent.com/document/product/436/7748; POST
//     Object sends it as the form field acl, 436/14690).
//   - x-cos-grant-read, -read-acp, -write-acp and -full-control name
//     grantees as id="<uin>" (an account) or
//     uri="http://cam.qcloud.com/groups/global/AllUsers" (anyone), several
//     separated by commas (436/7748).
//   - An unsigned GET or HEAD reads an object that is public-read, or that
//     grants READ or FULL_CONTROL to AllUsers; any other unsigned request is
//     refused ("403 Error for COS Access", www.tencentcloud.com/document/
//     product/436/40105, item 3).
//   - The ACL is written with the object, by PUT Object acl (action
//     PutObjectACL) and read by GET Object acl (GetObjectACL).
//
// Guessed, and marked so in the README: an unknown x-cos-acl value or a
// malformed grantee answers 400 InvalidArgument; an upload's ACL headers
// are read as CAM condition keys cos:x-cos-acl and cos:x-cos-grant-*.

// ACL is an object's access control: a canned ACL and explicit grants.
type ACL struct {
	Canned string              `json:",omitempty"` // private, public-read or default ("" is default)
	Grants map[string][]string `json:",omitempty"` // permission -> grantees as sent
}

// allUsers is the grantee that means anyone.
const allUsers = `uri="http://cam.qcloud.com/groups/global/AllUsers"`

// grantHeaders maps each grant header to the permission it grants.
var grantHeaders = []struct{ header, permission string }{
	{"x-cos-grant-read", "READ"},
	{"x-cos-grant-read-acp", "READ_ACP"},
	{"x-cos-grant-write-acp", "WRITE_ACP"},
	{"x-cos-grant-full-control", "FULL_CONTROL"},
}

// parseACL reads x-cos-acl and the grant headers through get.
func parseACL(get func(string) string) (ACL, *apiError) {
	a := ACL{Canned: get("x-cos-acl")}
	switch a.Canned {
	case "", "default", "private", "public-read":
	default:
		return a, errInvalidArgument.with("Invalid x-cos-acl: an object's ACL is private, public-read or default.")
	}
	for _, g := range grantHeaders {
		v := get(g.header)
		if v == "" {
			continue
		}
		for grantee := range strings.SplitSeq(v, ",") {
			grantee = strings.TrimSpace(grantee)
			if !validGrantee(grantee) {
				return a, errInvalidArgument.with("Invalid " + g.header + `: grantees are id="<uin>" or uri="<group>".`)
			}
			if a.Grants == nil {
				a.Grants = map[string][]string{}
			}
			a.Grants[g.permission] = append(a.Grants[g.permission], grantee)
		}
	}
	return a, nil
}

func validGrantee(g string) bool {
	for _, prefix := range []string{`id="`, `uri="`} {
		if rest, ok := strings.CutPrefix(g, prefix); ok {
			return len(rest) > 1 && strings.HasSuffix(rest, `"`) && !strings.Contains(rest[:len(rest)-1], `"`)
		}
	}
	return false
}

// PublicRead reports whether anyone may read the object.
func (a ACL) PublicRead() bool {
	if a.Canned == "public-read" {
		return true
	}
	for _, perm := range []string{"READ", "FULL_CONTROL"} {
		for _, g := range a.Grants[perm] {
			if g == allUsers {
				return true
			}
		}
	}
	return false
}

// accessControlPolicy is GET Object acl's answer.
type accessControlPolicy struct {
	XMLName xml.Name `xml:"AccessControlPolicy"`
	Owner   struct {
		ID          string `xml:"ID"`
		DisplayName string `xml:"DisplayName"`
	} `xml:"Owner"`
	Grants []aclGrant `xml:"AccessControlList>Grant"`
}

type aclGrant struct {
	Grantee struct {
		ID  string `xml:"ID,omitempty"`
		URI string `xml:"URI,omitempty"`
	} `xml:"Grantee"`
	Permission string `xml:"Permission"`
}

// getObjectACL is GET Object acl: the owner's FULL_CONTROL, AllUsers READ
// for public-read, and the explicit grants.
func (s *Server) getObjectACL(w http.ResponseWriter, r *http.Request, rc *reqContext, p principal) {
	if e := s.authorize(p, "GetObjectACL", rc.key, values(r, rc, nil)); e != nil {
		writeError(w, r, rc, e)
		return
	}
	o, body, err := s.cfg.Store.Open(rc.key)
	if err != nil {
		writeError(w, r, rc, storeError(err))
		return
	}
	body.Close()
	owner := "qcs::cam::uin/" + s.appID + ":uin/" + s.appID
	var out accessControlPolicy
	out.Owner.ID, out.Owner.DisplayName = owner, s.appID
	add := func(id, uri, perm string) {
		var g aclGrant
		g.Grantee.ID, g.Grantee.URI, g.Permission = id, uri, perm
		out.Grants = append(out.Grants, g)
	}
	add(owner, "", "FULL_CONTROL")
	if o.ACL.Canned == "public-read" {
		add("", "http://cam.qcloud.com/groups/global/AllUsers", "READ")
	}
	for _, g := range grantHeaders {
		for _, grantee := range o.ACL.Grants[g.permission] {
			v := grantee[strings.IndexByte(grantee, '"')+1 : len(grantee)-1]
			if strings.HasPrefix(grantee, "uri=") {
				add("", v, g.permission)
			} else {
				add(v, "", g.permission)
			}
		}
	}
	writeXML(w, http.StatusOK, out)
}

// putObjectACL is PUT Object acl, with the ACL in headers (the XML body
// form is not emulated: 501).
func (s *Server) putObjectACL(w http.ResponseWriter, r *http.Request, rc *reqContext, p principal) {
	if r.ContentLength > 0 {
		drain(r)
		writeError(w, r, rc, errNotImplemented)
		return
	}
	if e := s.authorize(p, "PutObjectACL", rc.key, values(r, rc, nil)); e != nil {
		writeError(w, r, rc, e)
		return
	}
	acl, e := parseACL(r.Header.Get)
	if e != nil {
		writeError(w, r, rc, e)
		return
	}
	// The store writes objects whole: the ACL is changed by writing the same
	// bytes again under the new metadata, atomically as every write.
	o, body, err := s.cfg.Store.Open(rc.key)
	if err != nil {
		writeError(w, r, rc, storeError(err))
		return
	}
	defer body.Close()
	o.ACL = acl
	if _, err := s.cfg.Store.Put(o, body, nil, false); err != nil {
		writeError(w, r, rc, storeError(err))
		return
	}
	w.WriteHeader(http.StatusOK)
}
