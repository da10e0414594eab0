package config

import (
	"strings"
	"testing"
)

// usageEntry returns the two lines that --help prints for the flag name:
// the flag itself and its description.
func usageEntry(t *testing.T, out, name string) string {
	t.Helper()
	lines := strings.Split(out, "\n")
	for i, l := range lines {
		f := strings.Fields(l)
		if len(f) > 0 && f[0] == "--"+name && i+1 < len(lines) {
			return l + "\n" + lines[i+1]
		}
	}
	t.Fatalf("usage lacks --%s:\n%s", name, out)
	return ""
}

// TestUsageYAMLKeys checks that --help names the YAML key of every setting
// that has a top-level one, that the key it names is one the file accepts,
// and that it names none for the flags whose YAML form is elsewhere (the
// pipeline's, under "middleware:"): a user who wrote access_log: false at
// the top level got "unknown key".
func TestUsageYAMLKeys(t *testing.T) {
	var b strings.Builder
	Usage(&b)
	out := b.String()
	var f fileConfig
	nodes := f.nodes()
	for _, s := range settings {
		entry := usageEntry(t, out, s.name)
		keys := ""
		if i := strings.LastIndex(entry, " ["); i >= 0 && strings.HasSuffix(entry, "]") {
			keys = entry[i+2 : len(entry)-1]
		}
		_, topLevel := nodes[s.yamlKey()]
		shown, named := "", strings.Contains(keys, "YAML ")
		if named {
			shown = keys[strings.Index(keys, "YAML ")+len("YAML "):]
		}
		if topLevel && shown != s.yamlKey() {
			t.Errorf("--%s: usage shows YAML key %q, want %q:\n%s", s.name, shown, s.yamlKey(), entry)
		}
		if !topLevel && named {
			t.Errorf("--%s has no top-level YAML key, usage names %q:\n%s", s.name, shown, entry)
		}
	}
	if !strings.Contains(out, "middleware:") {
		t.Errorf("usage does not say where the pipeline flags go in YAML:\n%s", out)
	}
}
