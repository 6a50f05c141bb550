// Package cam evaluates CAM policies the way COS applies a temporary key's
// policy: an explicit deny wins, otherwise some allow statement must match
// the action, the resource and every condition.
package cam

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// Policy is a parsed policy document.
type Policy struct {
	Statements []Statement
}

// Statement is one statement.
type Statement struct {
	Effect     string // allow or deny
	Actions    []string
	Resources  []string
	Conditions []Condition
}

// Condition is one operator/key test.
type Condition struct {
	Op      string // e.g. string_equal, numeric_less_than_equal
	IfExist bool   // the _if_exist form: a missing key passes
	Key     string // e.g. cos:content-length
	Values  []string
}

// Parse reads a policy; action and resource may be strings or arrays, and
// condition values strings, numbers, booleans or arrays of them.
func Parse(doc []byte) (Policy, error) {
	var raw struct {
		Version   string `json:"version"`
		Statement []struct {
			Effect    string                                `json:"effect"`
			Action    json.RawMessage                       `json:"action"`
			Resource  json.RawMessage                       `json:"resource"`
			Condition map[string]map[string]json.RawMessage `json:"condition"`
		} `json:"statement"`
	}
	if err := json.Unmarshal(doc, &raw); err != nil {
		return Policy{}, fmt.Errorf("the policy is not JSON: %w", err)
	}
	if raw.Version != "2.0" {
		return Policy{}, fmt.Errorf("the policy version must be 2.0")
	}
	if len(raw.Statement) == 0 {
		return Policy{}, fmt.Errorf("the policy has no statement")
	}
	var p Policy
	for i, s := range raw.Statement {
		st := Statement{Effect: strings.ToLower(s.Effect)}
		if st.Effect != "allow" && st.Effect != "deny" {
			return Policy{}, fmt.Errorf("statement %d: effect must be allow or deny", i)
		}
		var err error
		if st.Actions, err = strings1(s.Action); err != nil || len(st.Actions) == 0 {
			return Policy{}, fmt.Errorf("statement %d: action must be a string or a list of them", i)
		}
		if st.Resources, err = strings1(s.Resource); err != nil || len(st.Resources) == 0 {
			return Policy{}, fmt.Errorf("statement %d: resource must be a string or a list of them", i)
		}
		for op, kv := range s.Condition {
			for key, v := range kv {
				vals, err := strings1(v)
				if err != nil {
					return Policy{}, fmt.Errorf("statement %d: condition %s %s: %v", i, op, key, err)
				}
				base, ifExist := strings.CutSuffix(op, "_if_exist")
				st.Conditions = append(st.Conditions, Condition{Op: base, IfExist: ifExist, Key: key, Values: vals})
			}
		}
		p.Statements = append(p.Statements, st)
	}
	return p, nil
}

func strings1(v json.RawMessage) ([]string, error) {
	var list []json.RawMessage
	if json.Unmarshal(v, &list) != nil {
		list = []json.RawMessage{v}
	}
	out := make([]string, 0, len(list))
	for _, e := range list {
		var s string
		if json.Unmarshal(e, &s) == nil {
			out = append(out, s)
			continue
		}
		var n json.Number
		if json.Unmarshal(e, &n) == nil {
			out = append(out, n.String())
			continue
		}
		var b bool
		if json.Unmarshal(e, &b) == nil {
			out = append(out, strconv.FormatBool(b))
			continue
		}
		return nil, fmt.Errorf("want strings, numbers or booleans")
	}
	return out, nil
}

// Request is what a policy is asked about.
type Request struct {
	Action   string // name/cos:PutObject
	Resource string // qcs::cos:<region>:uid/<appid>:<bucket>/<key>
	// Value returns a condition key's value for this request.
	Value func(key string) (string, bool)
}

// Allows reports whether p lets r through: no matching deny, some
// matching allow.
func (p Policy) Allows(r Request) bool {
	allowed := false
	for _, s := range p.Statements {
		if !s.matches(r) {
			continue
		}
		if s.Effect == "deny" {
			return false
		}
		allowed = true
	}
	return allowed
}

func (s Statement) matches(r Request) bool { return s.miss(r, false) == nil }

// Miss says why one statement did not apply to a request, or, for a deny
// statement that did apply, that it refused it.
type Miss struct {
	Statement int    `json:"statement"` // the statement's index in the policy
	Effect    string `json:"effect"`    // allow or deny
	// Part is what failed to match: "action", "resource" or "condition";
	// "" for a deny statement that matched.
	Part string `json:"part"`
	// Detail says it in a sentence, naming what the request had and what
	// the statement wants.
	Detail string `json:"detail"`
}

// Decision is the outcome of a policy for one request, with the reasons.
type Decision struct {
	Allowed bool
	Deny    *Miss  // the deny statement that refused, if one did
	Misses  []Miss // each allow statement that did not apply, and why
}

