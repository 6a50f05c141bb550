// Package explain answers "why did COS answer 403?" offline: it decodes a
// signed URL or an Authorization value (the key, the bucket, the window,
// what is signed), judges the window against this machine's clock, reads
// COS's error XML and names the likely cause and fix, and, given the
// SecretKey, recomputes the signature and shows the first difference from
// what COS computed. It works on URLs signed for real COS as well as for
// the local emulator. The local console and `cosgate-dev explain` use it.
//
// Nothing it returns holds a secret: SecretIds are cut short, signatures
// and session tokens are never repeated, and the SecretKey is only used.
package explain

import (
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"cosgate/devstack/trace"
	"cosgate/shared/cossign"
	"cosgate/shared/cosverify"
)

// Input is what the explainer is given.
type Input struct {
	// Texts are one or two of: a signed URL, an Authorization value (with or
	// without "Authorization: "), COS's error XML. Any order.
	Texts []string
	// Method the URL is used with. When empty: as COS received it, when its
	// error XML shows its FormatString; else GET.
	Method string
	// URL is the request an Authorization value was sent with; a URL among
	// Texts serves too.
	URL string
	// Header holds the headers the request was sent with, besides Host:
	// needed to check a signature that covers them.
	Header http.Header
	// SecretKey, when set, lets the explainer recompute the signature. It
	// is only used, never repeated.
	SecretKey string
	// At is when the request reached COS, when known. The window is judged
	// at COS's own time in its error XML (ServerTime or Date) first, then at
	// At, and only then at Now, saying so.
	At  time.Time
	Now time.Time // this machine's clock
	// Minted, when set, is the request the function's answer told the
	// client to send: a difference from what COS received is then named as
	// the cause (request-changed), never a wrong key.
	Minted *Minted
}

// Verdict is the explainer's conclusion.
type Verdict string

const (
	Valid       Verdict = "valid"         // nothing wrong found
	Expired     Verdict = "expired"       // the window ended
	NotYetValid Verdict = "not-yet-valid" // the window starts later
	Mismatch    Verdict = "signature-mismatch"
	Changed     Verdict = "request-changed" // COS received another request than the one signed
	WrongKey    Verdict = "wrong-key"       // the request arrived as signed; another key signed it
	Unsigned    Verdict = "unsigned"
	Malformed   Verdict = "malformed"
	Refused     Verdict = "refused" // COS's error XML names a cause other than the signature
)

// Report is the explanation.
type Report struct {
	Verdict Verdict `json:"verdict"`
	Summary string  `json:"summary"`
	Advice  *Advice `json:"advice,omitempty"`
	// Facts are what was decoded, in reading order.
	Facts []Fact `json:"facts"`
	// Notes are further findings.
	Notes []string `json:"notes,omitempty"`
	// Diff is the first difference between what was signed and what COS
	// computed, when both are known.
	Diff *Diff `json:"diff,omitempty"`
	// Candidates are the possible causes of a signature mismatch the
	// explainer could not decide between, most likely first.
	Candidates []string `json:"candidates,omitempty"`
}

// Fact is one decoded value.
type Fact struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Diff is where two FormatStrings part.
type Diff struct {
	Part     string `json:"part"` // method, path, parameter <name>, header <name>
	Signed   string `json:"signed"`
	Received string `json:"received"`
	// Words says the difference as a sentence: "signed for PUT, sent as GET".
	Words string `json:"words,omitempty"`
}

// errorXML is COS's <Error> body.
type errorXML struct {
	Code, Message, Resource string
	RequestID               string `xml:"RequestId"`
	ServerTime              string
	Date                    string
	StringToSign            string
	FormatString            string
}

