package hpack

// dynamicTable is the dynamic table of RFC 7541 §2.3.2 and §4, shared by
// the encoder and the decoder. Entries' bytes live in one buffer of twice
// the maximum size: a new entry is appended after the newest; when it does
// not fit, the live entries are moved to the front. Adding an entry
// therefore never allocates once the buffers are sized for maxSize.
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
// table fits (RFC 7541 §4.3).
func (t *dynamicTable) setMaxSize(n uint32) {
	t.maxSize = n
	t.evictTo(n)
	// The most entries the table can hold: each is at least 32 bytes.
	if need := int(n/entryOverhead) + 1; need > len(t.ring) {
		ring := make([]entry, need)
		for i := 0; i < t.count; i++ {
			ring[i] = t.ring[(t.head+i)%len(t.ring)]
		}
		t.ring, t.head = ring, 0
	}
	if need := 2 * int(n); need > len(t.data) {
		data := make([]byte, need)
		copy(data, t.data[t.lo:t.hi])
		t.shift(t.lo)
		t.data = data
	}
}

// evictTo evicts the oldest entries until the size is at most n.
func (t *dynamicTable) evictTo(n uint32) {
	for t.size > n && t.count > 0 {
		e := t.ring[t.head]
		t.size -= e.size()
		t.head = (t.head + 1) % len(t.ring)
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
		t.ring[(t.head+i)%len(t.ring)].off -= d
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
		copy(t.data, t.data[t.lo:t.hi])
		t.shift(t.lo)
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
	t.ring[(t.head+t.count)%len(t.ring)] = e
	t.count++
	t.size += e.size()
}

// get returns the i-th newest entry's name and value as byte slices of the
// table (i from 1). They change when the table does.
func (t *dynamicTable) get(i int) (name, value []byte) {
	e := t.ring[(t.head+t.count-i)%len(t.ring)]
	return t.data[e.off : e.off+int(e.nameLen)], t.data[e.off+int(e.nameLen) : e.off+int(e.nameLen+e.valueLen)]
}
