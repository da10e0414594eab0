package config

import (
	"fmt"
	"io"
	"log/slog"
	"reflect"
	"strings"
	"time"
	"unicode"

	"go.yaml.in/yaml/v3"

	"github.com/rawsock/httpserver"
	"github.com/rawsock/httpserver/middleware"
)

// redacted replaces the value of a secret field in [Config.WriteEffective].
const redacted = "<redacted>"

// fieldKeys spells the fields whose key is not their name in snake_case.
var fieldKeys = map[string]string{"File": "config", "H2C": "h2c"}

// modeFields are the fields that pick what the binary does rather than how
// it serves; the effective configuration leaves them out.
var modeFields = map[string]bool{"Version": true, "CheckConfig": true}

// WriteEffective writes c to w as YAML, one key per field of [Config] in
// snake_case (nested for [Mount] and [Middleware]), durations and levels in
// the spelling the flags take. It is a report, not a configuration file:
// the keys follow the fields, not the YAML file's layout.
//
// A field tagged `secret:"true"` is written as "<redacted>" when it is not
// empty. No setting of the binary holds a secret today (none is a token, a
// password or a URL that could carry credentials); a new one that does
// gets the tag.
func (c *Config) WriteEffective(w io.Writer) error {
	e := *c
	if e.Engine == "" {
		e.Engine = httpserver.DefaultEngine
	}
	// The defaults that [Config.Pipeline] fills in for an unset value.
	m := &e.Middleware
	if m.AccessLogQuiet == nil {
		m.AccessLogQuiet = []string{"/health"}
	}
	if m.MetricsPath == "" && !m.NoMetrics {
		m.MetricsPath = "/metrics"
	}
	if m.AccessLogFormat == "" {
		m.AccessLogFormat = middleware.AccessLogJSON
	}
	return writeEffective(w, e)
}

// writeEffective writes the struct v as YAML in field order, redacting
// the fields tagged secret.
func writeEffective(w io.Writer, v any) error {
	enc := yaml.NewEncoder(w)
	enc.SetIndent(2)
	if err := enc.Encode(effectiveNode(reflect.ValueOf(v))); err != nil {
		return err
	}
	return enc.Close()
}

var (
	durationType = reflect.TypeFor[time.Duration]()
	levelType    = reflect.TypeFor[slog.Level]()
	stringerType = reflect.TypeFor[fmt.Stringer]()
)

// effectiveNode renders v as a YAML node.
func effectiveNode(v reflect.Value) *yaml.Node {
	switch {
	case v.Type() == durationType:
		return scalarNode(time.Duration(v.Int()).String())
	case v.Type() == levelType:
		return scalarNode(strings.ToLower(slog.Level(v.Int()).String()))
	case v.Kind() == reflect.Struct && v.Type().Implements(stringerType):
		return scalarNode(v.Interface().(fmt.Stringer).String()) // netip.Prefix
	}
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Value: "null"}
		}
		return effectiveNode(v.Elem())
	case reflect.Struct:
		n := &yaml.Node{Kind: yaml.MappingNode}
		for i := 0; i < v.NumField(); i++ {
			f := v.Type().Field(i)
			if !f.IsExported() || modeFields[f.Name] || !renderable(f.Type) {
				continue
			}
			val := effectiveNode(v.Field(i))
			if f.Tag.Get("secret") == "true" && !v.Field(i).IsZero() {
				val = scalarNode(redacted)
			}
			key := fieldKeys[f.Name]
			if key == "" {
				key = snakeCase(f.Name)
			}
			n.Content = append(n.Content, scalarNode(key), val)
		}
		return n
	case reflect.Slice, reflect.Array:
		n := &yaml.Node{Kind: yaml.SequenceNode, Style: yaml.FlowStyle}
		for i := 0; i < v.Len(); i++ {
			e := effectiveNode(v.Index(i))
			if e.Kind != yaml.ScalarNode {
				n.Style = 0 // a list of mappings reads better in block style
			}
			n.Content = append(n.Content, e)
		}
		return n
	case reflect.Map:
		n := &yaml.Node{Kind: yaml.MappingNode}
		iter := v.MapRange()
		for iter.Next() {
			n.Content = append(n.Content, scalarNode(fmt.Sprint(iter.Key().Interface())), effectiveNode(iter.Value()))
		}
		return n
	case reflect.String:
		return scalarNode(v.String())
	}
	n := &yaml.Node{}
	if err := n.Encode(v.Interface()); err != nil {
		return scalarNode(fmt.Sprint(v.Interface()))
	}
	return n
}

// renderable reports whether a field of type t has a value worth showing:
// not a function or channel (a hook set by code, not by configuration).
func renderable(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Func, reflect.Chan, reflect.UnsafePointer:
		return false
	}
	return true
}

func scalarNode(s string) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s}
}

// snakeCase spells a Go field name as a YAML key: ReadHeaderTimeout is
// read_header_timeout, CORSOrigins cors_origins.
func snakeCase(name string) string {
	var b strings.Builder
	r := []rune(name)
	for i, c := range r {
		if unicode.IsUpper(c) && i > 0 {
			prevLower := unicode.IsLower(r[i-1]) || unicode.IsDigit(r[i-1])
			nextLower := i+1 < len(r) && unicode.IsLower(r[i+1])
			if prevLower || nextLower && unicode.IsUpper(r[i-1]) {
				b.WriteByte('_')
			}
		}
		b.WriteRune(unicode.ToLower(c))
	}
	return b.String()
}
