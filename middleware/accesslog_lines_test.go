package middleware

import (
	"io"
	"strings"
	"testing"
)

// addTestLine appends line to p as AccessLog.addLine does.
func addTestLine(p *lineBlocks, line string) {
	b := p.block()
	b = append(b, line...)
	p.done(b)
}

// TestLineBlocks: lines go into blocks whole and come out in order; the
// pending count is their bytes; a line longer than a block's room grows
// that block, which is not kept; written blocks are reused, so a steady
// load allocates nothing.
func TestLineBlocks(t *testing.T) {
	tests := []struct {
		name  string
		lines []string
	}{
		{"none", nil},
		{"one", []string{"a\n"}},
		{"a few blocks", repeatLines(3*lineBlockSize/200, 199)},
		{"a long line", append(repeatLines(30, 199), strings.Repeat("y", 3*lineBlockSize)+"\n", "after\n")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var p lineBlocks
			want := 0
			for _, l := range tt.lines {
				addTestLine(&p, l)
				want += len(l)
			}
			if p.n != want {
				t.Fatalf("pending %d bytes, want %d", p.n, want)
			}
			batch := p.take(nil)
			if p.n != 0 || len(p.blocks) != 0 {
				t.Fatalf("take left %d bytes in %d blocks", p.n, len(p.blocks))
			}
			var out recordingWriter
			writeBlocks(&out, batch)
			if got := strings.Join(out.writes, ""); got != strings.Join(tt.lines, "") {
				t.Fatalf("written %q..., want the lines in order", got[:min(len(got), 40)])
			}
			for i, w := range out.writes {
				if !strings.HasSuffix(w, "\n") {
					t.Fatalf("write %d does not end a line", i)
				}
			}
			p.recycle(batch)
			for _, b := range p.free {
				if cap(b) != lineBlockSize || len(b) != 0 {
					t.Fatalf("a kept block has len %d, cap %d", len(b), cap(b))
				}
			}
			if grown := slicesGrown(batch); len(p.free) != len(batch)-grown {
				t.Fatalf("%d blocks kept of %d written (%d grown)", len(p.free), len(batch), grown)
			}
		})
	}
}

// TestLineBlocksReuse: once a load's blocks exist, encoding and writing
// it again allocates nothing.
func TestLineBlocksReuse(t *testing.T) {
	var p lineBlocks
	var batch [][]byte
	lines := repeatLines(2*lineBlockSize/200, 199)
	cycle := func() {
		for _, l := range lines {
			addTestLine(&p, l)
		}
		batch = p.take(batch)
		writeBlocks(io.Discard, batch)
		p.recycle(batch)
		clear(batch)
	}
	cycle()
	if n := testing.AllocsPerRun(100, cycle); n != 0 {
		t.Fatalf("%v allocations per cycle, want 0", n)
	}
}

func repeatLines(n, size int) []string {
	l := make([]string, n)
	for i := range l {
		l[i] = strings.Repeat(string(rune('a'+i%26)), size-1) + "\n"
	}
	return l
}

// slicesGrown counts the blocks a long line grew past lineBlockSize.
func slicesGrown(batch [][]byte) int {
	n := 0
	for _, b := range batch {
		if cap(b) != lineBlockSize {
			n++
		}
	}
	return n
}

type recordingWriter struct{ writes []string }

func (w *recordingWriter) Write(b []byte) (int, error) {
	w.writes = append(w.writes, string(b))
	return len(b), nil
}
