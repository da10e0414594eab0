package config

import (
	"errors"
	"fmt"
	"os"
)

// Load builds the configuration from command-line arguments (without the
// program name), the environment read through getenv, and the YAML file
// named by --config or HTTPSERVER_CONFIG. Flags take precedence over the
// environment, which takes precedence over the file, which takes precedence
// over [Default]. An empty environment variable counts as unset.
//
// It returns [ErrHelp] when asked for help, and an [*Error] for any bad
// flag, value or key.
func Load(args []string, getenv func(string) string) (Config, error) {
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	flags, err := parseFlags(args)
	if err != nil {
		return Config{}, err
	}
	c := Default()
	origin := make(map[string]*Error)

	// The file comes first; its name may be given by a flag or the
	// environment.
	file, fileOrigin := "", (*Error)(nil)
	if v := getenv(lookup("config").envKey()); v != "" {
		file, fileOrigin = v, &Error{Source: "env", Key: lookup("config").envKey()}
	}
	for _, f := range flags {
		if f.s.name == "config" {
			file, fileOrigin = f.value, &Error{Source: "flag", Key: "--config"}
		}
	}
	if fileOrigin != nil {
		if _, err := parsePath(file); err != nil {
			fileOrigin.Problem = err.Error()
			return Config{}, fileOrigin
		}
		if err := loadFile(&c, file, origin); err != nil {
			return Config{}, err
		}
		c.File = file
	}

	for i := range settings {
		s := &settings[i]
		if s.flagOnly {
			continue
		}
		if v := getenv(s.envKey()); v != "" {
			where := &Error{Source: "env", Key: s.envKey()}
			if err := s.set(&c, v); err != nil {
				where.Problem = err.Error()
				return Config{}, where
			}
			origin[s.name] = where
		}
	}
	for _, f := range flags {
		where := &Error{Source: "flag", Key: "--" + f.s.name}
		if err := f.s.set(&c, f.value); err != nil {
			where.Problem = err.Error()
			return Config{}, where
		}
		origin[f.s.name] = where
	}
	if err := validate(&c, origin); err != nil {
		return Config{}, err
	}
	// A site served from --root keeps the demo endpoints (/api/echo
	// reflects request headers and shadows files under the root) only
	// when demo is set explicitly, by flag, environment or file.
	if c.Root != "" && origin["demo"] == nil {
		c.Demo = false
	}
	return c, nil
}

// validate checks what no single value can: that the directories to serve
// exist, and that the settings do not contradict each other.
func validate(c *Config, origin map[string]*Error) error {
	if c.Root != "" {
		if problem := checkDir(c.Root); problem != "" {
			where := origin["root"]
			where.Problem = problem
			return where
		}
	}
	for i, m := range c.Static {
		if problem := checkDir(m.Dir); problem != "" {
			return &Error{Source: "config", Key: fmt.Sprintf("static[%d].dir", i), Problem: problem, File: c.File}
		}
	}
	if err := checkTLS(c, origin); err != nil {
		return err
	}
	return checkConflicts(c, origin)
}

// checkDir describes why dir cannot be served, or returns "".
func checkDir(dir string) string {
	fi, err := os.Stat(dir)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return fmt.Sprintf("cannot use directory %q: %v", dir, err)
	}
	if !fi.IsDir() {
		return fmt.Sprintf("not a directory %q", dir)
	}
	return ""
}
