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
	"reflect"
	"slices"
	"strconv"
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
	Var string // the variable at fault; empty for an error Join was given that is not a Problem
	Msg string // what is wrong, as the end of a sentence that starts with Var
	err error  // that other error, kept so errors.As and errors.Is still reach it
}

func (p *Problem) Error() string {
	if p.Var == "" {
		return p.Msg
	}
	return p.Var + " " + p.Msg
}

// Unwrap returns the error a Problem without a variable stands for.
func (p *Problem) Unwrap() error { return p.err }

// Problemf is a Problem with a formatted message.
func Problemf(variable, format string, args ...any) error {
	return &Problem{Var: variable, Msg: fmt.Sprintf(format, args...)}
}

// Error lists every problem with the configuration, sorted by message, each
// message once.
type Error struct {
	Problems []*Problem
}

// Error is the one place the problems become a sentence.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("configuration is invalid: ")
	for i, p := range e.Problems {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(p.Error())
	}
	return b.String()
}

// Unwrap lets errors.As find a *Problem through an *Error.
func (e *Error) Unwrap() []error {
	errs := make([]error, len(e.Problems))
	for i, p := range e.Problems {
		errs[i] = p
	}
	return errs
}

// Load parses environ (the process environment when nil) into a T and
// validates it. Every problem is reported, each once: a variable that does
// not parse is not validated as well. A variable whose value is the string
// "undefined" counts as unset (see Unset).
func Load[T Validator](environ map[string]string) (T, error) {
	if environ == nil {
		environ = env.ToMap(os.Environ())
	}
	var cfg T
	problems := parse(&cfg, withoutUnset(environ))
	unparsed := map[string]bool{}
	for _, p := range problems {
		unparsed[p.Var] = true
	}
	for _, p := range flatten(cfg.Validate()) {
		if !unparsed[p.Var] {
			problems = append(problems, p)
		}
	}
	if err := join(problems); err != nil {
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

// Join gathers problems into one *Error (nil when there are none). The
// *Problems inside errors.Join's and *Error's are kept as they are; any other
// error becomes a Problem without a variable that wraps it.
func Join(errs ...error) error {
	var problems []*Problem
	for _, err := range errs {
		problems = append(problems, flatten(err)...)
	}
	return join(problems)
}

// join sorts problems by message and drops repeated messages: the order is
// the one start-up has always printed, and a problem two checks find reads
// once.
func join(problems []*Problem) error {
	if len(problems) == 0 {
		return nil
	}
	slices.SortStableFunc(problems, func(a, b *Problem) int { return strings.Compare(a.Error(), b.Error()) })
	problems = slices.CompactFunc(problems, func(a, b *Problem) bool { return a.Error() == b.Error() })
	return &Error{Problems: problems}
}

// flatten lists the problems inside err.
func flatten(err error) []*Problem {
	switch e := err.(type) {
	case nil:
		return nil
	case *Problem:
		return []*Problem{e}
	case *Error:
		return e.Problems
	case interface{ Unwrap() []error }:
		var out []*Problem
		for _, e := range e.Unwrap() {
			out = append(out, flatten(e)...)
		}
		return out
	}
	return []*Problem{{Msg: err.Error(), err: err}}
}

// parse reads environ into cfg and turns caarlos0/env's errors into
// value-free problems. A ParseError names the Go field, which two pieces may
// share (COS.Region and STS.Region), so the types that can fail are parsed
// here: OnSet names each variable just before env hands its value to the
// parser, and a failure comes back as a *Problem inside env's ParseError.
func parse(cfg any, environ map[string]string) []*Problem {
	var at string
	err := env.ParseWithOptions(cfg, env.Options{
		Environment: environ,
		OnSet:       func(key string, _ any, _ bool) { at = key },
		FuncMap: map[reflect.Type]env.ParserFunc{
			reflect.TypeFor[bool]():     parser(&at, "true or false", strconv.ParseBool),
			reflect.TypeFor[int]():      parser(&at, "a whole number", parseInt),
			reflect.TypeFor[int64]():    parser(&at, "a whole number", parseInt64),
			reflect.TypeFor[Duration](): parser(&at, "a duration (e.g. 600s, 10m or 600)", parseDuration),
		},
	})
	if err == nil {
		return nil
	}
	var agg env.AggregateError
	if !errors.As(err, &agg) {
		return []*Problem{unreadable()}
	}
	out := make([]*Problem, 0, len(agg.Errors))
	for _, e := range agg.Errors {
		var (
			notSet env.EnvVarIsNotSetError
			empty  env.EmptyEnvVarError
			pe     env.ParseError
			p      *Problem
		)
		switch {
		case errors.As(e, &notSet):
			out = append(out, &Problem{Var: notSet.Key, Msg: "is not set"})
		case errors.As(e, &empty):
			out = append(out, &Problem{Var: empty.Key, Msg: "is empty"})
		case errors.As(e, &pe) && errors.As(pe.Err, &p):
			out = append(out, p)
		default:
			// A type parse does not handle, or a bad tag: a programming
			// error that TestEveryParseProblemNamesItsVariable catches.
			out = append(out, unreadable())
		}
	}
	return out
}

func unreadable() *Problem { return &Problem{Var: "the configuration", Msg: "could not be read"} }

// parser makes an env.ParserFunc whose failure names the variable *at and
// says what its value should be, never what it is.
func parser[V any](at *string, should string, parse func(string) (V, error)) env.ParserFunc {
	return func(s string) (any, error) {
		v, err := parse(s)
		if err != nil {
			return nil, &Problem{Var: *at, Msg: "is not " + should}
		}
		return v, nil
	}
}

// parseInt reads an int in 32 bits, as caarlos0/env does, so that the values
// accepted stay the same on every platform.
func parseInt(s string) (int, error) {
	i, err := strconv.ParseInt(s, 10, 32)
	return int(i), err
}

func parseInt64(s string) (int64, error) { return strconv.ParseInt(s, 10, 64) }

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
	return []any{&STSFunction{}, &PresignFunction{}, &DownloadFunction{}, &SignFunction{}, &LoginFunction{}, &Runtime{}}
}

// Duration is a time span read as a Go duration ("600s", "10m") or as whole
// seconds ("600"). It is no encoding.TextUnmarshaler: caarlos0/env would call
// that before parse's parser, which is what names a bad variable.
type Duration time.Duration

// parseDuration reads a Duration.
func parseDuration(text string) (Duration, error) {
	s := strings.TrimSpace(text)
	if s != "" && strings.Trim(s, "0123456789") == "" {
		s += "s"
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return 0, errors.New("not a duration") // no value: it may be anything
	}
	return Duration(v), nil
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
