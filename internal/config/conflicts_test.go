package config

import (
	"strings"
	"testing"
)

// TestConflicts: settings that contradict each other are an error naming
// the one that cannot take effect, where it came from.
func TestConflicts(t *testing.T) {
	metricsOff := "middleware:\n  metrics: false\n"
	creds := "middleware:\n  cors:\n    origins: [https://a.example.com]\n    credentials: true\n"
	cases := []struct {
		name string
		args []string
		env  map[string]string
		yaml string
		want string // prefix of the message; "" for no error
	}{
		{"metrics path, metrics off in file", nil, nil, metricsOff + "  metrics_path: /m\n",
			`httpserver: config: middleware.metrics_path: set while metrics are off (middleware.metrics: false) (`},
		{"flag metrics path, metrics off", []string{"--metrics-path", "/m"}, nil, metricsOff,
			`httpserver: flag --metrics-path: set while metrics are off (middleware.metrics: false)`},
		{"env metrics path, metrics off", nil, map[string]string{"HTTPSERVER_METRICS_PATH": "/m"}, metricsOff,
			`httpserver: env HTTPSERVER_METRICS_PATH: set while metrics are off (middleware.metrics: false)`},
		{"flag metrics addr, metrics off", []string{"--metrics-addr", "127.0.0.1:9090"}, nil, metricsOff,
			`httpserver: flag --metrics-addr: set while metrics are off (middleware.metrics: false)`},
		{"env metrics addr, metrics off", nil, map[string]string{"HTTPSERVER_METRICS_ADDR": "127.0.0.1:9090"}, metricsOff,
			`httpserver: env HTTPSERVER_METRICS_ADDR: set while metrics are off`},
		{"file metrics addr, metrics off", nil, nil, metricsOff + "  metrics_addr: 127.0.0.1:9090\n",
			`httpserver: config: middleware.metrics_addr: set while metrics are off`},
		{"metrics off alone", nil, nil, metricsOff, ""},
		{"metrics addr is the default addr", []string{"--metrics-addr", ":8080"}, nil, "",
			`httpserver: flag --metrics-addr: address ":8080" is the serving address (addr ":8080")`},
		{"metrics addr on a host of a wildcard addr", []string{"--addr", "0.0.0.0:9000", "--metrics-addr", "127.0.0.1:9000"}, nil, "",
			`httpserver: flag --metrics-addr: address "127.0.0.1:9000" is the serving address (addr "0.0.0.0:9000")`},
		{"metrics addr, other port", []string{"--metrics-addr", "127.0.0.1:9090"}, nil, "", ""},
		{"metrics addr, other host", []string{"--addr", "127.0.0.1:9000", "--metrics-addr", "127.0.0.2:9000"}, nil, "", ""},
		{"both on port 0", []string{"--addr", "127.0.0.1:0", "--metrics-addr", "127.0.0.1:0"}, nil, "", ""},
		{"metrics path of the health check", []string{"--metrics-path", "/health"}, nil, "",
			`httpserver: flag --metrics-path: invalid metrics path "/health" (reserved for the health check)`},
		{"metrics path under the health check", nil, nil, "middleware:\n  metrics_path: /health/ready\n",
			`httpserver: config: middleware.metrics_path: invalid metrics path "/health/ready" (reserved for the health check)`},
		{"metrics addr with workers", []string{"--workers", "2", "--metrics-addr", "127.0.0.1:9090"}, nil, "",
			`httpserver: flag --metrics-addr: cannot be used with workers (2): each worker has its own metrics`},
		{"file metrics addr with env workers", nil, map[string]string{"HTTPSERVER_WORKERS": "4"}, "middleware:\n  metrics_addr: 127.0.0.1:9090\n",
			`httpserver: config: middleware.metrics_addr: cannot be used with workers (4)`},
		{"metrics addr with one worker", []string{"--workers", "1", "--metrics-addr", "127.0.0.1:9090"}, nil, "", ""},
		{"hand-off with the default engine", []string{"--epoll-hand-off"}, nil, "",
			`httpserver: flag --epoll-hand-off: set while the engine is not epoll (engine: goroutine)`},
		{"env hand-off, flag engine pool", []string{"--engine", "pool"}, map[string]string{"HTTPSERVER_EPOLL_HAND_OFF": "true"}, "",
			`httpserver: env HTTPSERVER_EPOLL_HAND_OFF: set while the engine is not epoll (engine: pool)`},
		{"file hand-off, file engine goroutine", nil, nil, "engine: goroutine\nepoll_hand_off: true\n",
			`httpserver: config: epoll_hand_off: set while the engine is not epoll (engine: goroutine) (`},
		{"file hand-off, env engine epoll", nil, map[string]string{"HTTPSERVER_ENGINE": "epoll"}, "epoll_hand_off: true\n", ""},
		{"hand-off off with another engine", []string{"--engine", "pool", "--epoll-hand-off=false"}, nil, "", ""},
		{"burst without rate", []string{"--rate-burst", "5"}, nil, "",
			`httpserver: flag --rate-burst: set while rate limiting is off (no rate limit)`},
		{"env burst without rate", nil, map[string]string{"HTTPSERVER_RATE_BURST": "5"}, "",
			`httpserver: env HTTPSERVER_RATE_BURST: set while rate limiting is off`},
		{"file burst without rate", nil, nil, "middleware:\n  rate_limit:\n    burst: 5\n",
			`httpserver: config: middleware.rate_limit.burst: set while rate limiting is off`},
		{"burst with rate", []string{"--rate-burst", "5", "--rate-limit", "1"}, nil, "", ""},
		{"flag burst, file rate", []string{"--rate-burst", "5"}, nil, "middleware:\n  rate_limit:\n    rate: 2\n", ""},
		{"flag any origin, file credentials", []string{"--cors-origins", "*"}, nil, creds,
			`httpserver: flag --cors-origins: origin "*" cannot be used with credentials (middleware.cors.credentials: true)`},
		{"env any origin, file credentials", nil, map[string]string{"HTTPSERVER_CORS_ORIGINS": "https://b.example.com,*"}, creds,
			`httpserver: env HTTPSERVER_CORS_ORIGINS: origin "*" cannot be used with credentials`},
		{"flag origins, file credentials", []string{"--cors-origins", "https://b.example.com"}, nil, creds, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			args := tc.args
			if tc.yaml != "" {
				args = append([]string{"--config", writeYAML(t, tc.yaml)}, args...)
			}
			_, err := Load(args, env(tc.env))
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("unexpected error %v", err)
			case tc.want != "" && (err == nil || !strings.HasPrefix(err.Error(), tc.want)):
				t.Errorf("error %v\nwant %s…", err, tc.want)
			}
		})
	}
}
