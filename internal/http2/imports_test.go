package http2

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// The package never sees Request: of this module it imports only its own
// hpack package (and never net/http or x/net/http2).
func TestImportGraph(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), name, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range f.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			switch {
			case strings.HasPrefix(path, "github.com/rawsock/httpserver") &&
				path != "github.com/rawsock/httpserver/internal/http2/hpack" &&
				path != "github.com/rawsock/httpserver/internal/syntax":
				t.Errorf("%s imports %s", name, path)
			case strings.HasPrefix(path, "net/http"), strings.HasPrefix(path, "golang.org/x/net"), path == "net/textproto":
				t.Errorf("%s imports %s", name, path)
			}
		}
	}
}
