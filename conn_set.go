package httpserver

// connSet is the set of connections a Server tracks (see trackedConn).
// Each member keeps its own position in the set (connSetSlot), so adding
// and removing are a store each, with no hashing. The members are kept in
// chunks of fixed size: growing the set allocates a chunk, never a copy
// of what it holds, so a burst of connections leaves no garbage behind,
// and an idle connection costs its 16-byte entry and nothing more. (A
// map keyed by the interface cost about 40 bytes a connection live and
// as much again of garbage from its growth: see
// docs/benchmarks-history.md.)
//
// The Server's mutex guards it and every member's slot.
type connSet struct {
	chunks []*connChunk
	n      int // members, in chunks[0][0] to the n-th entry
}

// connChunkSize is the number of members a chunk holds: 8 KiB of entries.
const connChunkSize = 512

type connChunk [connChunkSize]trackedConn

// connSetSlot is embedded in a tracked connection: its position in the
// set plus one, 0 while it is not in it.
type connSetSlot struct {
	slot int32
}

func (s *connSetSlot) setSlot() *int32 { return &s.slot }

// add makes c a member; it must not be one.
func (cs *connSet) add(c trackedConn) {
	if cs.n == len(cs.chunks)*connChunkSize {
		cs.chunks = append(cs.chunks, new(connChunk))
	}
	cs.put(cs.n, c)
	cs.n++
}

// remove takes c out of the set and reports whether it was in it. The
// last member takes its place.
func (cs *connSet) remove(c trackedConn) bool {
	slot := c.setSlot()
	i := int(*slot) - 1
	if i < 0 {
		return false
	}
	*slot = 0
	cs.n--
	last := cs.at(cs.n)
	cs.chunks[cs.n/connChunkSize][cs.n%connChunkSize] = nil
	if i != cs.n {
		cs.put(i, last)
	}
	// Give back the chunks that emptied, keeping one spare so that a
	// count going up and down across a chunk's edge allocates nothing.
	for len(cs.chunks) > 1 && cs.n <= (len(cs.chunks)-2)*connChunkSize {
		cs.chunks[len(cs.chunks)-1] = nil
		cs.chunks = cs.chunks[:len(cs.chunks)-1]
	}
	return true
}

func (cs *connSet) at(i int) trackedConn {
	return cs.chunks[i/connChunkSize][i%connChunkSize]
}

func (cs *connSet) put(i int, c trackedConn) {
	cs.chunks[i/connChunkSize][i%connChunkSize] = c
	*c.setSlot() = int32(i + 1)
}

// len returns the number of members.
func (cs *connSet) len() int { return cs.n }

// each calls f for every member; a member f returns true for is removed.
// Members added meanwhile are not visited; f must remove none itself.
func (cs *connSet) each(f func(trackedConn) (remove bool)) {
	// Backwards: a removal moves the last member, already visited, into
	// the place of the one removed.
	for i := cs.n - 1; i >= 0; i-- {
		if c := cs.at(i); f(c) {
			cs.remove(c)
		}
	}
}
