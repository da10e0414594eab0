package config

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/rawsock/httpserver"
)

func TestDefaults(t *testing.T) {
	c, err := Load(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := Config{
		Addr:              ":8080",
		ReadHeaderTimeout: httpserver.DefaultTimeouts().ReadHeader,
		ReadTimeout:       httpserver.DefaultTimeouts().Read,
		WriteTimeout:      httpserver.DefaultTimeouts().Write,
		IdleTimeout:       httpserver.DefaultTimeouts().Idle,
		ShutdownTimeout:   15 * time.Second,
		FileCache:         time.Second,
		MaxHeaderBytes:    int64(httpserver.DefaultLimits().MaxHeaderBytes),
		MaxBodyBytes:      httpserver.DefaultLimits().MaxBodyBytes,
		MaxConns:          httpserver.DefaultLimits().MaxConns,
		LogLevel:          slog.LevelInfo,
		LogFormat:         "json",
		Demo:              true,
		H2C:               true,
		UpgradeTimeout:    30 * time.Second,
	}
	if !reflect.DeepEqual(c, want) {
		t.Errorf("Load(nil, nil) = %+v\nwant %+v", c, want)
	}
}

// precedenceCase gives three distinct valid values of one key, one per
// source, and reads the key back as text.
type precedenceCase struct {
	name                string // flag name
	yaml, env, flag     string // raw values
	wantYAML, wantEnv   string // as rendered by get; empty means same as raw
	wantFlag, wantDeflt string
	get                 func(c *Config) string
}

func TestPrecedence(t *testing.T) {
	dirs := [3]string{t.TempDir(), t.TempDir(), t.TempDir()}
	cases := []precedenceCase{
		{name: "addr", yaml: ":1", env: ":2", flag: "127.0.0.1:3", wantDeflt: ":8080", get: func(c *Config) string { return c.Addr }},
		{name: "read-header-timeout", yaml: "1s", env: "2s", flag: "3s", wantDeflt: "10s", get: func(c *Config) string { return c.ReadHeaderTimeout.String() }},
		{name: "read-timeout", yaml: "1s", env: "2s", flag: "3s", wantDeflt: "1m0s", get: func(c *Config) string { return c.ReadTimeout.String() }},
		{name: "write-timeout", yaml: "1s", env: "250ms", flag: "0s", wantDeflt: "1m0s", get: func(c *Config) string { return c.WriteTimeout.String() }},
		{name: "response-timeout", yaml: "1h", env: "2m", flag: "3s", wantYAML: "1h0m0s", wantEnv: "2m0s", wantDeflt: "0s", get: func(c *Config) string { return c.ResponseTimeout.String() }},
		{name: "idle-timeout", yaml: "1m", env: "2m", flag: "3m", wantYAML: "1m0s", wantEnv: "2m0s", wantFlag: "3m0s", wantDeflt: "2m0s", get: func(c *Config) string { return c.IdleTimeout.String() }},
		{name: "shutdown-timeout", yaml: "1s", env: "2s", flag: "3s", wantDeflt: "15s", get: func(c *Config) string { return c.ShutdownTimeout.String() }},
		{name: "file-cache", yaml: "1s", env: "2s", flag: "3s", wantDeflt: "1s", get: func(c *Config) string { return c.FileCache.String() }},
		{name: "shutdown-delay", yaml: "1s", env: "2s", flag: "3s", wantDeflt: "0s", get: func(c *Config) string { return c.ShutdownDelay.String() }},
		{name: "max-header-bytes", yaml: "1000", env: "2KiB", flag: "3000", wantEnv: "2048", wantDeflt: "65536", get: func(c *Config) string { return fmt.Sprint(c.MaxHeaderBytes) }},
		{name: "max-body-bytes", yaml: "1MiB", env: "2000", flag: "1GiB", wantYAML: "1048576", wantFlag: "1073741824", wantDeflt: "10485760", get: func(c *Config) string { return fmt.Sprint(c.MaxBodyBytes) }},
		{name: "max-conns", yaml: "1", env: "2", flag: "0", wantDeflt: "10000", get: func(c *Config) string { return fmt.Sprint(c.MaxConns) }},
		{name: "log-level", yaml: "debug", env: "WARN", flag: "error", wantYAML: "DEBUG", wantEnv: "WARN", wantFlag: "ERROR", wantDeflt: "INFO", get: func(c *Config) string { return c.LogLevel.String() }},
		{name: "log-format", yaml: "text", env: "json", flag: "text", wantDeflt: "json", get: func(c *Config) string { return c.LogFormat }},
		{name: "server-name", yaml: "one", env: "two/2", flag: "three (3)", wantDeflt: "", get: func(c *Config) string { return c.ServerName }},
		{name: "demo", yaml: "false", env: "true", flag: "false", wantDeflt: "true", get: func(c *Config) string { return fmt.Sprint(c.Demo) }},
		{name: "workers", yaml: "4", env: "0", flag: "1024", wantDeflt: "0", get: func(c *Config) string { return fmt.Sprint(c.Workers) }},
		{name: "upgrade-timeout", yaml: "1s", env: "2s", flag: "3s", wantDeflt: "30s", get: func(c *Config) string { return c.UpgradeTimeout.String() }},
		{name: "root", yaml: dirs[0], env: dirs[1], flag: dirs[2], wantDeflt: "", get: func(c *Config) string { return c.Root }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			key := strings.ReplaceAll(tc.name, "-", "_")
			envKey := "HTTPSERVER_" + strings.ToUpper(key)
			file := writeYAML(t, fmt.Sprintf("%s: %q\n", key, tc.yaml))
			or := func(a, b string) string {
				if a != "" {
					return a
				}
				return b
			}
			steps := []struct {
				stage string
				args  []string
				env   map[string]string
				want  string
			}{
				{"default", nil, nil, tc.wantDeflt},
				{"yaml", []string{"--config", file}, nil, or(tc.wantYAML, tc.yaml)},
				{"yaml via env", nil, map[string]string{"HTTPSERVER_CONFIG": file}, or(tc.wantYAML, tc.yaml)},
				{"env over yaml", []string{"--config", file}, map[string]string{envKey: tc.env}, or(tc.wantEnv, tc.env)},
				{"flag over env", []string{"--config=" + file, "--" + tc.name + "=" + tc.flag}, map[string]string{envKey: tc.env}, or(tc.wantFlag, tc.flag)},
				{"single-dash flag", []string{"-" + tc.name + "=" + tc.flag}, map[string]string{envKey: tc.env}, or(tc.wantFlag, tc.flag)},
			}
			for _, st := range steps {
				c, err := Load(st.args, env(st.env))
				if err != nil {
					t.Fatalf("%s: %v", st.stage, err)
				}
				if got := tc.get(&c); got != st.want {
					t.Errorf("%s: got %q, want %q", st.stage, got, st.want)
				}
			}
		})
	}
}

