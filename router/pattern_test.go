package router

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

func TestParsePattern(t *testing.T) {
	tests := []struct {
		pattern string
		toks    []token
		names   []string
	}{
		{"/", []token{{tokStatic, "/"}}, nil},
		{"/a/b/", []token{{tokStatic, "/a/b/"}}, nil},
		{"/users/:id", []token{{tokStatic, "/users/"}, {tokParam, "id"}}, []string{"id"}},
		{"/:a/x/:b/", []token{{tokStatic, "/"}, {tokParam, "a"}, {tokStatic, "/x/"}, {tokParam, "b"}, {tokStatic, "/"}}, []string{"a", "b"}},
		{"/static/*path", []token{{tokStatic, "/static/"}, {tokCatchAll, "path"}}, []string{"path"}},
		{"/v1:batch/a*b", []token{{tokStatic, "/v1:batch/a*b"}}, nil},
		// The brace forms of chi and Go 1.22 parse to the same tokens.
		{"/users/{id}", []token{{tokStatic, "/users/"}, {tokParam, "id"}}, []string{"id"}},
		{"/{a}/x/{b}/", []token{{tokStatic, "/"}, {tokParam, "a"}, {tokStatic, "/x/"}, {tokParam, "b"}, {tokStatic, "/"}}, []string{"a", "b"}},
		{"/static/{path...}", []token{{tokStatic, "/static/"}, {tokCatchAll, "path"}}, []string{"path"}},
		{"/{org}/files/*rest", []token{{tokStatic, "/"}, {tokParam, "org"}, {tokStatic, "/files/"}, {tokCatchAll, "rest"}}, []string{"org", "rest"}},
	}
	for _, tt := range tests {
		toks, names, err := parsePattern(tt.pattern)
		if err != nil {
			t.Errorf("parsePattern(%q): %v", tt.pattern, err)
			continue
		}
		if !reflect.DeepEqual(toks, tt.toks) || !reflect.DeepEqual(names, tt.names) {
			t.Errorf("parsePattern(%q) = %v %v, want %v %v", tt.pattern, toks, names, tt.toks, tt.names)
		}
	}
}

func TestParsePatternErrors(t *testing.T) {
	tests := []struct{ pattern, want string }{
		{"", "must start with '/'"},
		{"users", "must start with '/'"},
		{"/a\x00b", "NUL"},
		{"/a//b", "empty segment"},
		{"/a/./b", "dot segment"},
		{"/a/..", "dot segment"},
		{"/users/:", "empty parameter name"},
		{"/users/:/x", "empty parameter name"},
		{"/files/*", "empty parameter name"},
		{"/files/*path/x", "must be the last segment"},
		{"/a/:id/b/:id", "appears twice"},
		{"/a/:id-x", "characters other than"},
		// Braces that do not enclose a whole segment would be a literal
		// that never matches what was meant.
		{"/users/{", `segment "{"`},
		{"/users/}", `segment "}"`},
		{"/users/{}", "empty parameter name"},
		{"/users/{...}", "empty parameter name"},
		{"/users/{id", `segment "{id"`},
		{"/users/id}", `segment "id}"`},
		{"/users/{id}x", `segment "{id}x"`},
		{"/users/x{id}", `segment "x{id}"`},
		{"/users/{id}.json", `segment "{id}.json"`},
		{"/users/{id}/{id}", "appears twice"},
		{"/users/:id/{id}", "appears twice"},
		{"/users/{a-b}", "characters other than"},
		{"/users/{{id}}", "characters other than"},
		{"/users/:{id}", "characters other than"},
		{"/files/{path...}/x", `catch-all "{path...}" must be the last segment`},
		{"/files/{path...}/", "must be the last segment"},
		{"/files/{$}", `"{$}" is not supported`},
	}
	for _, tt := range tests {
		_, _, err := parsePattern(tt.pattern)
		if !errors.Is(err, ErrInvalidPattern) || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), fmt.Sprintf("%q", tt.pattern)) {
			t.Errorf("parsePattern(%q) error = %v, want ErrInvalidPattern naming the pattern and containing %q", tt.pattern, err, tt.want)
		}
	}
	long := ""
	for i := 0; i <= maxParams; i++ {
		long += "/:p" + string(rune('a'+i%26)) + strings.Repeat("x", i/26)
	}
	if _, _, err := parsePattern(long); err == nil || !strings.Contains(err.Error(), "too many") {
		t.Errorf("pattern with %d parameters: error = %v", maxParams+1, err)
	}
}
