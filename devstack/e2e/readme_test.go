package e2e_test

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode"
)

// readmeHeading is one heading of README.md outside code blocks, with the
// anchor GitHub gives it.
type readmeHeading struct {
	level  int
	text   string // as written, Markdown included
	anchor string
	line   int
}

var (
	headingLine = regexp.MustCompile(`^(#{1,6})\s+(.+?)\s*#*\s*$`)
	inlineLink  = regexp.MustCompile(`!?\[([^\]]*)\]\([^)]*\)`)
	tocEntry    = regexp.MustCompile(`^( *)- \[(.+)\]\(#([^)]+)\)$`)
	anchorLink  = regexp.MustCompile(`\]\(#([^)]*)\)`)
)

// githubAnchor is the id GitHub gives a heading: the text as rendered
// (code spans and links reduced to their text), lower case, every
// character but letters, digits, spaces, '-' and '_' dropped, and each
// space a '-'.
func githubAnchor(text string) string {
	text = inlineLink.ReplaceAllString(text, "$1")
	var b strings.Builder
	for _, r := range strings.ToLower(text) {
		switch {
		case r == ' ':
			b.WriteByte('-')
		case r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r):
			b.WriteRune(r)
		}
	}
	return b.String()
}

// readmeHeadings lists README's headings, skipping fenced code blocks
// (the walkthrough's shell comments start with '#'), and numbers repeated
// anchors as GitHub does: a, a-1, a-2.
func readmeHeadings(lines []string) []readmeHeading {
	var hs []readmeHeading
	seen := map[string]int{}
	fence := ""
	for i, l := range lines {
		t := strings.TrimLeft(l, " ")
		if fence != "" {
			if strings.HasPrefix(t, fence) && strings.Trim(t, fence[:1]) == "" {
				fence = ""
			}
			continue
		}
		if strings.HasPrefix(t, "```") || strings.HasPrefix(t, "~~~") {
			fence = t[:3]
			for j := 3; j < len(t) && t[j] == t[0]; j++ {
				fence += t[:1]
			}
			continue
		}
		m := headingLine.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		a := githubAnchor(m[2])
		if n := seen[a]; n > 0 {
			seen[a] = n + 1
			a = fmt.Sprintf("%s-%d", a, n)
		} else {
			seen[a] = 1
		}
		hs = append(hs, readmeHeading{level: len(m[1]), text: m[2], anchor: a, line: i + 1})
	}
	return hs
}

func TestGitHubAnchor(t *testing.T) {
	for text, want := range map[string]string{
		"Two commands":                                                  "two-commands",
		"The walkthrough `make dev` prints":                             "the-walkthrough-make-dev-prints",
		"Sign-in: `POST /login`":                                        "sign-in-post-login",
		"Temporary keys: `POST /sts` (also `GET`)":                      "temporary-keys-post-sts-also-get",
		"Downloads: `GET /download?key=<key>` (also `/download/<key>`)": "downloads-get-downloadkeykey-also-downloadkey",
		"Domains to register in the mini program's admin console":       "domains-to-register-in-the-mini-programs-admin-console",
		"Limits, quotas, revocation and the audit trail":                "limits-quotas-revocation-and-the-audit-trail",
		"A [link](https://example.com) and snake_case":                  "a-link-and-snake_case",
		"Two  spaces, 中文":                                               "two--spaces-中文",
	} {
		if got := githubAnchor(text); got != want {
			t.Errorf("githubAnchor(%q) = %q, want %q", text, got, want)
		}
	}
}