// TestEverySettingHasYAMLField checks that the YAML file shape and the
// settings table agree.
func TestEverySettingHasYAMLField(t *testing.T) {
	var f fileConfig
	nodes := f.nodes()
	for _, s := range settings {
		_, ok := nodes[s.yamlKey()]
		if want := !s.flagOnly && !s.envOnly; ok != want {
			t.Errorf("setting %s: YAML field present = %v, want %v", s.name, ok, want)
		}
	}
	yamlKeys := 0
	for _, s := range settings {
		if !s.flagOnly && !s.envOnly {
			yamlKeys++
		}
	}
	if len(nodes) != yamlKeys {
		t.Errorf("fileConfig has %d keys, settings has %d YAML keys", len(nodes), yamlKeys)
	}
}

func TestFlagForms(t *testing.T) {
	cases := []struct {
		args []string
		want func(c Config) bool
	}{
		{[]string{"--demo"}, func(c Config) bool { return c.Demo }},
		{[]string{"--demo=false"}, func(c Config) bool { return !c.Demo }},
		{[]string{"-demo=0"}, func(c Config) bool { return !c.Demo }},
		{[]string{"--version"}, func(c Config) bool { return c.Version }},
		{[]string{"--addr", ":9", "--addr", ":10"}, func(c Config) bool { return c.Addr == ":10" }},
		{[]string{"--max-conns", "7", "--"}, func(c Config) bool { return c.MaxConns == 7 }},
		{[]string{"--server-name="}, func(c Config) bool { return c.ServerName == "" }},
	}
	for _, tc := range cases {
		c, err := Load(tc.args, env(map[string]string{"HTTPSERVER_DEMO": "true"}))
		if err != nil {
			t.Errorf("%q: %v", tc.args, err)
			continue
		}
		if !tc.want(c) {
			t.Errorf("%q: unexpected config %+v", tc.args, c)
		}
	}
}

