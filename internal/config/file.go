package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/rawsock/httpserver/internal/syntax"
	"go.yaml.in/yaml/v3"
)

// fileConfig is the shape of the YAML file. Values are kept as nodes so
// that this package parses them and words their errors; unknown keys are
// rejected by the decoder (KnownFields).
type fileConfig struct {
	Addr              yaml.Node   `yaml:"addr"`
	ReadHeaderTimeout yaml.Node   `yaml:"read_header_timeout"`
	ReadTimeout       yaml.Node   `yaml:"read_timeout"`
	WriteTimeout      yaml.Node   `yaml:"write_timeout"`
	ResponseTimeout   yaml.Node   `yaml:"response_timeout"`
	IdleTimeout       yaml.Node   `yaml:"idle_timeout"`
	ShutdownTimeout   yaml.Node   `yaml:"shutdown_timeout"`
	ShutdownDelay     yaml.Node   `yaml:"shutdown_delay"`
	MaxHeaderBytes    yaml.Node   `yaml:"max_header_bytes"`
	MaxBodyBytes      yaml.Node   `yaml:"max_body_bytes"`
	MaxConns          yaml.Node   `yaml:"max_conns"`
	Engine            yaml.Node   `yaml:"engine"`
	EpollHandOff      yaml.Node   `yaml:"epoll_hand_off"`
	H2C               yaml.Node   `yaml:"h2c"`
	LogLevel          yaml.Node   `yaml:"log_level"`
	LogFormat         yaml.Node   `yaml:"log_format"`
	ServerName        yaml.Node   `yaml:"server_name"`
	Demo              yaml.Node   `yaml:"demo"`
	Root              yaml.Node   `yaml:"root"`
	FileCache         yaml.Node   `yaml:"file_cache"`
	Workers           yaml.Node   `yaml:"workers"`
	UpgradeTimeout    yaml.Node   `yaml:"upgrade_timeout"`
	TLSCert           yaml.Node   `yaml:"tls_cert"`
	TLSKey            yaml.Node   `yaml:"tls_key"`
	TLSSelfSigned     yaml.Node   `yaml:"tls_self_signed"`
	RedirectAddr      yaml.Node   `yaml:"redirect_addr"`
	Static            []mountFile `yaml:"static"`
	TLSCertificates   []certEntry `yaml:"tls_certificates"`
	Middleware        *mwSection  `yaml:"middleware"`
}

// mountFile is one entry of the static list.
type mountFile struct {
	Prefix       yaml.Node `yaml:"prefix"`
	Dir          yaml.Node `yaml:"dir"`
	CacheControl yaml.Node `yaml:"cache_control"`
	Listing      yaml.Node `yaml:"listing"`
}

// nodes maps each YAML key of a setting to its node.
func (f *fileConfig) nodes() map[string]*yaml.Node {
	return map[string]*yaml.Node{
		"addr":                &f.Addr,
		"read_header_timeout": &f.ReadHeaderTimeout,
		"read_timeout":        &f.ReadTimeout,
		"write_timeout":       &f.WriteTimeout,
		"response_timeout":    &f.ResponseTimeout,
		"idle_timeout":        &f.IdleTimeout,
		"shutdown_timeout":    &f.ShutdownTimeout,
		"shutdown_delay":      &f.ShutdownDelay,
		"max_header_bytes":    &f.MaxHeaderBytes,
		"max_body_bytes":      &f.MaxBodyBytes,
		"max_conns":           &f.MaxConns,
		"engine":              &f.Engine,
		"epoll_hand_off":      &f.EpollHandOff,
		"h2c":                 &f.H2C,
		"log_level":           &f.LogLevel,
		"log_format":          &f.LogFormat,
		"server_name":         &f.ServerName,
		"demo":                &f.Demo,
		"root":                &f.Root,
		"file_cache":          &f.FileCache,
		"workers":             &f.Workers,
		"upgrade_timeout":     &f.UpgradeTimeout,
		"tls_cert":            &f.TLSCert,
		"tls_key":             &f.TLSKey,
		"tls_self_signed":     &f.TLSSelfSigned,
		"redirect_addr":       &f.RedirectAddr,
	}
}

