package router

import (
	"strings"
)

// maxParams bounds the parameters of one pattern, so that matching can keep
// their values in a fixed array on the stack.
const maxParams = 32

type tokenKind uint8

const (
	tokStatic   tokenKind = iota // literal bytes, '/' included
	tokParam                     // ":name": one non-empty segment
	tokCatchAll                  // "*name": the rest of the path, possibly empty
)

// token is one piece of a parsed pattern.
type token struct {
	kind tokenKind
	text string // the literal for tokStatic, the name otherwise
}

// parsePattern splits a pattern into tokens and returns the names of its
// parameters in order.
//
// A pattern starts with '/' and is clean: no empty segment except a final
// one (a trailing slash), no "." or ".." segment, since requests are matched
// after cleaning and such a pattern could never match. A segment ":name" or
// "{name}" is a parameter; a segment "*name" or "{name...}" is a catch-all
// and must be the last (the brace forms are those of chi and of Go 1.22's
// ServeMux, and mean exactly the same as the others). Names are made of
// ASCII letters, digits and '_', and are unique within the pattern. A ':'
// or '*' elsewhere in a segment is a literal character; a '{' or '}'
// anywhere else is refused, since such a segment would be registered as a
// literal and silently never match what its author meant.
func parsePattern(pattern string) ([]token, []string, error) {
	if pattern == "" || pattern[0] != '/' {
		return nil, nil, invalidPattern(pattern, "must start with '/'")
	}
	if strings.IndexByte(pattern, 0) >= 0 {
		return nil, nil, invalidPattern(pattern, "contains a NUL byte")
	}
	var (
		toks   []token
		names  []string
		static strings.Builder
	)
	static.WriteByte('/')
	flush := func() {
		if static.Len() > 0 {
			toks = append(toks, token{kind: tokStatic, text: static.String()})
			static.Reset()
		}
	}
	segs := strings.Split(pattern[1:], "/")
	for i, seg := range segs {
		last := i == len(segs)-1
		if i > 0 {
			static.WriteByte('/')
		}
		switch {
		case seg == "" && !last:
			return nil, nil, invalidPattern(pattern, "empty segment (\"//\"); patterns must be clean")
		case seg == "." || seg == "..":
			return nil, nil, invalidPattern(pattern, "dot segment; patterns must be clean")
		case seg == "":
			// A trailing slash, already written.
		case seg[0] == ':' || seg[0] == '*' || strings.ContainsAny(seg, "{}"):
			kind, name, err := parameter(pattern, seg)
			if err != nil {
				return nil, nil, err
			}
			if err := checkName(pattern, name, names); err != nil {
				return nil, nil, err
			}
			if kind == tokCatchAll && !last {
				return nil, nil, invalidPattern(pattern, "catch-all \""+seg+"\" must be the last segment")
			}
			flush()
			toks = append(toks, token{kind: kind, text: name})
			names = append(names, name)
			if len(names) > maxParams {
				return nil, nil, invalidPattern(pattern, "too many parameters")
			}
		default:
			static.WriteString(seg)
		}
	}
	flush()
	return toks, names, nil
}

// parameter returns the kind and name of a parameter or catch-all
// segment: ":name", "*name", "{name}" or "{name...}". A segment holding a
// '{' or '}' in any other way is refused: chi and Go 1.22 users write
// "/users/{id}", and a literal "{id}" would never match.
func parameter(pattern, seg string) (tokenKind, string, error) {
	switch {
	case seg[0] == ':':
		return tokParam, seg[1:], nil
	case seg[0] == '*':
		return tokCatchAll, seg[1:], nil
	case len(seg) < 2 || seg[0] != '{' || seg[len(seg)-1] != '}':
		return 0, "", invalidPattern(pattern, "segment \""+seg+"\": '{' and '}' may only enclose a whole segment, {name} or {name...}")
	}
	name := seg[1 : len(seg)-1]
	if name == "$" {
		return 0, "", invalidPattern(pattern, "\"{$}\" is not supported: patterns match exactly, so \"/a/\" already matches only \"/a/\"")
	}
	if n, ok := strings.CutSuffix(name, "..."); ok {
		return tokCatchAll, n, nil
	}
	return tokParam, name, nil
}

// checkName validates a parameter name against the rules of parsePattern.
func checkName(pattern, name string, seen []string) error {
	if name == "" {
		return invalidPattern(pattern, "empty parameter name")
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_') {
			return invalidPattern(pattern, "parameter name \""+name+"\" has characters other than letters, digits and '_'")
		}
	}
	for _, s := range seen {
		if s == name {
			return invalidPattern(pattern, "parameter \""+name+"\" appears twice")
		}
	}
	return nil
}