func TestEnvDemoFalse(t *testing.T) {
	c, err := Load(nil, env(map[string]string{"HTTPSERVER_DEMO": "false"}))
	if err != nil || c.Demo {
		t.Fatalf("HTTPSERVER_DEMO=false: demo=%v err=%v", c.Demo, err)
	}
	c, err = Load(nil, env(map[string]string{"HTTPSERVER_DEMO": ""}))
	if err != nil || !c.Demo {
		t.Fatalf("empty HTTPSERVER_DEMO counts as unset: demo=%v err=%v", c.Demo, err)
	}
}

// TestH2COnByDefaultInTheBinary: the binary serves h2c unless told not
// to, by flag or environment, and Apply passes the choice to the Server.
func TestH2COnByDefaultInTheBinary(t *testing.T) {
	for _, tt := range []struct {
		name string
		args []string
		env  map[string]string
		want bool
	}{
		{"default", nil, nil, true},
		{"flag", []string{"--h2c=false"}, nil, false},
		{"environment", nil, map[string]string{"HTTPSERVER_H2C": "false"}, false},
	} {
		c, err := Load(tt.args, env(tt.env))
		if err != nil || c.H2C != tt.want {
			t.Errorf("%s: h2c=%v err=%v, want %v", tt.name, c.H2C, err, tt.want)
		}
		var s httpserver.Server
		c.Apply(&s)
		if s.HTTP2.H2C != tt.want {
			t.Errorf("%s: Apply set HTTP2.H2C=%v, want %v", tt.name, s.HTTP2.H2C, tt.want)
		}
	}
}

// TestEpollHandOff: epoll-hand-off is read from each source, standalone
// or with a value, the higher source winning, and Apply passes it to the
// Server as PoolOptions.AlwaysHandOff.
func TestEpollHandOff(t *testing.T) {
	epollYAML := "engine: epoll\n"
	for _, tt := range []struct {
		name string
		args []string
		env  map[string]string
		yaml string // written to a file passed with --config when not empty
		want bool
	}{
		{"default", nil, nil, "", false},
		{"default with epoll", []string{"--engine", "epoll"}, nil, "", false},
		{"flag alone", []string{"--engine", "epoll", "--epoll-hand-off"}, nil, "", true},
		{"flag true", []string{"--engine=epoll", "--epoll-hand-off=true"}, nil, "", true},
		{"single-dash flag", []string{"-engine=epoll", "-epoll-hand-off=1"}, nil, "", true},
		{"flag false", []string{"--epoll-hand-off=false"}, nil, "", false},
		{"flag false with another engine", []string{"--engine", "pool", "--epoll-hand-off=false"}, nil, "", false},
		{"environment", nil, map[string]string{"HTTPSERVER_ENGINE": "epoll", "HTTPSERVER_EPOLL_HAND_OFF": "true"}, "", true},
		{"environment T", nil, map[string]string{"HTTPSERVER_ENGINE": "epoll", "HTTPSERVER_EPOLL_HAND_OFF": "T"}, "", true},
		{"empty environment is unset", []string{"--engine", "epoll"}, map[string]string{"HTTPSERVER_EPOLL_HAND_OFF": ""}, "", false},
		{"file", nil, nil, epollYAML + "epoll_hand_off: true\n", true},
		{"file false", nil, nil, epollYAML + "epoll_hand_off: false\n", false},
		{"file engine, flag", []string{"--epoll-hand-off"}, nil, epollYAML, true},
		{"environment over file", nil, map[string]string{"HTTPSERVER_EPOLL_HAND_OFF": "false"}, epollYAML + "epoll_hand_off: true\n", false},
		{"flag over environment", []string{"--epoll-hand-off=false"}, map[string]string{"HTTPSERVER_ENGINE": "epoll", "HTTPSERVER_EPOLL_HAND_OFF": "true"}, "", false},
		{"flag over file", []string{"--epoll-hand-off"}, nil, epollYAML + "epoll_hand_off: false\n", true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			args := tt.args
			if tt.yaml != "" {
				args = append([]string{"--config", writeYAML(t, tt.yaml)}, args...)
			}
			c, err := Load(args, env(tt.env))
			if err != nil || c.EpollHandOff != tt.want {
				t.Fatalf("epoll-hand-off=%v err=%v, want %v", c.EpollHandOff, err, tt.want)
			}
			var s httpserver.Server
			c.Apply(&s)
			if s.Pool.AlwaysHandOff != tt.want {
				t.Errorf("Apply set Pool.AlwaysHandOff=%v, want %v", s.Pool.AlwaysHandOff, tt.want)
			}
		})
	}
}

