// Package manifests checks the Kubernetes manifests of deploy/kubernetes
// without a cluster: each decodes strictly into its k8s.io/api type
// (unknown or duplicate fields fail), and their cross-references hold
// against each other and against the httpserver binary built from this
// repository: the probe paths answer 200, the ports are the ones it
// listens on, the grace period covers its shutdown, the ConfigMap's file
// passes its --check-config.
package manifests

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/yaml"
)

// manifestDir holds the manifests; repoRoot the module of the binary.
const (
	manifestDir = ".."
	repoRoot    = "../../.."
)

// wait bounds every wait of these tests.
const wait = 30 * time.Second

// kustomization is the part of a kustomize Kustomization these manifests
// use; no k8s.io/api type describes the file, and decoding it strictly into
// this struct fails on anything else.
type kustomization struct {
	APIVersion string   `json:"apiVersion"`
	Kind       string   `json:"kind"`
	Resources  []string `json:"resources"`
	Images     []struct {
		Name    string `json:"name"`
		NewName string `json:"newName,omitempty"`
		NewTag  string `json:"newTag,omitempty"`
	} `json:"images"`
}

// manifests is every object of the kustomization, decoded.
type manifests struct {
	deployment *appsv1.Deployment
	service    *corev1.Service
	configMap  *corev1.ConfigMap
	hpa        *autoscalingv2.HorizontalPodAutoscaler
	pdb        *policyv1.PodDisruptionBudget
}

// decodeStrict decodes one YAML document into v, failing on unknown and
// duplicate fields.
func decodeStrict(data []byte, v any) error {
	return yaml.UnmarshalStrict(data, v)
}

// typeFor returns a new object of the type of the manifest's apiVersion
// and kind.
func typeFor(tm metav1.TypeMeta) (any, error) {
	switch tm.APIVersion + " " + tm.Kind {
	case "apps/v1 Deployment":
		return &appsv1.Deployment{}, nil
	case "v1 Service":
		return &corev1.Service{}, nil
	case "v1 ConfigMap":
		return &corev1.ConfigMap{}, nil
	case "autoscaling/v2 HorizontalPodAutoscaler":
		return &autoscalingv2.HorizontalPodAutoscaler{}, nil
	case "policy/v1 PodDisruptionBudget":
		return &policyv1.PodDisruptionBudget{}, nil
	}
	return nil, fmt.Errorf("no type for apiVersion %q kind %q", tm.APIVersion, tm.Kind)
}