// Explain explains in. It fails only when no text can be read at all.
func Explain(in Input) (Report, error) {
	var rep Report
	var cosErr *errorXML
	var signed string // the URL or Authorization
	for _, t := range in.Texts {
		t = strings.TrimSpace(t)
		switch {
		case t == "":
		case strings.HasPrefix(t, "<"):
			var e errorXML
			if err := xml.Unmarshal([]byte(t), &e); err != nil || e.Code == "" {
				return Report{}, errors.New("the XML is not COS's <Error> answer")
			}
			cosErr = &e
		default:
			signed = t
		}
	}
	if cosErr == nil && signed == "" {
		return Report{}, errors.New("give a signed URL, an Authorization value or COS's error XML")
	}
	if signed == "" && in.Minted != nil {
		signed = in.Minted.URL
	}
	if cosErr != nil {
		rep.fromXML(cosErr, in.At)
	}
	if signed != "" {
		rep.fromSigned(signed, in, cosErr)
	}
	return rep, nil
}

func (rep *Report) fact(name, format string, args ...any) {
	rep.Facts = append(rep.Facts, Fact{name, fmt.Sprintf(format, args...)})
}

func (rep *Report) note(format string, args ...any) {
	rep.Notes = append(rep.Notes, fmt.Sprintf(format, args...))
}

// rank orders verdicts as COS orders its checks: a readable signature
// first, then the time, then the signature itself; a refusal for another
// cause (the grant, the request) outranks only "valid".
var rank = map[Verdict]int{
	"": 0, Valid: 1, Refused: 2, Mismatch: 3, Changed: 4, WrongKey: 4, Expired: 5, NotYetValid: 5,
	Unsigned: 6, Malformed: 6,
}

// set records a verdict unless one that ranks higher is already there; the
// same verdict found again replaces the summary with the later, more
// precise one.
func (rep *Report) set(v Verdict, summary string, advice *Advice) {
	if rank[v] < rank[rep.Verdict] || rank[v] == rank[rep.Verdict] && v != rep.Verdict {
		return
	}
	rep.Verdict, rep.Summary = v, summary
	if advice != nil {
		rep.Advice = advice
	}
}

func (rep *Report) fromXML(e *errorXML, at time.Time) {
	rep.fact("COS answered", "%s: %s", e.Code, e.Message)
	if e.Resource != "" {
		rep.fact("resource", "%s", e.Resource)
	}
	if e.RequestID != "" {
		rep.fact("request id", "%s", e.RequestID)
	}
	if st, ok := e.time(); ok {
		if at.IsZero() {
			rep.fact("server time", "%s (COS's clock when it answered)", st.UTC().Format(time.RFC3339))
		} else {
			rep.fact("server time", "%s (COS's clock when it answered; the request time given is %s)",
				st.UTC().Format(time.RFC3339), offset(at.Sub(st)))
		}
	}
	a, ok := ForCode(e.Code, e.Message)
	if !ok {
		a = Advice{Kind: trace.KindRequest, Cause: "An error code the explainer does not know.",
			Fix: "Read the Message; search the code in COS's error code list."}
	}
	v := Refused
	switch a.Kind {
	case trace.KindExpired:
		v = Expired
	case trace.KindMismatch:
		v = Mismatch
	case trace.KindMissing:
		v = Unsigned
	case trace.KindMalformed:
		v = Malformed
	}
	rep.set(v, e.Code+": "+a.Cause, &a)
	if e.StringToSign != "" {
		rep.fact("COS's StringToSign", "%q", e.StringToSign)
	}
	if e.FormatString != "" {
		rep.fact("COS's FormatString", "%q", trace.MaskTokens(e.FormatString))
	}
}

func offset(d time.Duration) string {
	d = d.Round(time.Second)
	switch {
	case d > 0:
		return "ahead by " + d.String()
	case d < 0:
		return "behind by " + (-d).String()
	}
	return "in step"
}

// request is a signed thing read back into what the verifier needs.
type request struct {
	in       cosverify.Incoming
	known    bool // method, path and host are known, so the signature can be checked
	bucket   string
	region   string
	key      string
	hasToken bool
	// methodFrom says where the method came from: "given", "cos" (COS's
	// FormatString) or "default" (GET, assumed).
	methodFrom string
	filled     []string // signed headers taken from COS's FormatString
}

