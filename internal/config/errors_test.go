package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestErrors(t *testing.T) {
	notDir := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(notDir, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(t.TempDir(), "missing")
	cases := []struct {
		name string
		args []string
		env  map[string]string
		yaml string // written to a file passed with --config when not empty
		want string // the exact message, or with a trailing "…", its prefix
	}{
		// Flags.
		{name: "unknown flag", args: []string{"--nope=1"}, want: `httpserver: flag --nope: unknown flag`},
		{name: "missing value", args: []string{"--addr"}, want: `httpserver: flag --addr: missing value`},
		{name: "bad syntax", args: []string{"---addr=x"}, want: `httpserver: flag bad syntax "---addr=x"`},
		{name: "positional", args: []string{"serve"}, want: `httpserver: unexpected argument "serve" (flags come first, as --name=value)`},
		{name: "max-conns", args: []string{"--max-conns", "abc"}, want: `httpserver: flag --max-conns: invalid value "abc"`},
		{name: "workers too many", args: []string{"--workers=1025"}, want: `httpserver: flag --workers: too many workers "1025" (at most 1024)`},
		{name: "workers negative", args: []string{"--workers=-2"}, want: `httpserver: flag --workers: negative value "-2"`},
		{name: "max-conns negative", args: []string{"--max-conns=-1"}, want: `httpserver: flag --max-conns: negative value "-1"`},
		{name: "max-conns huge", args: []string{"--max-conns=99999999999999999999"}, want: `httpserver: flag --max-conns: value too large "99999999999999999999"`},
		{name: "read-timeout", args: []string{"--read-timeout", "3x"}, want: `httpserver: flag --read-timeout: invalid duration "3x"`},
		{name: "read-header-timeout unitless", args: []string{"--read-header-timeout=3"}, want: `httpserver: flag --read-header-timeout: invalid duration "3"`},
		{name: "write-timeout negative", args: []string{"--write-timeout=-1s"}, want: `httpserver: flag --write-timeout: negative duration "-1s"`},
		{name: "idle-timeout", args: []string{"--idle-timeout="}, want: `httpserver: flag --idle-timeout: invalid duration ""`},
		{name: "shutdown-timeout", args: []string{"--shutdown-timeout=soon"}, want: `httpserver: flag --shutdown-timeout: invalid duration "soon"`},
		{name: "shutdown-delay", args: []string{"--shutdown-delay=-1s"}, want: `httpserver: flag --shutdown-delay: negative duration "-1s"`},
		{name: "max-header-bytes", args: []string{"--max-header-bytes=1kb"}, want: `httpserver: flag --max-header-bytes: invalid size "1kb" (want bytes, optionally with KiB, MiB or GiB)`},
		{name: "max-header-bytes zero", args: []string{"--max-header-bytes=0"}, want: `httpserver: flag --max-header-bytes: size must be at least 1 byte, got "0"`},
		{name: "max-body-bytes negative", args: []string{"--max-body-bytes=-5"}, want: `httpserver: flag --max-body-bytes: negative size "-5"`},
		{name: "max-body-bytes sign", args: []string{"--max-body-bytes=+5"}, want: `httpserver: flag --max-body-bytes: invalid size "+5" (want bytes, optionally with KiB, MiB or GiB)`},
		{name: "max-body-bytes overflow", args: []string{"--max-body-bytes=9999999999999GiB"}, want: `httpserver: flag --max-body-bytes: size too large "9999999999999GiB"`},
		{name: "max-body-bytes bare unit", args: []string{"--max-body-bytes=MiB"}, want: `httpserver: flag --max-body-bytes: invalid size "MiB" (want bytes, optionally with KiB, MiB or GiB)`},
		{name: "log-level", args: []string{"--log-level=trace"}, want: `httpserver: flag --log-level: invalid log level "trace" (want debug, info, warn or error)`},
		{name: "log-format", args: []string{"--log-format=xml"}, want: `httpserver: flag --log-format: invalid log format "xml" (want json or text)`},
		{name: "server-name control", args: []string{"--server-name=a\r\nX-Evil: 1"}, want: `httpserver: flag --server-name: invalid server name "a\r\nX-Evil: 1" (control character)`},
		{name: "server-name space", args: []string{"--server-name= a"}, want: `httpserver: flag --server-name: invalid server name " a" (surrounding whitespace)`},
		{name: "demo", args: []string{"--demo=maybe"}, want: `httpserver: flag --demo: invalid boolean "maybe" (want true or false)`},
		{name: "epoll-hand-off", args: []string{"--engine=epoll", "--epoll-hand-off=on"}, want: `httpserver: flag --epoll-hand-off: invalid boolean "on" (want true or false)`},
		{name: "epoll-hand-off empty", args: []string{"--epoll-hand-off="}, want: `httpserver: flag --epoll-hand-off: invalid boolean "" (want true or false)`},
		{name: "version", args: []string{"--version=2"}, want: `httpserver: flag --version: invalid boolean "2" (want true or false)`},
		{name: "addr no port", args: []string{"--addr=localhost"}, want: `httpserver: flag --addr: invalid address "localhost" (want host:port)`},
		{name: "addr bad port", args: []string{"--addr=:99999"}, want: `httpserver: flag --addr: invalid port in address ":99999"`},
		{name: "addr named port", args: []string{"--addr=:http"}, want: `httpserver: flag --addr: invalid port in address ":http"`},
		{name: "root empty", args: []string{"--root="}, want: `httpserver: flag --root: empty path ""`},
		{name: "root missing", args: []string{"--root", missing}, want: `httpserver: flag --root: cannot use directory "` + missing + `": no such file or directory`},
		{name: "root not dir", args: []string{"--root", notDir}, want: `httpserver: flag --root: not a directory "` + notDir + `"`},
		{name: "config empty", args: []string{"--config="}, want: `httpserver: flag --config: empty path ""`},
		{name: "config missing", args: []string{"--config", missing}, want: `httpserver: config: open ` + missing + `: no such file or directory`},

		// Environment.
		{name: "env duration", env: map[string]string{"HTTPSERVER_READ_TIMEOUT": "3x"}, want: `httpserver: env HTTPSERVER_READ_TIMEOUT: invalid duration "3x"`},
		{name: "env demo", env: map[string]string{"HTTPSERVER_DEMO": "no"}, want: `httpserver: env HTTPSERVER_DEMO: invalid boolean "no" (want true or false)`},
		{name: "env epoll-hand-off", env: map[string]string{"HTTPSERVER_ENGINE": "epoll", "HTTPSERVER_EPOLL_HAND_OFF": "yes"}, want: `httpserver: env HTTPSERVER_EPOLL_HAND_OFF: invalid boolean "yes" (want true or false)`},
		{name: "env max-conns", env: map[string]string{"HTTPSERVER_MAX_CONNS": "many"}, want: `httpserver: env HTTPSERVER_MAX_CONNS: invalid value "many"`},
		{name: "env root", env: map[string]string{"HTTPSERVER_ROOT": notDir}, want: `httpserver: env HTTPSERVER_ROOT: not a directory "` + notDir + `"`},
		{name: "env config missing", env: map[string]string{"HTTPSERVER_CONFIG": missing}, want: `httpserver: config: open ` + missing + `: no such file or directory`},

		// YAML.
		{name: "yaml duration", yaml: "read_timeout: 3x\n", want: `httpserver: config: read_timeout: invalid duration "3x" (FILE line 1)`},
		{name: "yaml quoted duration", yaml: "addr: \":1\"\nwrite_timeout: \"-2s\"\n", want: `httpserver: config: write_timeout: negative duration "-2s" (FILE line 2)`},
		{name: "yaml unknown key", yaml: "addr: :1\nreadtimeout: 3s\n", want: `httpserver: config: unknown key "readtimeout" (FILE line 2)`},
		{name: "yaml flag spelling", yaml: "max-conns: 3\n", want: `httpserver: config: unknown key "max-conns" (FILE line 1)`},
		{name: "yaml config key", yaml: "config: other.yaml\n", want: `httpserver: config: unknown key "config" (FILE line 1)`},
		{name: "yaml version key", yaml: "version: true\n", want: `httpserver: config: unknown key "version" (FILE line 1)`},
		{name: "yaml null", yaml: "addr:\n", want: `httpserver: config: addr: missing value (FILE line 1)`},
		{name: "yaml list", yaml: "addr: [1, 2]\n", want: `httpserver: config: addr: want a single value, not a list or mapping (FILE line 1)`},
		{name: "yaml map", yaml: "demo: {a: 1}\n", want: `httpserver: config: demo: want a single value, not a list or mapping (FILE line 1)`},
		{name: "yaml bool", yaml: "demo: yes\n", want: `httpserver: config: demo: invalid boolean "yes" (want true or false)…`},
		{name: "yaml epoll_hand_off", yaml: "engine: epoll\nepoll_hand_off: off\n", want: `httpserver: config: epoll_hand_off: invalid boolean "off" (want true or false) (FILE line 2)`},
		{name: "yaml epoll_hand_off list", yaml: "epoll_hand_off: [true]\n", want: `httpserver: config: epoll_hand_off: want a single value, not a list or mapping (FILE line 1)`},
		{name: "yaml epoll-hand-off spelling", yaml: "epoll-hand-off: true\n", want: `httpserver: config: unknown key "epoll-hand-off" (FILE line 1)`},
		{name: "yaml size", yaml: "max_body_bytes: 10MB\n", want: `httpserver: config: max_body_bytes: invalid size "10MB" (want bytes, optionally with KiB, MiB or GiB) (FILE line 1)`},
		{name: "yaml duplicate", yaml: "addr: :1\naddr: :2\n", want: `httpserver: config: mapping key "addr" already defined at line 1 (FILE line 2)`},
		{name: "yaml syntax", yaml: "addr: [1\n", want: `httpserver: config: did not find expected ',' or ']' (FILE line 1)`},
		{name: "yaml not a mapping", yaml: "- a\n- b\n", want: `httpserver: config: the file must be a mapping of keys to values (FILE line 1)`},
		{name: "yaml two documents", yaml: "addr: :1\n---\naddr: :2\n", want: `httpserver: config: more than one YAML document (FILE)`},
		{name: "yaml tab indent", yaml: "static:\n\t- prefix: /a\n", want: `httpserver: config: found character that cannot start any token…`},
		{name: "yaml root missing", yaml: "root: /nonexistent-httpserver-root\n", want: `httpserver: config: root: cannot use directory "/nonexistent-httpserver-root": no such file or directory (FILE line 1)`},

		// YAML static mounts.
		{name: "static not list", yaml: "static: /a\n", want: `httpserver: config: static: want a list of mappings (FILE line 1)`},
		{name: "static entry not map", yaml: "static:\n  - /a\n", want: `httpserver: config: static: each entry must be a mapping (FILE line 2)`},
		{name: "static unknown key", yaml: "static:\n  - {prefix: /a, dir: ., cache: x}\n", want: `httpserver: config: static: unknown key "cache" (FILE line 2)`},
		{name: "static no prefix", yaml: "static:\n  - {dir: .}\n", want: `httpserver: config: static[0]: prefix is required (FILE)`},
		{name: "static no dir", yaml: "static:\n  - {prefix: /a, dir: .}\n  - {prefix: /b}\n", want: `httpserver: config: static[1]: dir is required (FILE)`},
		{name: "static relative prefix", yaml: "static:\n  - {prefix: a, dir: .}\n", want: `httpserver: config: static[0].prefix: invalid prefix "a" (must start with /) (FILE line 2)`},
		{name: "static root prefix", yaml: "static:\n  - {prefix: /, dir: .}\n", want: `httpserver: config: static[0].prefix: invalid prefix "/" (use root to serve a directory at /) (FILE line 2)`},
		{name: "static unclean prefix", yaml: "static:\n  - {prefix: /a/../b, dir: .}\n", want: `httpserver: config: static[0].prefix: invalid prefix "/a/../b" (not a clean path) (FILE line 2)`},
		{name: "static double slash", yaml: "static:\n  - {prefix: //a, dir: .}\n", want: `httpserver: config: static[0].prefix: invalid prefix "//a" (not a clean path) (FILE line 2)`},
		{name: "static health prefix", yaml: "static:\n  - {prefix: /health, dir: .}\n", want: `httpserver: config: static[0].prefix: invalid prefix "/health" (reserved for the health check) (FILE line 2)`},
		{name: "static health subprefix", yaml: "static:\n  - {prefix: /health/x/, dir: .}\n", want: `httpserver: config: static[0].prefix: invalid prefix "/health/x/" (reserved for the health check) (FILE line 2)`},
		{name: "static prefix char", yaml: "static:\n  - {prefix: \"/a b\", dir: .}\n", want: `httpserver: config: static[0].prefix: invalid prefix "/a b" (character ' ' not allowed) (FILE line 2)`},
		{name: "static prefix percent", yaml: "static:\n  - {prefix: \"/a%20\", dir: .}\n", want: `httpserver: config: static[0].prefix: invalid prefix "/a%20" (character '%' not allowed) (FILE line 2)`},
		{name: "static duplicate", yaml: "static:\n  - {prefix: /a, dir: .}\n  - {prefix: /a/, dir: .}\n", want: `httpserver: config: static[1].prefix: prefix "/a" already used by static[0] (FILE line 3)`},
		{name: "static null prefix", yaml: "static:\n  - {prefix: , dir: .}\n", want: `httpserver: config: static[0].prefix: missing value (FILE line 2)`},
		{name: "static empty dir", yaml: "static:\n  - {prefix: /a, dir: \"\"}\n", want: `httpserver: config: static[0].dir: empty path "" (FILE line 2)`},
		{name: "static listing", yaml: "static:\n  - {prefix: /a, dir: ., listing: sometimes}\n", want: `httpserver: config: static[0].listing: invalid boolean "sometimes" (want true or false) (FILE line 2)`},
		{name: "static cache control", yaml: "static:\n  - {prefix: /a, dir: ., cache_control: \"a\\nb\"}\n", want: `httpserver: config: static[0].cache_control: invalid cache control "a\nb" (control character) (FILE line 2)`},
		{name: "static dir missing", yaml: "static:\n  - {prefix: /a, dir: /nonexistent-httpserver-dir}\n", want: `httpserver: config: static[0].dir: cannot use directory "/nonexistent-httpserver-dir": no such file or directory (FILE)`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			args := tc.args
			want := tc.want
			if tc.yaml != "" {
				file := writeYAML(t, tc.yaml)
				args = append([]string{"--config", file}, args...)
				want = strings.ReplaceAll(want, "FILE", file)
			}
			_, err := Load(args, env(tc.env))
			if err == nil {
				t.Fatalf("no error, want %s", want)
			}
			var ce *Error
			if !errors.As(err, &ce) {
				t.Errorf("error %T is not a *config.Error", err)
			}
			msg := err.Error()
			if strings.ContainsAny(msg, "\r\n") {
				t.Errorf("message spans lines: %q", msg)
			}
			if prefix, ok := strings.CutSuffix(want, "…"); ok {
				if !strings.HasPrefix(msg, prefix) {
					t.Errorf("got  %s\nwant %s…", msg, prefix)
				}
			} else if msg != want {
				t.Errorf("got  %s\nwant %s", msg, want)
			}
		})
	}
}

func TestOneLine(t *testing.T) {
	cases := map[string]string{
		"a":              "a",
		" a\n":           "a",
		"a\n  b\r\nc":    "a; b; c",
		"yaml: x\n\n  y": "yaml: x; y",
	}
	for in, want := range cases {
		if got := oneLine(in); got != want {
			t.Errorf("oneLine(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestErrorWithoutLine(t *testing.T) {
	e := &Error{Source: "config", Key: "k", Problem: "p", File: "f"}
	if got, want := e.Error(), "httpserver: config: k: p (f)"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