// Decide evaluates p like Allows and also says why: the local console shows
// it beside a refused request. It costs more than Allows, so the emulator
// only asks it once a request has been refused.
func (p Policy) Decide(r Request) Decision {
	var d Decision
	for i, s := range p.Statements {
		m := s.miss(r, true)
		if m == nil {
			if s.Effect == "deny" {
				d.Deny = &Miss{Statement: i, Effect: "deny", Detail: fmt.Sprintf(
					"statement %d denies %s on %s", i, r.Action, r.Resource)}
				d.Allowed = false
				return d
			}
			d.Allowed = true
			continue
		}
		if s.Effect == "allow" {
			m.Statement = i
			d.Misses = append(d.Misses, *m)
		}
	}
	return d
}

// miss returns nil when s applies to r; otherwise the first part that does
// not match, described when explain is set.
func (s Statement) miss(r Request, explain bool) *Miss {
	if !anyGlob(s.Actions, r.Action, nil) {
		if !explain {
			return &Miss{}
		}
		return &Miss{Effect: s.Effect, Part: "action", Detail: fmt.Sprintf(
			"action %s is not among %s", r.Action, strings.Join(s.Actions, ", "))}
	}
	if !anyGlob(s.Resources, r.Resource, modern) {
		if !explain {
			return &Miss{}
		}
		return &Miss{Effect: s.Effect, Part: "resource", Detail: fmt.Sprintf(
			"resource %s is outside %s", r.Resource, strings.Join(s.Resources, ", "))}
	}
	for _, c := range s.Conditions {
		if c.holds(r.Value) {
			continue
		}
		if !explain {
			return &Miss{}
		}
		got := "none"
		if v, ok := r.Value(c.Key); ok {
			got = strconv.Quote(v)
		}
		return &Miss{Effect: s.Effect, Part: "condition", Detail: fmt.Sprintf(
			"condition %s %s %s does not hold: the request has %s",
			c.Op+map[bool]string{true: "_if_exist"}[c.IfExist], c.Key, strings.Join(c.Values, ", "), got)}
	}
	return nil
}

func anyGlob(patterns []string, s string, rewrite func(string) string) bool {
	for _, p := range patterns {
		if rewrite != nil {
			p = rewrite(p)
		}
		if Glob(p, s) {
			return true
		}
	}
	return false
}

// modern rewrites the legacy prefix form
// qcs::cos:<region>:uid/<appid>:prefix//<appid>/<short>/<key> into the
// modern qcs::cos:<region>:uid/<appid>:<short>-<appid>/<key>.
func modern(res string) string {
	head, rest, ok := strings.Cut(res, ":prefix//")
	if !ok {
		return res
	}
	parts := strings.SplitN(rest, "/", 3)
	if len(parts) < 2 {
		return res
	}
	key := ""
	if len(parts) == 3 {
		key = parts[2]
	}
	return head + ":" + parts[1] + "-" + parts[0] + "/" + key
}

// Glob matches s against a pattern in which '*' stands for any run of
// characters (CAM's only wildcard).
func Glob(pattern, s string) bool {
	star := strings.IndexByte(pattern, '*')
	if star < 0 {
		return pattern == s
	}
	if !strings.HasPrefix(s, pattern[:star]) {
		return false
	}
	s, pattern = s[star:], pattern[star+1:]
	if pattern == "" {
		return true
	}
	// Try every place the rest of the pattern could start.
	for i := 0; i <= len(s); i++ {
		if Glob(pattern, s[i:]) {
			return true
		}
	}
	return false
}

func (c Condition) holds(value func(string) (string, bool)) bool {
	v, ok := value(c.Key)
	if !ok {
		return c.IfExist
	}
	any := func(f func(string) bool) bool {
		for _, want := range c.Values {
			if f(want) {
				return true
			}
		}
		return false
	}
	switch c.Op {
	case "string_equal":
		return any(func(w string) bool { return v == w })
	case "string_not_equal":
		return !any(func(w string) bool { return v == w })
	case "string_equal_ignore_case":
		return any(func(w string) bool { return strings.EqualFold(v, w) })
	case "string_like":
		return any(func(w string) bool { return Glob(w, v) })
	case "string_not_like":
		return !any(func(w string) bool { return Glob(w, v) })
	case "bool_equal":
		return any(func(w string) bool { return strings.EqualFold(v, w) })
	case "ip_equal", "ip_not_equal":
		in := any(func(w string) bool { return ipIn(v, w) })
		return in == (c.Op == "ip_equal")
	}
	if op, ok := strings.CutPrefix(c.Op, "numeric_"); ok {
		n, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return false
		}
		return any(func(w string) bool {
			m, err := strconv.ParseFloat(w, 64)
			if err != nil {
				return false
			}
			switch op {
			case "equal":
				return n == m
			case "not_equal":
				return n != m
			case "less_than":
				return n < m
			case "less_than_equal":
				return n <= m
			case "greater_than":
				return n > m
			case "greater_than_equal":
				return n >= m
			}
			return false
		})
	}
	return false // an operator we do not know never grants
}

func ipIn(ip, cidr string) bool {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return false
	}
	if p, err := netip.ParsePrefix(cidr); err == nil {
		return p.Contains(a)
	}
	b, err := netip.ParseAddr(cidr)
	return err == nil && a == b
}