// readSigned reads the signed text with the input's request; a method not
// given is taken from serverFS (COS's FormatString) when there is one.
func readSigned(text string, in Input, serverFS string) (request, error) {
	var r request
	method, from := strings.ToUpper(in.Method), "given"
	switch {
	case method != "":
	case formatLine(serverFS, 0) != "":
		method, from = strings.ToUpper(formatLine(serverFS, 0)), "cos"
	default:
		method, from = http.MethodGet, "default"
	}
	r.methodFrom = from
	header := in.Header.Clone()
	if header == nil {
		header = http.Header{}
	}
	raw := in.URL
	auth := ""
	if strings.HasPrefix(text, "http://") || strings.HasPrefix(text, "https://") {
		raw = text
	} else {
		auth = strings.TrimSpace(strings.TrimPrefix(strings.TrimPrefix(text, "Authorization:"), "authorization:"))
	}
	r.in = cosverify.Incoming{Method: method, Path: "/", Query: url.Values{}, Header: header, Authorization: auth}
	if raw != "" {
		u, err := url.Parse(raw)
		if err != nil {
			return r, fmt.Errorf("the URL cannot be parsed: %v", err)
		}
		q, err := cosverify.ParseQuery(u.RawQuery)
		if err != nil {
			return r, err
		}
		r.in.Path, r.in.Query, r.in.Host, r.known = u.Path, q, u.Host, true
		if r.in.Path == "" {
			r.in.Path = "/"
		}
		r.hasToken = q.Get(cossign.TokenParam) != ""
		r.bucket, r.region, r.key = locate(u)
	}
	r.hasToken = r.hasToken || header.Get(cossign.TokenParam) != ""
	return r, nil
}

// locate reads the bucket, region and key from a COS URL: virtual-hosted
// (<bucket>.cos.<region>.myqcloud.com/<key>) or path-style
// (/<bucket>/<key>, as the local emulator is addressed).
func locate(u *url.URL) (bucket, region, key string) {
	host := u.Hostname()
	key = strings.TrimPrefix(u.Path, "/")
	if name, rest, ok := strings.Cut(host, ".cos."); ok {
		region, _, _ = strings.Cut(rest, ".")
		return name, region, key
	}
	if first, rest, ok := strings.Cut(key, "/"); ok && looksLikeBucket(first) {
		return first, "", rest
	}
	return "", "", key
}

