package hpack

import (
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"testing"
)

// corpusStory is one story of the hpack-test-case corpus (testdata/corpus/README.md).
type corpusStory struct {
	Cases []struct {
		Seqno           int                 `json:"seqno"`
		HeaderTableSize *uint32             `json:"header_table_size"`
		Wire            string              `json:"wire"`
		Headers         []map[string]string `json:"headers"`
	} `json:"cases"`
}

// fields returns a case's header list in order.
func (s *corpusStory) fields(i int) []HeaderField {
	var out []HeaderField
	for _, h := range s.Cases[i].Headers {
		for name, value := range h { // one pair per object
			out = append(out, HeaderField{Name: name, Value: value})
		}
	}
	return out
}

// corpusDir returns the full corpus at ../shared/corpora/hpack beside the
// module root, if it is there, else the subset in testdata/corpus.
func corpusDir(t testing.TB) string {
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			full := filepath.Join(d, "..", "shared", "corpora", "hpack")
			if _, err := os.Stat(filepath.Join(full, "raw-data")); err == nil {
				return full
			}
			break
		}
		if filepath.Dir(d) == d {
			break
		}
	}
	t.Logf("../shared/corpora/hpack not found beside the module root: running the subset in testdata/corpus")
	return filepath.Join("testdata", "corpus")
}

// corpusStories reads every story of one corpus folder, by file name.
func corpusStories(t testing.TB, dir string) (names []string, stories []*corpusStory) {
	paths, err := filepath.Glob(filepath.Join(dir, "story_*.json"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no stories in %s (%v)", dir, err)
	}
	sort.Strings(paths)
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		s := new(corpusStory)
		if err := json.Unmarshal(b, s); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		sort.SliceStable(s.Cases, func(i, j int) bool { return s.Cases[i].Seqno < s.Cases[j].Seqno })
		names, stories = append(names, filepath.Base(p)), append(stories, s)
	}
	return names, stories
}

// TestCorpusDecode decodes every story of every encoder's folder: each
// story's cases share one decoder, and header_table_size, when given, is
// the size the decoder allows from that case on.
func TestCorpusDecode(t *testing.T) {
	root := corpusDir(t)
	folders, err := filepath.Glob(filepath.Join(root, "*"))
	if err != nil {
		t.Fatal(err)
	}
	storiesRun, blocks := 0, 0
	for _, folder := range folders {
		if fi, err := os.Stat(folder); err != nil || !fi.IsDir() || filepath.Base(folder) == "raw-data" {
			continue
		}
		names, stories := corpusStories(t, folder)
		for k, s := range stories {
			d := NewDecoder(4096)
			for i, c := range s.Cases {
				if c.HeaderTableSize != nil {
					d.SetAllowedMaxDynamicTableSize(*c.HeaderTableSize)
				}
				wire, err := hex.DecodeString(c.Wire)
				if err != nil {
					t.Fatal(err)
				}
				got, err := decodeAll(d, wire)
				if err != nil {
					t.Fatalf("%s/%s case %d: %v", filepath.Base(folder), names[k], i, err)
				}
				if want := s.fields(i); !equalFields(got, want) {
					t.Fatalf("%s/%s case %d:\n got %+v\nwant %+v", filepath.Base(folder), names[k], i, got, want)
				}
				blocks++
			}
			storiesRun++
		}
	}
	if storiesRun == 0 {
		t.Fatal("no stories decoded")
	}
	t.Logf("decoded %d stories, %d header blocks, from %s", storiesRun, blocks, root)
}

// TestCorpusEncode encodes each raw-data story with one encoder, decodes it
// with one decoder and compares; it reports the compression ratio.
func TestCorpusEncode(t *testing.T) {
	root := corpusDir(t)
	names, stories := corpusStories(t, filepath.Join(root, "raw-data"))
	var raw, encoded int
	for k, s := range stories {
		e, d := NewEncoder(), NewDecoder(4096)
		var wire []byte
		for i := range s.Cases {
			fields := s.fields(i)
			wire = e.AppendBlock(wire[:0], fields...)
			got, err := decodeAll(d, wire)
			if err != nil {
				t.Fatalf("%s case %d: %v", names[k], i, err)
			}
			if !equalNamesValues(got, fields) {
				t.Fatalf("%s case %d:\n got %+v\nwant %+v", names[k], i, got, fields)
			}
			for _, f := range fields {
				raw += len(f.Name) + len(f.Value)
			}
			encoded += len(wire)
		}
	}
	t.Logf("raw-data: %d stories, %d bytes of names and values encoded to %d bytes: ratio %.3f", len(stories), raw, encoded, float64(encoded)/float64(raw))
}
