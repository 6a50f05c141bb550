// Package config reads cosgate's configuration from the environment, once
// per cold start. Every variable the functions read is declared here, with
// its default and its rules, so the names live in one place. It checks what
// a variable can be on its own (types, ranges, forms); the packages that
// build from it (identity, campolicy, contenttype, cossign) check the rest
// when a function is built.
package config

import (
	"errors"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/caarlos0/env/v10"
)

// Validator is a configuration with rules beyond its types.
type Validator interface {
	Validate() error
}

// Problem is one thing wrong with one variable. Its message never holds the
// variable's value: a value may be a secret.
type Problem struct {
	Var string // the variable at fault
	Msg string // what is wrong, as the end of a sentence that starts with Var
}

func (p *Problem) Error() string { return p.Var + " " + p.Msg }

// Problemf is a Problem with a formatted message.
func Problemf(variable, format string, args ...any) error {
	return &Problem{Var: variable, Msg: fmt.Sprintf(format, args...)}
}

// Error lists every problem with the configuration, sorted, each once.
type Error struct {
	Problems []string
}

func (e *Error) Error() string {
	return "configuration is invalid: " + strings.Join(e.Problems, "; ")
}

// Load parses environ (the process environment when nil) into a T and
// validates it. Every problem is reported, each once: a variable that does
// not parse is not validated as well. A variable whose value is the string
// "undefined" counts as unset (see Unset).
func Load[T Validator](environ map[string]string) (T, error) {
	if environ == nil {
		environ = env.ToMap(os.Environ())
	}
	environ = withoutUnset(environ)
	var cfg T
	var problems []error
	unparsed := map[string]bool{}
	if err := env.ParseWithOptions(&cfg, env.Options{Environment: environ}); err != nil {
		for _, p := range describe[T](err, environ) {
			problems = append(problems, p)
			unparsed[p.Var] = true
		}
	}
	for _, err := range Flatten(cfg.Validate()) {
		if p, ok := err.(*Problem); !ok || !unparsed[p.Var] {
			problems = append(problems, err)
		}
	}
	if err := Join(problems...); err != nil {
		return cfg, err
	}
	return cfg, nil
}

// Unset is the value Tencent's Serverless Framework deploys for an
// ${env:X} whose X is not set in the deployer's shell: it resolves the
// reference to JavaScript's undefined (serverless-cloud-framework
// src/libs/utils/basic.js, resolveVariables), and tencent-component-toolkit
// writes every function variable with String(val) (src/modules/scf/utils.ts).
// No cosgate variable has "undefined" as a meaningful value, so it reads as
// unset: an optional variable keeps its default, a required one is reported
// as not set.
const Unset = "undefined"

// withoutUnset returns a copy of environ without the variables set to Unset.
func withoutUnset(environ map[string]string) map[string]string {
	clean := maps.Clone(environ)
	maps.DeleteFunc(clean, func(_, v string) bool { return v == Unset })
	return clean
}

// Join gathers problems into one *Error (nil when there are none).
func Join(problems ...error) error {
	var msgs []string
	for _, err := range problems {
		for _, e := range Flatten(err) {
			msgs = append(msgs, e.Error())
		}
	}
	if len(msgs) == 0 {
		return nil
	}
	slices.Sort(msgs)
	return &Error{Problems: slices.Compact(msgs)}
}

// Flatten lists the errors inside err: errors.Join's and *Error's parts.
func Flatten(err error) []error {
	if err == nil {
		return nil
	}
	var ce *Error
	if errors.As(err, &ce) && ce == err {
		out := make([]error, len(ce.Problems))
		for i, p := range ce.Problems {
			out[i] = errors.New(p)
		}
		return out
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, Flatten(e)...)
		}
		return out
	}
	return []error{err}
}

