package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// docFlagRows returns the rows of the markdown tables in file whose first
// cell names a flag ("| `--name ARG` | ..."), keyed by flag name, each as
// its trimmed cells. Cells like "`--help`, `-h`" name the first flag.
func docFlagRows(t *testing.T, file string) map[string][]string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", file))
	if err != nil {
		t.Fatal(err)
	}
	rows := make(map[string][]string)
	for _, line := range strings.Split(string(data), "\n") {
		if !strings.HasPrefix(line, "| `--") {
			continue
		}
		cells := strings.Split(strings.Trim(line, "| "), "|")
		for i := range cells {
			cells[i] = strings.TrimSpace(cells[i])
		}
		name := strings.TrimPrefix(cells[0], "`--")
		name = name[:strings.IndexAny(name, "` ")]
		rows[name] = cells
	}
	if len(rows) == 0 {
		t.Fatalf("%s: no flag table found", file)
	}
	return rows
}

// checkFlagRows checks that rows name every flag the binary defines and no
// other (--help, which package flag answers, aside).
func checkFlagRows(t *testing.T, file string, rows map[string][]string) {
	t.Helper()
	for _, s := range settings {
		if _, ok := rows[s.name]; !ok {
			t.Errorf("%s: the flag table has no row for --%s", file, s.name)
		}
	}
	for name := range rows {
		if name != "help" && lookup(name) == nil {
			t.Errorf("%s: the flag table lists --%s, which the binary does not define", file, name)
		}
	}
}

// TestREADMEListsEveryFlag keeps the README's configuration table in step
// with the flags the binary defines.
func TestREADMEListsEveryFlag(t *testing.T) {
	checkFlagRows(t, "README.md", docFlagRows(t, "README.md"))
}

// TestConfigurationDocListsEveryFlag keeps the reference table of
// docs/configuration.md in step with the flags, and its environment and
// YAML columns with what Load reads: a top-level YAML key where the file
// has one, never the flag's name with '_' where it has none (the
// pipeline's flags live under "middleware:").
func TestConfigurationDocListsEveryFlag(t *testing.T) {
	const file = "docs/configuration.md"
	rows := docFlagRows(t, file)
	checkFlagRows(t, file, rows)
	var f fileConfig
	nodes := f.nodes()
	for _, s := range settings {
		row, ok := rows[s.name]
		if !ok || len(row) < 3 {
			continue
		}
		env, yamlKey := row[1], row[2]
		if want := "`" + s.envKey() + "`"; !s.flagOnly && env != want {
			t.Errorf("%s: --%s: environment column %s, want %s", file, s.name, env, want)
		}
		_, topLevel := nodes[s.yamlKey()]
		if want := "`" + s.yamlKey() + "`"; topLevel != (yamlKey == want) {
			t.Errorf("%s: --%s: YAML column %s; the file has a top-level key %q: %v", file, s.name, yamlKey, s.yamlKey(), topLevel)
		}
	}
}