// load decodes the kustomization and every resource it lists, and checks
// that it lists every manifest in the directory.
func load(t *testing.T) *manifests {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(manifestDir, "kustomization.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var k kustomization
	if err := decodeStrict(data, &k); err != nil {
		t.Fatalf("kustomization.yaml: %v", err)
	}
	if k.APIVersion != "kustomize.config.k8s.io/v1beta1" || k.Kind != "Kustomization" {
		t.Errorf("kustomization.yaml: apiVersion %q kind %q", k.APIVersion, k.Kind)
	}
	files, err := filepath.Glob(filepath.Join(manifestDir, "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if base := filepath.Base(f); base != "kustomization.yaml" && !slices.Contains(k.Resources, base) {
			t.Errorf("%s is not listed in kustomization.yaml", base)
		}
	}
	if len(k.Images) != 1 || k.Images[0].Name != "httpserver" {
		t.Errorf("kustomization.yaml: images %+v, want one entry for httpserver", k.Images)
	}

	m := &manifests{}
	for _, name := range k.Resources {
		data, err := os.ReadFile(filepath.Join(manifestDir, name))
		if err != nil {
			t.Fatalf("kustomization.yaml lists %s: %v", name, err)
		}
		var tm metav1.TypeMeta
		if err := yaml.Unmarshal(data, &tm); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		obj, err := typeFor(tm)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if err := decodeStrict(data, obj); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		dup := false
		switch o := obj.(type) {
		case *appsv1.Deployment:
			dup, m.deployment = m.deployment != nil, o
		case *corev1.Service:
			dup, m.service = m.service != nil, o
		case *corev1.ConfigMap:
			dup, m.configMap = m.configMap != nil, o
		case *autoscalingv2.HorizontalPodAutoscaler:
			dup, m.hpa = m.hpa != nil, o
		case *policyv1.PodDisruptionBudget:
			dup, m.pdb = m.pdb != nil, o
		}
		if dup {
			t.Fatalf("%s: a second %s", name, tm.Kind)
		}
	}
	if m.deployment == nil || m.service == nil || m.configMap == nil || m.hpa == nil || m.pdb == nil {
		t.Fatalf("want a Deployment, Service, ConfigMap, HorizontalPodAutoscaler and PodDisruptionBudget; got %+v", m)
	}
	if n := len(m.deployment.Spec.Template.Spec.Containers); n != 1 {
		t.Fatalf("deployment: %d containers, want 1", n)
	}
	return m
}

// TestStrictDecodingRejectsUnknownFields shows that the decoding above
// would catch a misspelt field, which a lenient decoder drops silently.
func TestStrictDecodingRejectsUnknownFields(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(manifestDir, "deployment.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	misspelt := bytes.Replace(data, []byte("readinessProbe:"), []byte("readynessProbe:"), 1)
	if bytes.Equal(misspelt, data) {
		t.Fatal("deployment.yaml has no readinessProbe to misspell")
	}
	if err := decodeStrict(misspelt, &appsv1.Deployment{}); err == nil || !strings.Contains(err.Error(), "readynessProbe") {
		t.Errorf("misspelt field: %v, want an error naming it", err)
	}
	if err := yaml.Unmarshal(misspelt, &appsv1.Deployment{}); err != nil {
		t.Errorf("the lenient decoder fails too (%v): this test shows nothing", err)
	}
	duplicated := append(append([]byte{}, data...), []byte("kind: Deployment\n")...)
	if err := decodeStrict(duplicated, &appsv1.Deployment{}); err == nil {
		t.Error("a duplicate key decoded without error")
	}
}

// TestManifestsDecode decodes every manifest strictly and checks the
// references between them.
func TestManifestsDecode(t *testing.T) {
	m := load(t)
	d, pod := m.deployment, &m.deployment.Spec.Template.Spec
	c := &pod.Containers[0]
	labels := d.Spec.Template.Labels

	selects := func(what string, sel map[string]string) {
		t.Helper()
		if len(sel) == 0 {
			t.Errorf("%s: empty selector", what)
		}
		for k, v := range sel {
			if labels[k] != v {
				t.Errorf("%s selects %s=%s, which the pod template lacks (%v)", what, k, v, labels)
			}
		}
	}
	selects("deployment", d.Spec.Selector.MatchLabels)
	selects("service", m.service.Spec.Selector)
	selects("pdb", m.pdb.Spec.Selector.MatchLabels)

	ref := m.hpa.Spec.ScaleTargetRef
	if ref.APIVersion != "apps/v1" || ref.Kind != "Deployment" || ref.Name != d.Name {
		t.Errorf("hpa targets %+v, want the Deployment %q", ref, d.Name)
	}
	if m.hpa.Spec.MinReplicas == nil || *m.hpa.Spec.MinReplicas < 2 || m.hpa.Spec.MaxReplicas < *m.hpa.Spec.MinReplicas {
		t.Errorf("hpa replicas %v..%d, want at least 2", m.hpa.Spec.MinReplicas, m.hpa.Spec.MaxReplicas)
	}
	cpuMetric := false
	for _, metric := range m.hpa.Spec.Metrics {
		if metric.Type == autoscalingv2.ResourceMetricSourceType && metric.Resource != nil && metric.Resource.Name == corev1.ResourceCPU &&
			metric.Resource.Target.Type == autoscalingv2.UtilizationMetricType && metric.Resource.Target.AverageUtilization != nil {
			cpuMetric = true
		}
	}
	if !cpuMetric {
		t.Error("hpa has no CPU utilization metric")
	}
	// Utilization is relative to the request: without one the HPA
	// cannot compute it.
	if c.Resources.Requests.Cpu().IsZero() || c.Resources.Limits.Cpu().IsZero() ||
		c.Resources.Requests.Memory().IsZero() || c.Resources.Limits.Memory().IsZero() {
		t.Errorf("container resources %+v, want CPU and memory requests and limits", c.Resources)
	}
	if m.pdb.Spec.MaxUnavailable == nil && m.pdb.Spec.MinAvailable == nil {
		t.Error("pdb sets neither maxUnavailable nor minAvailable")
	}
	if d.Spec.Replicas == nil || *d.Spec.Replicas < 2 {
		t.Errorf("deployment replicas %v, want 2 or more (the PDB keeps one serving)", d.Spec.Replicas)
	}

	if port := containerPort(c, m.service.Spec.Ports[0].TargetPort); port == 0 {
		t.Errorf("service targetPort %v is no container port", m.service.Spec.Ports[0].TargetPort.String())
	}

	// The hardening the image supports: non-root, read-only, nothing to
	// escalate.
	sc, psc := c.SecurityContext, pod.SecurityContext
	switch {
	case sc == nil || psc == nil:
		t.Fatal("no securityContext")
	case !isTrue(sc.RunAsNonRoot) && !isTrue(psc.RunAsNonRoot):
		t.Error("runAsNonRoot not set")
	case !isTrue(sc.ReadOnlyRootFilesystem):
		t.Error("readOnlyRootFilesystem not set")
	case sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation:
		t.Error("allowPrivilegeEscalation not false")
	case sc.Capabilities == nil || !slices.Equal(sc.Capabilities.Drop, []corev1.Capability{"ALL"}) || len(sc.Capabilities.Add) > 0:
		t.Errorf("capabilities %+v, want drop [ALL] and no add", sc.Capabilities)
	}
	if uid := dockerfileUser(t); psc != nil && (psc.RunAsUser == nil || strconv.FormatInt(*psc.RunAsUser, 10) != uid) {
		t.Errorf("runAsUser %v, want the Dockerfile's USER %s", psc.RunAsUser, uid)
	}

	// The --config argument names the ConfigMap's key where it is mounted.
	file := configArg(t, c.Args)
	mounted := false
	for _, vm := range c.VolumeMounts {
		for _, v := range pod.Volumes {
			if v.Name == vm.Name && v.ConfigMap != nil && v.ConfigMap.Name == m.configMap.Name {
				for key := range m.configMap.Data {
					if filepath.Join(vm.MountPath, key) == file {
						mounted = vm.ReadOnly
					}
				}
			}
		}
	}
	if !mounted {
		t.Errorf("--config %s is not a key of ConfigMap %q mounted read-only", file, m.configMap.Name)
	}
}

// TestManifestsMatchBinary checks the manifests against the binary: the
// ConfigMap's file passes --check-config; the ports are those it listens
// on; the grace period covers its shutdown; the probe paths answer 200 on
// a running binary.
func TestManifestsMatchBinary(t *testing.T) {
	m := load(t)
	pod := &m.deployment.Spec.Template.Spec
	c := &pod.Containers[0]
	bin := buildBinary(t)

	file := filepath.Join(t.TempDir(), filepath.Base(configArg(t, c.Args)))
	text, ok := m.configMap.Data[filepath.Base(file)]
	if !ok {
		t.Fatalf("the ConfigMap has no key %s", filepath.Base(file))
	}
	if err := os.WriteFile(file, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "--check-config", "--config", file)
	cmd.Env = cleanEnv()
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("--check-config on the ConfigMap's file: %v\n%s", err, stderr.String())
	}
	var eff struct {
		Addr            string
		ShutdownDelay   string `json:"shutdown_delay"`
		ShutdownTimeout string `json:"shutdown_timeout"`
		Middleware      struct {
			MetricsAddr string `json:"metrics_addr"`
		}
	}
	if err := yaml.Unmarshal(stdout.Bytes(), &eff); err != nil {
		t.Fatalf("--check-config output: %v\n%s", err, stdout.String())
	}

	// Ports: the http port is the one the file listens on; so is the
	// metrics port, where the pod announces it.
	listenPort := func(addr string) int32 {
		_, p, err := net.SplitHostPort(addr)
		n, _ := strconv.Atoi(p)
		if err != nil || n == 0 {
			t.Fatalf("address %q has no port", addr)
		}
		return int32(n)
	}
	httpPort := listenPort(eff.Addr)
	for _, p := range []struct {
		what  string
		probe *corev1.Probe
		path  string
	}{{"livenessProbe", c.LivenessProbe, "/health"}, {"readinessProbe", c.ReadinessProbe, "/health/ready"}} {
		if p.probe == nil || p.probe.HTTPGet == nil {
			t.Errorf("%s: not an httpGet probe", p.what)
			continue
		}
		if p.probe.HTTPGet.Path != p.path {
			t.Errorf("%s: path %q, want %q", p.what, p.probe.HTTPGet.Path, p.path)
		}
		if got := containerPort(c, p.probe.HTTPGet.Port); got != httpPort {
			t.Errorf("%s: port %s is %d, the binary listens on %d", p.what, p.probe.HTTPGet.Port.String(), got, httpPort)
		}
	}
	if got := containerPort(c, m.service.Spec.Ports[0].TargetPort); got != httpPort {
		t.Errorf("service targetPort is %d, the binary listens on %d", got, httpPort)
	}
	if eff.Middleware.MetricsAddr != "" {
		mp := listenPort(eff.Middleware.MetricsAddr)
		if containerPort(c, intstr.FromString("metrics")) != mp || m.deployment.Spec.Template.Annotations["prometheus.io/port"] != strconv.Itoa(int(mp)) {
			t.Errorf("metrics on %d: want a container port named metrics and the prometheus.io/port annotation on it", mp)
		}
	}

	// Grace: the kubelet's SIGKILL must come after the drain and the
	// graceful shutdown; the liveness probe must not restart a draining
	// pod (its /health answers 503).
	delay, timeout := duration(t, eff.ShutdownDelay), duration(t, eff.ShutdownTimeout)
	if delay == 0 || timeout == 0 {
		t.Errorf("shutdown_delay %s, shutdown_timeout %s: want both set (0 timeout waits forever; 0 delay drops requests routed during endpoint removal)", delay, timeout)
	}
	grace := time.Duration(*pod.TerminationGracePeriodSeconds) * time.Second
	if grace <= delay+timeout {
		t.Errorf("terminationGracePeriodSeconds %s does not exceed shutdown_delay %s + shutdown_timeout %s", grace, delay, timeout)
	}
	lp := c.LivenessProbe
	if live := time.Duration(lp.PeriodSeconds*lp.FailureThreshold) * time.Second; live <= delay {
		t.Errorf("the liveness probe gives up after %s, within the %s drain", live, delay)
	}
	if rp := c.ReadinessProbe; time.Duration(rp.PeriodSeconds*rp.FailureThreshold)*time.Second >= delay {
		t.Errorf("readiness notices the drain after %ds, not within shutdown_delay %s", rp.PeriodSeconds*rp.FailureThreshold, delay)
	}

	// The probe paths answer 200 on the binary run with this file (on
	// loopback ports of the test's choosing).
	addr := startBinary(t, bin, file)
	client := &http.Client{Timeout: wait}
	defer client.CloseIdleConnections()
	for _, path := range []string{c.LivenessProbe.HTTPGet.Path, c.ReadinessProbe.HTTPGet.Path} {
		resp, err := client.Get("http://" + addr + path)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s: %d, want 200", path, resp.StatusCode)
		}
	}
}