// TestREADMETableOfContents keeps README.md's table of contents (the list
// between <!-- toc… --> and <!-- /toc -->) in step with its headings: each
// entry links to a heading's GitHub anchor with that heading's text,
// nested as the heading is (## at the left, ### indented two spaces);
// every ## and ### heading has its entry, in the README's order. Every
// other in-page link (#…) in the README must reach a heading too.
func TestREADMETableOfContents(t *testing.T) {
	raw, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(raw), "\n")
	hs := readmeHeadings(lines)
	byAnchor := map[string]readmeHeading{}
	for _, h := range hs {
		byAnchor[h.anchor] = h
	}

	start, end := -1, -1
	for i, l := range lines {
		if start < 0 && strings.HasPrefix(l, "<!-- toc") {
			start = i
		} else if start >= 0 && strings.HasPrefix(l, "<!-- /toc -->") {
			end = i
			break
		}
	}
	if start < 0 || end < 0 {
		t.Fatal("README.md has no table of contents between <!-- toc --> and <!-- /toc -->")
	}

	var listed []string
	for i := start + 1; i < end; i++ {
		m := tocEntry.FindStringSubmatch(lines[i])
		if m == nil {
			t.Errorf("README.md:%d: not a table-of-contents entry (`- [text](#anchor)`, indented 0 or 2): %q", i+1, lines[i])
			continue
		}
		indent, text, anchor := len(m[1]), m[2], m[3]
		h, ok := byAnchor[anchor]
		if !ok {
			t.Errorf("README.md:%d: the contents link to #%s, which no heading has", i+1, anchor)
			continue
		}
		if text != h.text {
			t.Errorf("README.md:%d: the contents call #%s %q; the heading (line %d) says %q", i+1, anchor, text, h.line, h.text)
		}
		if want := (h.level - 2) * 2; indent != want {
			t.Errorf("README.md:%d: #%s is a level-%d heading: indent its entry %d spaces, not %d", i+1, anchor, h.level, want, indent)
		}
		listed = append(listed, anchor)
	}

	var want []string
	for _, h := range hs {
		if h.level == 2 || h.level == 3 {
			want = append(want, h.anchor)
			if !slices.Contains(listed, h.anchor) {
				t.Errorf("README.md:%d: %q is missing from the table of contents: add `%s- [%s](#%s)`",
					h.line, h.text, strings.Repeat(" ", (h.level-2)*2), h.text, h.anchor)
			}
		}
	}
	if !t.Failed() && strings.Join(listed, " ") != strings.Join(want, " ") {
		t.Errorf("the table of contents is not in the README's order:\n got %v\nwant %v", listed, want)
	}

	for i, l := range lines {
		for _, m := range anchorLink.FindAllStringSubmatch(l, -1) {
			if _, ok := byAnchor[m[1]]; !ok {
				t.Errorf("README.md:%d: the link to #%s reaches no heading", i+1, m[1])
			}
		}
	}
}

// TestREADMENamesEveryLogAttribute keeps README.md's description of the
// logs honest: every attribute an access or audit line carries, after a
// sign-in, a temporary key, a pre-signed PUT and POST, a download and a
// refusal, is named in the README as `attribute`.
func TestREADMENamesEveryLogAttribute(t *testing.T) {
	raw, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(raw)
	e := startStack(t, nil)
	var login struct{ Token string }
	if s := e.call(t, "POST", "/login", "", map[string]string{"code": "dev-logreader"}, &login); s != 200 {
		t.Fatalf("/login: %d", s)
	}
	e.call(t, "POST", "/sts", login.Token, nil, nil)
	var put struct{ Key string }
	if s := e.call(t, "POST", "/presign", e.token, map[string]any{"ext": "jpg", "size": 3}, &put); s != 200 {
		t.Fatalf("/presign: %d", s)
	}
	e.call(t, "POST", "/presign", e.token, map[string]any{"ext": "png", "method": "POST"}, nil)
	if s := e.call(t, "GET", "/download?key="+put.Key, e.token, nil, nil); s != 302 {
		t.Fatalf("/download: %d", s)
	}
	e.call(t, "GET", "/download?key=uploads/u2/x.jpg", e.token, nil, nil)
	e.call(t, "POST", "/sts", "not-a-token", nil, nil)

	seen := map[string]map[string]bool{"access": {}, "audit": {}}
	for _, l := range strings.Split(e.logs.String(), "\n") {
		var line map[string]any
		if json.Unmarshal([]byte(l), &line) != nil {
			continue
		}
		msg, _ := line["msg"].(string)
		if seen[msg] == nil {
			continue
		}
		for k := range line {
			seen[msg][k] = true
		}
	}
	for msg, keys := range seen {
		t.Logf("%s: %v", msg, slices.Sorted(maps.Keys(keys)))
		if len(keys) == 0 {
			t.Errorf("no %s line was logged", msg)
		}
		for k := range keys {
			if k == "time" || k == "level" || k == "msg" {
				continue
			}
			if !strings.Contains(readme, "`"+k+"`") {
				t.Errorf("the %s line's attribute %q is not named in README.md", msg, k)
			}
		}
	}
}
