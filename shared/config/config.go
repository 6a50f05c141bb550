// Package config reads cosgate's configuration from the environment, once
// per cold start. Every variable the functions read is declared here, so
// the names, defaults and rules live in one place.
package config

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/caarlos0/env/v10"
)

// Error lists every problem with the configuration. It names variables,
// never their values: a value may be a secret.
type Error struct {
	Problems []string
}

func (e *Error) Error() string {
	return "configuration is invalid: " + strings.Join(e.Problems, "; ")
}

// validator is implemented by configuration pieces with rules beyond types.
type validator interface {
	validate() []string
}

// Load parses environ (the process environment when nil) into a T and checks
// it. All problems are reported together.
func Load[T any](environ map[string]string) (T, error) {
	var cfg T
	opts := env.Options{Environment: environ}
	var problems []string
	if err := env.ParseWithOptions(&cfg, opts); err != nil {
		problems = describe(err, reflect.TypeOf(cfg))
	}
	problems = append(problems, validateAll(reflect.ValueOf(&cfg).Elem())...)
	if len(problems) > 0 {
		slices.Sort(problems)
		return cfg, &Error{Problems: slices.Compact(problems)}
	}
	return cfg, nil
}

// describe turns caarlos0/env's errors into value-free sentences. Its parse
// errors quote the offending value and name the struct field, so those are
// rewritten to name the variable instead.
func describe(err error, t reflect.Type) []string {
	var agg env.AggregateError
	if !errors.As(err, &agg) {
		return []string{"the configuration could not be read"}
	}
	keys := envKeys(t)
	var out []string
	for _, e := range agg.Errors {
		var notSet env.EnvVarIsNotSetError
		var empty env.EmptyEnvVarError
		var parse env.ParseError
		switch {
		case errors.As(e, &notSet):
			out = append(out, notSet.Key+" is not set")
		case errors.As(e, &empty):
			out = append(out, empty.Key+" is empty")
		case errors.As(e, &parse):
			out = append(out, fmt.Sprintf("%s is not %s", keys[parse.Name], kindOf(parse.Type)))
		default:
			out = append(out, "the configuration could not be read")
		}
	}
	return out
}

func kindOf(t reflect.Type) string {
	switch {
	case t == reflect.TypeFor[time.Duration](), t == reflect.TypeFor[Duration]():
		return "a duration (e.g. 600s, 10m or 600)"
	case t.Kind() == reflect.Bool:
		return "true or false"
	case t.Kind() >= reflect.Int && t.Kind() <= reflect.Uint64:
		return "a whole number"
	}
	return "a valid " + t.String()
}

// envKeys maps struct field names to their variables, through nested structs.
func envKeys(t reflect.Type) map[string]string {
	keys := map[string]string{}
	var walk func(reflect.Type)
	walk = func(t reflect.Type) {
		for i := range t.NumField() {
			f := t.Field(i)
			if tag, ok := f.Tag.Lookup("env"); ok {
				keys[f.Name], _, _ = strings.Cut(tag, ",")
			} else if f.Type.Kind() == reflect.Struct {
				walk(f.Type)
			}
		}
	}
	walk(t)
	return keys
}

// validateAll runs validate on every piece of the configuration.
func validateAll(v reflect.Value) []string {
	var out []string
	if v.CanAddr() {
		if val, ok := v.Addr().Interface().(validator); ok {
			out = append(out, val.validate()...)
		}
	}
	if v.Kind() == reflect.Struct {
		for i := range v.NumField() {
			if f := v.Field(i); f.Kind() == reflect.Struct {
				out = append(out, validateAll(f)...)
			}
		}
	}
	return out
}

// Duration is a time span read as a Go duration ("600s", "10m") or as whole
// seconds ("600").
type Duration time.Duration

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

// Variables returns every environment variable the functions read, sorted.
func Variables() []string {
	var names []string
	for _, cfg := range []any{STSFunction{}, PresignFunction{}, DownloadFunction{}, Runtime{}} {
		for _, k := range envKeys(reflect.TypeOf(cfg)) {
			names = append(names, k)
		}
	}
	slices.Sort(names)
	return slices.Compact(names)
}