// containerPort resolves a probe's or Service's port, by name or number,
// to a port of c; 0 if c has none such.
func containerPort(c *corev1.Container, p intstr.IntOrString) int32 {
	for _, cp := range c.Ports {
		if p.Type == intstr.String && cp.Name == p.StrVal || p.Type == intstr.Int && cp.ContainerPort == p.IntVal {
			return cp.ContainerPort
		}
	}
	return 0
}

func isTrue(b *bool) bool { return b != nil && *b }

// configArg returns the value of --config in args.
func configArg(t *testing.T, args []string) string {
	t.Helper()
	for i, a := range args {
		if v, ok := strings.CutPrefix(a, "--config="); ok {
			return v
		}
		if a == "--config" && i+1 < len(args) {
			return args[i+1]
		}
	}
	t.Fatalf("container args %q have no --config", args)
	return ""
}

func duration(t *testing.T, s string) time.Duration {
	t.Helper()
	d, err := time.ParseDuration(s)
	if err != nil {
		t.Fatalf("duration %q: %v", s, err)
	}
	return d
}

// dockerfileUser returns the numeric user of the Dockerfile's last USER.
func dockerfileUser(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoRoot, "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^USER (\d+)`).FindAllSubmatch(data, -1)
	if len(m) == 0 {
		t.Fatal("Dockerfile has no numeric USER")
	}
	return string(m[len(m)-1][1])
}

