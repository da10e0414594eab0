package httpserver

import (
	"math/rand/v2"
	"testing"
)

// checkConnSet fails the test unless cs holds exactly want, each member's
// slot naming its place, and no more chunks than its members need plus
// one spare.
func checkConnSet(t *testing.T, cs *connSet, want map[*drainingConn]bool) {
	t.Helper()
	if cs.len() != len(want) {
		t.Fatalf("len %d, want %d", cs.len(), len(want))
	}
	seen := make(map[*drainingConn]bool)
	for i := range cs.len() {
		d := cs.at(i).(*drainingConn)
		if !want[d] || seen[d] {
			t.Fatalf("entry %d: a connection not in the set, or twice", i)
		}
		seen[d] = true
		if d.slot != int32(i+1) {
			t.Fatalf("entry %d has slot %d", i, d.slot)
		}
	}
	if need := (cs.len() + connChunkSize - 1) / connChunkSize; len(cs.chunks) > need+1 {
		t.Fatalf("%d chunks for %d members", len(cs.chunks), cs.len())
	}
}

// TestConnSet: members added and removed in any order, across chunk
// edges, are each in the set once, at the place their slot names; a
// removed one is out (slot 0) and removing it again reports false;
// emptied chunks are given back.
func TestConnSet(t *testing.T) {
	tests := []struct {
		name  string
		n     int
		order func(r *rand.Rand, members []*drainingConn)
	}{
		{"one", 1, func(*rand.Rand, []*drainingConn) {}},
		{"first added first removed", 3*connChunkSize + 7, func(*rand.Rand, []*drainingConn) {}},
		{"last added first removed", 3*connChunkSize + 7, func(_ *rand.Rand, m []*drainingConn) {
			for i, j := 0, len(m)-1; i < j; i, j = i+1, j-1 {
				m[i], m[j] = m[j], m[i]
			}
		}},
		{"random", 4 * connChunkSize, func(r *rand.Rand, m []*drainingConn) {
			r.Shuffle(len(m), func(i, j int) { m[i], m[j] = m[j], m[i] })
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var cs connSet
			want := make(map[*drainingConn]bool)
			members := make([]*drainingConn, tt.n)
			for i := range members {
				members[i] = new(drainingConn)
				cs.add(members[i])
				want[members[i]] = true
			}
			checkConnSet(t, &cs, want)
			tt.order(rand.New(rand.NewPCG(1, 2)), members)
			for i, d := range members {
				if !cs.remove(d) {
					t.Fatalf("removal %d: not in the set", i)
				}
				if d.slot != 0 || cs.remove(d) {
					t.Fatalf("removal %d: still in the set", i)
				}
				delete(want, d)
				if i%97 == 0 || len(want) < 3 {
					checkConnSet(t, &cs, want)
				}
			}
			checkConnSet(t, &cs, want)
			if len(cs.chunks) > 1 {
				t.Fatalf("%d chunks kept for an empty set", len(cs.chunks))
			}
		})
	}
}

// TestConnSetEach: each visits every member once, removing those its
// function asks to, whichever they are.
func TestConnSetEach(t *testing.T) {
	for _, every := range []int{1, 2, 3, 1000} {
		var cs connSet
		want := make(map[*drainingConn]bool)
		n := 2*connChunkSize + 5
		for range n {
			d := new(drainingConn)
			cs.add(d)
			want[d] = true
		}
		visits := make(map[trackedConn]int)
		i := 0
		cs.each(func(c trackedConn) bool {
			visits[c]++
			i++
			if i%every == 0 {
				delete(want, c.(*drainingConn))
				return true
			}
			return false
		})
		if len(visits) != n {
			t.Fatalf("every %d: %d members visited of %d", every, len(visits), n)
		}
		for _, v := range visits {
			if v != 1 {
				t.Fatalf("every %d: a member visited %d times", every, v)
			}
		}
		checkConnSet(t, &cs, want)
	}
}
