package hpack

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// TestDynamicTableModel checks the table against a plain slice model over
// random insertions, evictions and maximum size changes (RFC 7541 §4.1-§4.4).
func TestDynamicTableModel(t *testing.T) {
	r := rand.New(rand.NewPCG(4, 2))
	for round := 0; round < 50; round++ {
		var tab dynamicTable
		tab.setMaxSize(uint32(r.IntN(600)))
		var model []HeaderField // newest first
		var modelMax uint32 = tab.maxSize
		evict := func() {
			size := uint32(0)
			for i, f := range model {
				if size+f.Size() > modelMax {
					model = model[:i]
					return
				}
				size += f.Size()
			}
		}
		for op := 0; op < 500; op++ {
			if r.IntN(20) == 0 {
				modelMax = uint32(r.IntN(600))
				tab.setMaxSize(modelMax)
				evict()
			} else {
				f := hf(strings.Repeat("n", r.IntN(20)), strings.Repeat("v", r.IntN(200)))
				tab.add(f.Name, f.Value)
				if f.Size() > modelMax {
					model = nil
				} else {
					model = append([]HeaderField{f}, model...)
					evict()
				}
			}
			var size uint32
			for _, f := range model {
				size += f.Size()
			}
			if got := tab.entries(); !equalFields(got, model) || tab.size != size {
				t.Fatalf("round %d op %d: table %d entries (size %d), model %d (size %d)", round, op, len(got), tab.size, len(model), size)
			}
			if len(tab.data) > 2*600 {
				t.Fatalf("buffer of %d bytes for a maximum of at most 600", len(tab.data))
			}
		}
	}
}

// TestDynamicTableLazy checks that a new decoder or encoder holds no table
// memory until entries are added.
func TestDynamicTableLazy(t *testing.T) {
	d, e := NewDecoder(1<<20), NewEncoder()
	if len(d.table.data) != 0 || len(d.table.ring) != 0 || len(e.table.data) != 0 {
		t.Fatalf("table buffers allocated before use: %d, %d, %d bytes", len(d.table.data), len(d.table.ring), len(e.table.data))
	}
}