// describe turns caarlos0/env's errors into value-free problems. A parse
// error names the Go field, not the variable (and quotes the value), so each
// variable that is set is parsed alone to find the ones that fail. This runs
// only when start-up is failing anyway.
func describe[T any](err error, environ map[string]string) []*Problem {
	var agg env.AggregateError
	if !errors.As(err, &agg) {
		return []*Problem{{Var: "the configuration", Msg: "could not be read"}}
	}
	var out []*Problem
	parseFailed := false
	for _, e := range agg.Errors {
		var notSet env.EnvVarIsNotSetError
		var empty env.EmptyEnvVarError
		switch {
		case errors.As(e, &notSet):
			out = append(out, &Problem{Var: notSet.Key, Msg: "is not set"})
		case errors.As(e, &empty):
			out = append(out, &Problem{Var: empty.Key, Msg: "is empty"})
		default:
			parseFailed = true
		}
	}
	if parseFailed {
		params, _ := env.GetFieldParams(new(T))
		for _, p := range params {
			v, set := environ[p.Key]
			if !set {
				continue
			}
			var alone T
			err := env.ParseWithOptions(&alone, env.Options{Environment: map[string]string{p.Key: v}})
			if pe, ok := parseError(err); ok {
				out = append(out, &Problem{Var: p.Key, Msg: "is not " + kindOf(pe.Type.String())})
			}
		}
	}
	return out
}

// parseError finds the ParseError among an AggregateError's parts.
func parseError(err error) (env.ParseError, bool) {
	var agg env.AggregateError
	if errors.As(err, &agg) {
		for _, e := range agg.Errors {
			var pe env.ParseError
			if errors.As(e, &pe) {
				return pe, true
			}
		}
	}
	return env.ParseError{}, false
}

func kindOf(typ string) string {
	switch {
	case strings.HasSuffix(typ, "Duration"):
		return "a duration (e.g. 600s, 10m or 600)"
	case typ == "bool":
		return "true or false"
	case strings.HasPrefix(typ, "int"), strings.HasPrefix(typ, "uint"):
		return "a whole number"
	}
	return "valid"
}

// Variables returns every environment variable the functions read, sorted,
// as caarlos0/env itself resolves their names.
func Variables() []string {
	var names []string
	for _, cfg := range Configurations() {
		names = append(names, VariablesOf(cfg)...)
	}
	slices.Sort(names)
	return slices.Compact(names)
}

// VariablesOf returns the variables one configuration (a pointer to it)
// reads, sorted.
func VariablesOf(cfg any) []string {
	params, err := env.GetFieldParams(cfg)
	if err != nil {
		panic(err) // the structs are ours; a test calls this
	}
	names := make([]string, len(params))
	for i, p := range params {
		names[i] = p.Key
	}
	slices.Sort(names)
	return slices.Compact(names)
}

// Configurations lists a pointer to each configuration a binary reads.
func Configurations() []any {
	return []any{&STSFunction{}, &PresignFunction{}, &DownloadFunction{}, &LoginFunction{}, &Runtime{}}
}

// Duration is a time span read as a Go duration ("600s", "10m") or as whole
// seconds ("600").
type Duration time.Duration

// UnmarshalText implements encoding.TextUnmarshaler.
func (d *Duration) UnmarshalText(b []byte) error {
	s := strings.TrimSpace(string(b))
	if s != "" && strings.Trim(s, "0123456789") == "" {
		s += "s"
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return errors.New("not a duration") // no value: it may be anything
	}
	*d = Duration(v)
	return nil
}

// D returns the time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// List is a comma-separated list; entries are trimmed, empty ones dropped.
type List []string

// UnmarshalText implements encoding.TextUnmarshaler.
func (l *List) UnmarshalText(b []byte) error {
	*l = nil
	for e := range strings.SplitSeq(string(b), ",") {
		if e = strings.TrimSpace(e); e != "" {
			*l = append(*l, e)
		}
	}
	return nil
}

// inRange checks that a duration lies in [lo, hi].
func inRange(variable string, d Duration, lo, hi time.Duration, span string) error {
	if d.D() < lo || d.D() > hi {
		return Problemf(variable, "must be between %s", span)
	}
	return nil
}
