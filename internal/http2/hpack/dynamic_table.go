package hpack

// dynamicTable is the dynamic table of RFC 7541 §2.3.2 and §4, shared by
// the encoder and the decoder. Entries' bytes live in one buffer: a new
// entry is appended after the newest; when it does not fit, the live entries
// are moved to the front, and the buffer grows (up to twice the maximum
// size) when that leaves less free room than the live bytes take. Entries'
// locations live in a ring that grows as needed. Buffers grow only as the
// peer fills the table, so an unused table costs no memory, and adding an
// entry stops allocating once they reach the size the traffic needs.
type dynamicTable struct {
	data    []byte  // entries' names and values; live bytes are data[lo:hi]
	lo, hi  int     // live region of data
	ring    []entry // entries, oldest at ring[head]
	head    int     // index in ring of the oldest entry
	count   int     // number of entries
	size    uint32  // RFC 7541 §4.1 size: sum of name+value+32
	maxSize uint32  // current maximum size (RFC 7541 §4.2)
}

// entry locates one entry's name and value in dynamicTable.data.
type entry struct {
	off      int
	nameLen  uint32
	valueLen uint32
}

func (e entry) size() uint32 { return e.nameLen + e.valueLen + entryOverhead }

// setMaxSize sets the maximum size, evicting the oldest entries until the
// table fits (RFC 7541 §4.3). It allocates nothing.
func (t *dynamicTable) setMaxSize(n uint32) {
	t.maxSize = n
	t.evictTo(n)
}

// evictTo evicts the oldest entries until the size is at most n.
func (t *dynamicTable) evictTo(n uint32) {
	for t.size > n && t.count > 0 {
		e := t.ring[t.head]
		t.size -= e.size()
		t.head = (t.head + 1) & (len(t.ring) - 1)
		t.count--
		t.lo = e.off + int(e.nameLen+e.valueLen)
	}
	if t.count == 0 {
		t.lo, t.hi = 0, 0
	}
}

// shift moves every entry's offset back by d after the live bytes moved.
func (t *dynamicTable) shift(d int) {
	for i := 0; i < t.count; i++ {
		t.ring[t.at(i)].off -= d
	}
	t.lo -= d
	t.hi -= d
}

// add inserts a field as the newest entry, evicting as needed (RFC 7541
// §4.4). A field larger than the maximum size empties the table and is not
// added. name and value must not alias the table's bytes.
func (t *dynamicTable) add(name, value string) {
	e := entry{nameLen: uint32(len(name)), valueLen: uint32(len(value))}
	if uint64(len(name))+uint64(len(value))+entryOverhead > uint64(t.maxSize) {
		t.evictTo(0)
		return
	}
	// Written after the newest entry, before evicting: no live bytes move.
	n := len(name) + len(value)
	if t.hi+n > len(t.data) {
		t.makeRoom(n)
	}
	copy(t.data[t.hi:], name)
	copy(t.data[t.hi+len(name):], value)
	e.off = t.hi
	t.hi += n
	t.evictTo(t.maxSize - e.size())
	if t.count == 0 {
		// evictTo reset the region; the new entry's bytes are still in place.
		t.lo, t.hi = e.off, e.off+n
	}
	if t.count == len(t.ring) {
		t.growRing()
	}
	t.ring[t.at(t.count)] = e
	t.count++
	t.size += e.size()
}

// makeRoom makes room for n more bytes after the live ones. It moves the
// live bytes to the front, into a new buffer if the free room left would be
// smaller than the live bytes plus n (so that moves stay rare) and the
// buffer is below twice the maximum size. Live bytes plus n are at most
// twice the maximum size (n is written before evicting), so a buffer of
// that size never grows again.
func (t *dynamicTable) makeRoom(n int) {
	live := t.hi - t.lo
	if need := 2 * (live + n); need > len(t.data) && len(t.data) < 2*int(t.maxSize) || live+n > len(t.data) {
		size := max(min(max(need, 2*len(t.data), 256), 2*int(t.maxSize)), live+n)
		data := make([]byte, size)
		copy(data, t.data[t.lo:t.hi])
		t.data = data
	} else {
		copy(t.data, t.data[t.lo:t.hi])
	}
	t.shift(t.lo)
}

// growRing doubles the ring of entry locations.
func (t *dynamicTable) growRing() {
	ring := make([]entry, max(2*len(t.ring), 16)) // a power of 2, for at
	for i := 0; i < t.count; i++ {
		ring[i] = t.ring[t.at(i)]
	}
	t.ring, t.head = ring, 0
}

// at returns the ring position of the entry i places after the oldest.
func (t *dynamicTable) at(i int) int { return (t.head + i) & (len(t.ring) - 1) }

// getBytes returns the i-th newest entry (i from 1): its name and value,
// adjacent in the table's buffer, and the name's length. The bytes change
// when the table does.
func (t *dynamicTable) getBytes(i int) (nameValue []byte, nameLen int) {
	e := t.ring[t.at(t.count-i)]
	return t.data[e.off : e.off+int(e.nameLen+e.valueLen)], int(e.nameLen)
}

// get returns the i-th newest entry's name and value (i from 1) as byte
// slices of the table. They change when the table does.
func (t *dynamicTable) get(i int) (name, value []byte) {
	b, n := t.getBytes(i)
	return b[:n], b[n:]
}