// maxFileBytes bounds the configuration file read.
const maxFileBytes = 1 << 20

// loadFile applies the YAML file at name to c, recording where each value
// came from in origin. Relative directories in the file are taken relative
// to the file's own directory.
func loadFile(c *Config, name string, origin map[string]*Error) error {
	data, err := os.ReadFile(name)
	if err != nil {
		return &Error{Source: "config", Problem: err.Error()}
	}
	if len(data) > maxFileBytes {
		return &Error{Source: "config", Problem: fmt.Sprintf("file larger than %d bytes", maxFileBytes), File: name}
	}
	var f fileConfig
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	switch err := dec.Decode(&f); {
	case errors.Is(err, io.EOF):
		return nil // an empty file sets nothing
	case err != nil:
		return yamlError(err, name)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return &Error{Source: "config", Problem: "more than one YAML document", File: name}
	}

	base := filepath.Dir(name)
	nodes := f.nodes()
	for i := range settings {
		s := &settings[i]
		n := nodes[s.yamlKey()]
		if n == nil || n.Kind == 0 {
			continue
		}
		where := &Error{Source: "config", Key: s.yamlKey(), File: name, Line: n.Line}
		v, err := scalar(n)
		if err == nil {
			if (s.name == "root" || s.name == "tls-cert" || s.name == "tls-key") && v != "" {
				v = relativeTo(base, v)
			}
			err = s.set(c, v)
		}
		if err != nil {
			where.Problem = err.Error()
			return where
		}
		origin[s.name] = where
	}
	if f.Static != nil {
		mounts, err := parseMounts(f.Static, name, base)
		if err != nil {
			return err
		}
		c.Static = mounts
	}
	if f.TLSCertificates != nil {
		pairs, err := parseCertList(f.TLSCertificates, name, base)
		if err != nil {
			return err
		}
		c.TLSCertificates = pairs
	}
	if f.Middleware != nil {
		if err := f.Middleware.apply(&c.Middleware, name); err != nil {
			return err
		}
		f.Middleware.recordOrigins(origin, name)
	}
	return nil
}

// scalar returns the text of a scalar node, rejecting nulls, lists and
// mappings.
func scalar(n *yaml.Node) (string, error) {
	switch {
	case n.Kind == yaml.AliasNode && n.Alias != nil:
		return scalar(n.Alias)
	case n.Kind != yaml.ScalarNode:
		return "", errors.New("want a single value, not a list or mapping")
	case n.Tag == "!!null":
		return "", errors.New("missing value")
	}
	return n.Value, nil
}

// parseMounts validates the static list.
func parseMounts(list []mountFile, file, base string) ([]Mount, error) {
	mounts := make([]Mount, 0, len(list))
	seen := make(map[string]int)
	for i := range list {
		m := &list[i]
		var out Mount
		fail := func(field string, n *yaml.Node, problem string) error {
			line := n.Line
			return &Error{Source: "config", Key: fmt.Sprintf("static[%d].%s", i, field), Problem: problem, File: file, Line: line}
		}
		for _, req := range []struct {
			field string
			n     *yaml.Node
		}{{"prefix", &m.Prefix}, {"dir", &m.Dir}} {
			if req.n.Kind == 0 {
				return nil, &Error{Source: "config", Key: fmt.Sprintf("static[%d]", i), Problem: req.field + " is required", File: file}
			}
		}
		prefix, err := scalar(&m.Prefix)
		if err == nil {
			prefix, err = parsePrefix(prefix)
		}
		if err != nil {
			return nil, fail("prefix", &m.Prefix, err.Error())
		}
		if j, dup := seen[prefix]; dup {
			return nil, fail("prefix", &m.Prefix, fmt.Sprintf("prefix %q already used by static[%d]", prefix, j))
		}
		seen[prefix] = i
		out.Prefix = prefix
		dir, err := scalar(&m.Dir)
		if err == nil {
			dir, err = parsePath(dir)
		}
		if err != nil {
			return nil, fail("dir", &m.Dir, err.Error())
		}
		out.Dir = relativeTo(base, dir)
		if m.CacheControl.Kind != 0 {
			cc, err := scalar(&m.CacheControl)
			if err == nil {
				cc, err = parseFieldValue("cache control", cc)
			}
			if err != nil {
				return nil, fail("cache_control", &m.CacheControl, err.Error())
			}
			out.CacheControl = cc
		}
		if m.Listing.Kind != 0 {
			v, err := scalar(&m.Listing)
			if err == nil {
				out.Listing, err = parseBool(v)
			}
			if err != nil {
				return nil, fail("listing", &m.Listing, err.Error())
			}
		}
		mounts = append(mounts, out)
	}
	return mounts, nil
}

