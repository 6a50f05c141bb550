package explain

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// variableName is how a configuration variable looks in a sentence.
var variableName = regexp.MustCompile(`\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b`)

// configVariables reads the variables cosgate reads: the env tags of the
// structs in shared/config, and the keys of the dev stack's Defaults.
// sources parses the non-test Go files matched by globs.
func sources(t *testing.T, globs ...string) []*ast.File {
	t.Helper()
	var out []*ast.File
	fset := token.NewFileSet()
	for _, g := range globs {
		files, _ := filepath.Glob(g)
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			file, err := parser.ParseFile(fset, f, nil, 0)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, file)
		}
	}
	return out
}

func configVariables(t *testing.T) map[string]bool {
	t.Helper()
	vars := map[string]bool{}
	for _, file := range sources(t, "../../shared/config/*.go", "../stack/stack.go") {
		ast.Inspect(file, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.Field:
				if n.Tag != nil {
					tag, _ := strconv.Unquote(n.Tag.Value)
					if name, _, _ := strings.Cut(reflect.StructTag(tag).Get("env"), ","); name != "" {
						vars[name] = true
					}
				}
			case *ast.FuncDecl:
				if n.Name.Name == "Defaults" {
					ast.Inspect(n, func(m ast.Node) bool {
						if kv, ok := m.(*ast.KeyValueExpr); ok {
							if lit, ok := kv.Key.(*ast.BasicLit); ok && lit.Kind == token.STRING {
								name, _ := strconv.Unquote(lit.Value)
								vars[name] = true
							}
						}
						return true
					})
				}
			}
			return true
		})
	}
	for _, v := range []string{"COS_BUCKET", "STS_ALLOW_PREFIX", "UPLOAD_EXPIRES", "DOWNLOAD_ALLOW_PREFIXES", "WX_APPID"} {
		if !vars[v] {
			t.Fatalf("the configuration scan missed %s; found %d", v, len(vars))
		}
	}
	return vars
}

// stringLiterals returns every string literal in the non-test Go files
// matched by globs: the advice, summaries and notes the explainer writes,
// including any added later.
func stringLiterals(t *testing.T, globs ...string) []string {
	t.Helper()
	var out []string
	for _, file := range sources(t, globs...) {
		ast.Inspect(file, func(n ast.Node) bool {
			if lit, ok := n.(*ast.BasicLit); ok && lit.Kind == token.STRING {
				s, _ := strconv.Unquote(lit.Value)
				out = append(out, s)
			}
			return true
		})
	}
	return out
}

// TestAdviceNamesRealVariables: every configuration variable the advice
// names exists (a fix naming PRESIGN_TTL sent users after a setting that
// was never there).
func TestAdviceNamesRealVariables(t *testing.T) {
	vars := configVariables(t)
	var texts []string
	for _, m := range []map[string]Advice{byKind, byCode, byDenial} {
		for _, a := range m {
			texts = append(texts, a.Cause, a.Fix)
		}
	}
	texts = append(texts, stringLiterals(t, "*.go", "../cmd/cosgate-dev/explain.go")...)
	named := map[string]bool{}
	for _, s := range texts {
		for _, name := range variableName.FindAllString(s, -1) {
			named[name] = true
			if !vars[name] {
				t.Errorf("the explainer names %s, which is not a configuration variable: %.100q", name, s)
			}
		}
	}
	for _, v := range []string{"STS_ALLOW_PREFIX", "STS_ALLOW_ACTIONS", "UPLOAD_EXPIRES", "DOWNLOAD_ALLOW_PREFIXES"} {
		if !named[v] {
			t.Errorf("the scan missed %s in the advice; found %d names", v, len(named))
		}
	}
}