var (
	buildOnce sync.Once
	binPath   string
	binErr    error
)

// buildBinary builds cmd/httpserver of the repository once.
func buildBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "httpserver-manifests-")
		if err != nil {
			binErr = err
			return
		}
		binPath = filepath.Join(dir, "httpserver")
		cmd := exec.Command("go", "build", "-o", binPath, "./cmd/httpserver")
		cmd.Dir = repoRoot
		if out, err := cmd.CombinedOutput(); err != nil {
			binErr = fmt.Errorf("go build ./cmd/httpserver: %v\n%s", err, out)
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

func TestMain(m *testing.M) {
	code := m.Run()
	if binPath != "" {
		os.RemoveAll(filepath.Dir(binPath))
	}
	os.Exit(code)
}

// cleanEnv is this process's environment without HTTPSERVER_* variables.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "HTTPSERVER_") {
			env = append(env, kv)
		}
	}
	return env
}

// startBinary runs the binary with the configuration file on loopback
// ports and returns the serving address; it is stopped with the test.
func startBinary(t *testing.T, bin, file string) string {
	t.Helper()
	cmd := exec.Command(bin, "--config", file, "--addr", "127.0.0.1:0", "--metrics-addr", "127.0.0.1:0")
	cmd.Env = cleanEnv()
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	addrs := make(chan string, 1)
	done := make(chan struct{})
	go func() {
		defer close(done)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			var rec struct{ Msg, Addr string }
			if json.Unmarshal(sc.Bytes(), &rec) == nil && rec.Msg == "listening" {
				select {
				case addrs <- rec.Addr:
				default:
				}
			}
		}
	}()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-done
		cmd.Wait()
	})
	select {
	case a := <-addrs:
		return a
	case <-time.After(wait):
		t.Fatal("the binary did not announce its address")
		return ""
	}
}