// parsePrefix accepts a clean absolute URL path other than "/" and the
// paths reserved for the built-in endpoints; a trailing slash is dropped.
func parsePrefix(p string) (string, error) {
	trimmed := strings.TrimSuffix(p, "/")
	switch {
	case !strings.HasPrefix(p, "/"):
		return "", fmt.Errorf("invalid prefix %q (must start with /)", p)
	case trimmed == "":
		return "", fmt.Errorf("invalid prefix %q (use root to serve a directory at /)", p)
	case path.Clean(trimmed) != trimmed:
		return "", fmt.Errorf("invalid prefix %q (not a clean path)", p)
	case trimmed == "/health" || strings.HasPrefix(trimmed, "/health/"):
		return "", fmt.Errorf("invalid prefix %q (reserved for the health check)", p)
	}
	for i := 0; i < len(trimmed); i++ {
		if c := trimmed[i]; c <= ' ' || c == 0x7f || c == '?' || c == '#' || c == '%' {
			return "", fmt.Errorf("invalid prefix %q (character %q not allowed)", p, c)
		}
	}
	return trimmed, nil
}

// parseFieldValue accepts a header field value without control characters
// (RFC 9110 §5.5).
func parseFieldValue(what, s string) (string, error) {
	if !syntax.ValidFieldValue(s) {
		return "", fmt.Errorf("invalid %s %q (control character)", what, s)
	}
	return s, nil
}

// relativeTo resolves a relative path against base.
func relativeTo(base, p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(base, p)
}

var (
	unknownFieldRE = regexp.MustCompile(`^line (\d+): field (.+) not found in type (\S+)$`)
	lineRE         = regexp.MustCompile(`^(?:yaml: )?line (\d+): (.*)$`)
)

// yamlError turns a decoder error into one line naming the key.
func yamlError(err error, file string) error {
	msg := err.Error()
	var te *yaml.TypeError
	if errors.As(err, &te) && len(te.Errors) > 0 {
		msg = te.Errors[0]
		if m := unknownFieldRE.FindStringSubmatch(msg); m != nil {
			line, _ := strconv.Atoi(m[1])
			key := ""
			if strings.HasSuffix(m[3], ".mountFile") {
				key = "static"
			}
			if strings.HasSuffix(m[3], ".certEntry") {
				key = "tls_certificates"
			}
			return &Error{Source: "config", Key: key, Problem: fmt.Sprintf("unknown key %q", m[2]), File: file, Line: line}
		}
	}
	if m := lineRE.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		problem := m[2]
		if strings.Contains(problem, "into []config.mountFile") {
			return &Error{Source: "config", Key: "static", Problem: "want a list of mappings", File: file, Line: line}
		}
		if strings.Contains(problem, "into config.mountFile") {
			return &Error{Source: "config", Key: "static", Problem: "each entry must be a mapping", File: file, Line: line}
		}
		if strings.Contains(problem, "into config.fileConfig") {
			problem = "the file must be a mapping of keys to values"
		}
		return &Error{Source: "config", Problem: problem, File: file, Line: line}
	}
	return &Error{Source: "config", Problem: strings.TrimPrefix(msg, "yaml: "), File: file}
}
