// Package config loads the configuration of the httpserver binary from
// command-line flags, HTTPSERVER_* environment variables and an optional
// YAML file, in that order of precedence, over built-in defaults.
//
// Every rejected value yields one [*Error] whose message is a single line
// naming the key and quoting the bad value:
//
//	cfg, err := config.Load(os.Args[1:], os.Getenv)
//	if err != nil {
//		fmt.Fprintln(os.Stderr, err) // httpserver: flag --max-conns: invalid value "abc"
//		os.Exit(2)
//	}
//	srv := &httpserver.Server{Timeouts: cfg.Timeouts(), Limits: cfg.Limits(), Name: cfg.ServerName}
package config