func TestVersionNotFromEnv(t *testing.T) {
	c, err := Load(nil, env(map[string]string{"HTTPSERVER_VERSION": "true"}))
	if err != nil || c.Version {
		t.Fatalf("HTTPSERVER_VERSION must be ignored: version=%v err=%v", c.Version, err)
	}
}

func TestHelp(t *testing.T) {
	for _, arg := range []string{"-h", "--help", "-help"} {
		if _, err := Load([]string{arg}, nil); !errors.Is(err, ErrHelp) {
			t.Errorf("%s: err = %v, want ErrHelp", arg, err)
		}
	}
}

func TestUsage(t *testing.T) {
	var b strings.Builder
	Usage(&b)
	out := b.String()
	for _, s := range settings {
		if !strings.Contains(out, "--"+s.name) {
			t.Errorf("usage lacks --%s", s.name)
		}
		if !s.flagOnly && !strings.Contains(out, s.envKey()) {
			t.Errorf("usage lacks %s", s.envKey())
		}
	}
	for _, want := range []string{`(default ":8080")`, "(default 15s)", "(default json)", "(default true)", "(default 10000)"} {
		if !strings.Contains(out, want) {
			t.Errorf("usage lacks %s:\n%s", want, out)
		}
	}
}

func TestRelativeDirsInFile(t *testing.T) {
	dir := t.TempDir()
	for _, d := range []string{"site", "public"} {
		if err := os.Mkdir(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	file := filepath.Join(dir, "c.yaml")
	text := "root: site\nstatic:\n  - {prefix: /assets/, dir: ./public, cache_control: \"public, max-age=60\", listing: true}\n  - prefix: /b\n    dir: " + dir + "\n"
	if err := os.WriteFile(file, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := Load([]string{"--config", file}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(dir, "site"); c.Root != want {
		t.Errorf("root = %q, want %q", c.Root, want)
	}
	want := []Mount{
		{Prefix: "/assets", Dir: filepath.Join(dir, "public"), CacheControl: "public, max-age=60", Listing: true},
		{Prefix: "/b", Dir: dir},
	}
	if !reflect.DeepEqual(c.Static, want) {
		t.Errorf("static = %+v\nwant %+v", c.Static, want)
	}
	if c.File != file {
		t.Errorf("File = %q, want %q", c.File, file)
	}
}

func TestEmptyFile(t *testing.T) {
	for _, text := range []string{"", "# only a comment\n"} {
		c, err := Load([]string{"--config", writeYAML(t, text)}, nil)
		if err != nil {
			t.Fatalf("%q: %v", text, err)
		}
		if c.Addr != ":8080" {
			t.Errorf("%q: addr = %q", text, c.Addr)
		}
	}
}

func TestAnchorsAndAliases(t *testing.T) {
	c, err := Load([]string{"--config", writeYAML(t, "read_timeout: &t 5s\nwrite_timeout: *t\n")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.WriteTimeout != 5*time.Second {
		t.Errorf("write_timeout = %v, want 5s", c.WriteTimeout)
	}
}

// TestRootTurnsDemoOff: with a root directory the demo endpoints are off,
// unless demo is set explicitly by flag, environment or file.
func TestRootTurnsDemoOff(t *testing.T) {
	root := t.TempDir()
	for _, tc := range []struct {
		name string
		args []string
		env  map[string]string
		yaml string
		want bool
	}{
		{"no root", nil, nil, "", true},
		{"flag root", []string{"--root", root}, nil, "", false},
		{"env root", nil, map[string]string{"HTTPSERVER_ROOT": root}, "", false},
		{"yaml root", nil, nil, "root: " + root + "\n", false},
		{"flag root, flag demo", []string{"--root", root, "--demo"}, nil, "", true},
		{"flag root, demo=true", []string{"--root", root, "--demo=true"}, nil, "", true},
		{"flag root, env demo", []string{"--root", root}, map[string]string{"HTTPSERVER_DEMO": "true"}, "", true},
		{"flag root, yaml demo", []string{"--root", root}, nil, "demo: true\n", true},
		{"yaml root and demo", nil, nil, "root: " + root + "\ndemo: true\n", true},
		{"flag root, demo=false", []string{"--root", root, "--demo=false"}, nil, "", false},
		{"no root, demo=false", []string{"--demo=false"}, nil, "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := tc.args
			if tc.yaml != "" {
				args = append([]string{"--config", writeYAML(t, tc.yaml)}, args...)
			}
			c, err := Load(args, env(tc.env))
			if err != nil || c.Demo != tc.want {
				t.Errorf("Demo = %v, %v; want %v", c.Demo, err, tc.want)
			}
		})
	}
}