func looksLikeBucket(s string) bool {
	i := strings.LastIndexByte(s, '-')
	if i <= 0 || i == len(s)-1 {
		return false
	}
	for _, c := range s[i+1:] {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

func (rep *Report) fromSigned(text string, in Input, cosErr *errorXML) {
	var serverFS string
	if cosErr != nil {
		serverFS = cosErr.FormatString
	}
	r, err := readSigned(text, in, serverFS)
	if err != nil {
		rep.set(Malformed, err.Error(), nil)
		return
	}
	a, req, err := cosverify.Rebuild(r.in)
	var ve *cosverify.VerifyError
	if errors.As(err, &ve) && ve.Reason == cosverify.ReasonMissing {
		rep.set(Unsigned, "The URL carries no signature (no q-signature or sign= parameter).", nil)
		return
	}
	if a.Signature == "" { // unreadable before the request was rebuilt
		msg := "the signature cannot be read"
		if err != nil {
			msg = "The signature cannot be read: " + strings.TrimPrefix(err.Error(), "cossign: malformed: ")
		}
		k := byKind[trace.KindMalformed]
		k.Kind = trace.KindMalformed
		rep.set(Malformed, msg, &k)
		return
	}
	rep.describe(a, r)
	rep.judgeWindow(a, clockFor(in, cosErr), cosErr)
	if cosErr != nil && rep.Advice != nil && rep.Advice.Kind == trace.KindDenied && r.known {
		if d, ok := deniedRequest(r.in.Method, r.in.Header); ok {
			rep.Advice = &d
		}
	}
	if !r.known {
		rep.note("Give the URL the Authorization was sent to (-url) to check what it covers.")
		rep.set(Valid, uncheckedSummary, nil)
		return
	}
	if err != nil {
		// Headers the signature covers but the input does not give: take
		// COS's values when its FormatString shows them, else say what is
		// missing.
		missing := missingHeaders(a, r.in)
		if unknown := fillFrom(r.in.Header, missing, serverFS); len(unknown) > 0 {
			rep.note("The signature covers header %q: give its value (-H '%s: …') to check the signature.",
				unknown[0], unknown[0])
			rep.set(Valid, uncheckedSummary, nil)
			return
		}
		r.filled = missing
		if a, req, err = cosverify.Rebuild(r.in); err != nil {
			rep.set(Malformed, err.Error(), nil)
			return
		}
	}
	if r.methodFrom == "cos" {
		rep.note("The method was not given, so taken as COS received it: %s.", r.in.Method)
	}
	if len(r.filled) > 0 {
		rep.note("Signed but not given, so taken as COS received them: %s.", strings.Join(r.filled, ", "))
	}
	s := newSignedRequest(a, req, r, serverFS, in.SecretKey,
		cosErr != nil && kindOf(cosErr.Code, cosErr.Message) == trace.KindMismatch)
	if in.Minted != nil && rep.fromMint(*in.Minted, serverFS) {
		return
	}
	rep.judgeSignature(s)
}

// fromMint names the difference between what a function minted and what
// COS received; false when there is none to name.
func (rep *Report) fromMint(m Minted, serverFS string) bool {
	d := CompareMint(m, serverFS)
	if d == nil {
		if serverFS != "" {
			rep.note("COS received the request as the function minted it.")
		}
		return false
	}
	rep.Diff = d
	rep.set(Changed, "COS received another request than the function minted: "+d.Words+".",
		adviceFor(trace.KindMismatch))
	return true
}

const (
	validSummary     = "Nothing wrong found: the window is current and the signature reads correctly."
	uncheckedSummary = "The window is current; what the signature covers was not checked (see the notes)."
)

// changed reports a difference between the request given and the one COS
// received. proven says the signature was checked to cover the given one.
func (rep *Report) changed(d *Diff, proven bool) {
	d.Words = diffWords(d)
	rep.Diff = d
	if proven {
		rep.set(Changed, fmt.Sprintf("COS received another request than the one signed: the %s differs "+
			"(signed %q, received %q).", d.Part, d.Signed, d.Received), adviceFor(trace.KindMismatch))
		return
	}
	rep.set(Changed, fmt.Sprintf("COS received another request than the one given: the %s differs "+
		"(given %q, received %q). That is the likely cause; the SecretKey would prove the given one was signed.",
		d.Part, d.Signed, d.Received), adviceFor(trace.KindMismatch))
}

func adviceFor(kind string) *Advice {
	a := byKind[kind]
	a.Kind = kind
	return &a
}

// describe lists what the signature says about itself.
func (rep *Report) describe(a cossign.Authorization, r request) {
	rep.fact("SecretId", "%s", trace.ShortID(a.SecretID))
	if strings.HasPrefix(a.SecretID, "AKID") && r.hasToken {
		rep.fact("key kind", "temporary (carries x-cos-security-token)")
	}
	if r.bucket != "" {
		rep.fact("bucket", "%s", r.bucket)
	}
	if r.region != "" {
		rep.fact("region", "%s", r.region)
	}
	if r.known {
		rep.fact("key", "%s", r.key)
		rep.fact("method", "%s", r.in.Method)
	}
	rep.fact("sign time", "%s", window(a.SignTime))
	if a.KeyTime != a.SignTime {
		rep.fact("key time", "%s", window(a.KeyTime))
	}
	rep.fact("signed headers", "%s", orNone(a.HeaderList))
	rep.fact("signed parameters", "%s", orNone(a.ParamList))
	if !strings.Contains(";"+a.HeaderList+";", ";host;") {
		rep.note("host is not signed: the URL works through any host name that reaches the bucket.")
	}
}

func orNone(list string) string {
	if list == "" {
		return "(none)"
	}
	return strings.ReplaceAll(list, ";", ", ")
}

func window(w cossign.Window) string {
	s, e := time.Unix(w.Start, 0).UTC(), time.Unix(w.End, 0).UTC()
	return fmt.Sprintf("%s → %s (%s)", s.Format(time.RFC3339), e.Format(time.RFC3339), e.Sub(s))
}

// judgeWindow compares the window with this machine's clock (and with

// clock is the time a window is judged at, and whose it is.
type clock struct {
	at  time.Time
	src string // "cos", "request" or "machine"
}

// clockFor prefers COS's own time, in its error, to the request time given,
// and that to this machine's clock now: a window is judged when COS
// received the request, not when it is explained.
func clockFor(in Input, e *errorXML) clock {
	if e != nil {
		if t, ok := e.time(); ok {
			return clock{t, "cos"}
		}
	}
	if !in.At.IsZero() {
		return clock{in.At, "request"}
	}
	return clock{in.Now, "machine"}
}

// time reads COS's time from its error: ServerTime, or a Date.
func (e *errorXML) time() (time.Time, bool) {
	for _, s := range []string{e.ServerTime, e.Date} {
		s = strings.TrimSpace(s)
		if t, err := time.Parse(time.RFC3339, s); err == nil {
			return t, true
		}
		if t, err := http.ParseTime(s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// judgeWindow compares the window with the clock. COS checks the window
// before the signature and the grant, so an answer about either shows the
// window was current when COS received the request, whatever this
// machine's clock says now.
func (rep *Report) judgeWindow(a cossign.Authorization, c clock, cosErr *errorXML) {
	w := a.SignTime
	start, end := time.Unix(w.Start, 0), time.Unix(w.End, 0)
	n := c.at.Truncate(time.Second)
	if c.src == "machine" && cosErr != nil && afterTimeCheck(cosErr) && (n.After(end) || start.After(n)) {
		rep.note("By this machine's clock (%s) the window is not current now, but COS checks the window "+
			"before the signature and the grant: its %s shows the window was current when it received the request.",
			n.UTC().Format(time.RFC3339), cosErr.Code)
		return
	}
	switch {
	case n.After(end):
		rep.set(Expired, expiredSummary(n.Sub(end), end, c), adviceFor(trace.KindExpired))
	case start.After(n.Add(cosverify.MaxSkew)):
		rep.set(NotYetValid, fmt.Sprintf("The signature is not valid yet: it starts %s (at %s); COS "+
			"answers RequestTimeTooSkewed for a start more than %s ahead of its clock.",
			startsIn(start.Sub(n), c), start.UTC().Format(time.RFC3339), cosverify.MaxSkew), adviceFor(trace.KindSkewed))
	case start.After(n):
		rep.note("The window starts %s; COS accepts a start up to %s ahead of its clock.", startsIn(start.Sub(n), c),
			cosverify.MaxSkew)
		fallthrough
	case c.src == "machine":
		rep.note("The window is current: %s left.", end.Sub(n))
	default:
		rep.note("The window was current at %s, with %s left.", clockName(c), end.Sub(n))
	}
	if c.src == "machine" {
		rep.note("Judged by this machine's clock now: neither COS's time (its error XML's ServerTime) nor the " +
			"request time (-at) was given.")
	}
}

func expiredSummary(late time.Duration, end time.Time, c clock) string {
	e := end.UTC().Format(time.RFC3339)
	switch c.src {
	case "cos":
		return fmt.Sprintf("The signature had expired %s before COS answered (at %s; COS's ServerTime: %s).", late, e,
			c.at.UTC().Format(time.RFC3339))
	case "request":
		return fmt.Sprintf("The signature had expired %s before the request (at %s; the request time given: %s).",
			late, e, c.at.UTC().Format(time.RFC3339))
	}
	return fmt.Sprintf("The signature expired %s ago (at %s; this machine's clock says %s).", late, e,
		c.at.UTC().Format(time.RFC3339))
}

func startsIn(d time.Duration, c clock) string {
	if c.src == "machine" {
		return "in " + d.String()
	}
	return d.String() + " after " + clockName(c)
}

func clockName(c clock) string {
	switch c.src {
	case "cos":
		return "COS's time in its error (" + c.at.UTC().Format(time.RFC3339) + ")"
	case "request":
		return "the request time given (" + c.at.UTC().Format(time.RFC3339) + ")"
	}
	return "this machine's clock"
}

// afterTimeCheck reports whether COS gives this answer only to a request
// whose window it found current: a signature mismatch or a CAM refusal.
func afterTimeCheck(e *errorXML) bool {
	switch kindOf(e.Code, e.Message) {
	case trace.KindMismatch, trace.KindDenied:
		return true
	}
	return false
}

// missingHeaders lists the signed headers the input does not give.
func missingHeaders(a cossign.Authorization, in cosverify.Incoming) []string {
	var out []string
	for name := range strings.SplitSeq(a.HeaderList, ";") {
		if name == "" || name == "host" && in.Host != "" {
			continue
		}
		if len(in.Header.Values(name)) == 0 {
			out = append(out, name)
		}
	}
	return out
}

// formatLine returns line i of a FormatString: method, path, parameters,
// headers.
func formatLine(fs string, i int) string {
	lines := strings.Split(fs, "\n")
	if i < len(lines) {
		return lines[i]
	}
	return ""
}

// pairs reads "a=1&b=2" into a map (values stay encoded).
func pairs(line string) map[string]string {
	m := map[string]string{}
	for p := range strings.SplitSeq(line, "&") {
		if p == "" {
			continue
		}
		k, v, _ := strings.Cut(p, "=")
		m[k] = v
	}
	return m
}

// firstDifference compares the client's FormatString with COS's, part by
// part; nil when they are the same.
func firstDifference(client, server string) *Diff {
	if client == server {
		return nil
	}
	if c, s := formatLine(client, 0), formatLine(server, 0); c != s {
		return &Diff{Part: "method", Signed: strings.ToUpper(c), Received: strings.ToUpper(s)}
	}
	if c, s := formatLine(client, 1), formatLine(server, 1); c != s {
		return &Diff{Part: "path", Signed: c, Received: s}
	}
	for i, part := range []string{"parameter", "header"} {
		c, s := formatLine(client, 2+i), formatLine(server, 2+i)
		if c == s {
			continue
		}
		cm, sm := pairs(c), pairs(s)
		for _, name := range names(c, s) {
			cv, cok := cm[name]
			sv, sok := sm[name]
			if cv == sv && cok == sok {
				continue
			}
			show := func(v string, ok bool) string {
				switch {
				case !ok:
					return absent
				case name == cossign.TokenParam:
					return "…"
				}
				d, err := url.QueryUnescape(v)
				if err != nil {
					return v
				}
				return d
			}
			return &Diff{Part: part + " " + name, Signed: show(cv, cok), Received: show(sv, sok)}
		}
	}
	return &Diff{Part: "encoding", Signed: client, Received: server}
}

// names lists the pair names of two lines in order, each once.
func names(a, b string) []string {
	var out []string
	seen := map[string]bool{}
	for _, line := range []string{a, b} {
		for p := range strings.SplitSeq(line, "&") {
			k, _, _ := strings.Cut(p, "=")
			if k != "" && !seen[k] {
				seen[k] = true
				out = append(out, k)
			}
		}
	}
	return out
}

// Text renders a report for a terminal.
func (rep Report) Text() string {
	var b strings.Builder
	fmt.Fprintf(&b, "verdict: %s\n  %s\n", rep.Verdict, rep.Summary)
	if rep.Diff != nil {
		fmt.Fprintf(&b, "first difference (%s):\n  signed:   %s\n  received: %s\n", rep.Diff.Part, rep.Diff.Signed,
			rep.Diff.Received)
	}
	if len(rep.Candidates) > 0 {
		b.WriteString("possible causes, most likely first:\n")
		for i, c := range rep.Candidates {
			fmt.Fprintf(&b, "  %d. %s\n", i+1, c)
		}
	}
	if rep.Advice != nil {
		fmt.Fprintf(&b, "cause: %s\nfix:   %s\n", rep.Advice.Cause, rep.Advice.Fix)
	}
	b.WriteString("decoded:\n")
	for _, f := range rep.Facts {
		fmt.Fprintf(&b, "  %-20s %s\n", f.Name+":", f.Value)
	}
	for _, n := range rep.Notes {
		fmt.Fprintf(&b, "note: %s\n", n)
	}
	return b.String()
}
