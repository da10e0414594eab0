package hpack

// DefaultEncoderTableSizeLimit is the most dynamic table memory an
// [Encoder] uses, whatever larger size the peer allows.
const DefaultEncoderTableSizeLimit = 4096

// Encoder encodes header blocks of one connection direction (RFC 7541 §3).
// Its dynamic table carries over from block to block, so blocks must be sent
// in the order they were encoded. An Encoder is not safe for concurrent use.
type Encoder struct {
	table dynamicTable
	limit uint32 // our cap on the table size
	peer  uint32 // the peer's SETTINGS_HEADER_TABLE_SIZE
	// lowest and final are the size updates owed at the next block start:
	// lowest is the smallest size chosen since the last block (noPending
	// if none), final the size to end with (RFC 7541 §4.2).
	lowest, final uint32
}

// NewEncoder returns an encoder with a dynamic table of 4096 bytes, the
// initial SETTINGS_HEADER_TABLE_SIZE (RFC 9113 §6.5.2).
func NewEncoder() *Encoder {
	e := &Encoder{limit: DefaultEncoderTableSizeLimit, peer: 4096, lowest: noPending}
	e.table.setMaxSize(4096)
	return e
}

// SetMaxDynamicTableSize records the peer's SETTINGS_HEADER_TABLE_SIZE: the
// encoder's table becomes min(n, the limit), announced by a size update at
// the start of the next block (RFC 7541 §4.2, §6.3). If the size went down
// and up again between two blocks, both the smallest and the final size are
// sent, as RFC 7541 §4.2 requires.
func (e *Encoder) SetMaxDynamicTableSize(n uint32) {
	e.peer = n
	e.choose(min(n, e.limit))
}

// SetMaxDynamicTableSizeLimit caps the encoder's dynamic table size below
// what the peer allows, to bound memory; 0 restores
// [DefaultEncoderTableSizeLimit]. Each field is looked up by a scan of the
// dynamic table (at most 128 entries at 4096 bytes), so a larger cap also
// costs encoding time.
func (e *Encoder) SetMaxDynamicTableSizeLimit(n uint32) {
	if n == 0 {
		n = DefaultEncoderTableSizeLimit
	}
	e.limit = n
	e.choose(min(e.peer, n))
}

// choose schedules a change of the table's maximum size to n.
func (e *Encoder) choose(n uint32) {
	if e.lowest == noPending && n == e.table.maxSize {
		return
	}
	e.lowest = min(e.lowest, n)
	e.final = n
}

// BeginBlock starts a header block: it appends the size updates owed, if
// any (RFC 7541 §4.2). Call it before the block's first AppendField.
func (e *Encoder) BeginBlock(dst []byte) []byte {
	if e.lowest == noPending {
		return dst
	}
	if e.lowest < e.table.maxSize && e.lowest != e.final {
		dst = appendInt(dst, 0x20, 5, e.lowest) // RFC 7541 §6.3
		e.table.setMaxSize(e.lowest)
	}
	if e.final != e.table.maxSize {
		dst = appendInt(dst, 0x20, 5, e.final)
		e.table.setMaxSize(e.final)
	}
	e.lowest = noPending
	return dst
}

// AppendBlock appends a whole header block holding fields: BeginBlock, then
// AppendField for each field.
func (e *Encoder) AppendBlock(dst []byte, fields ...HeaderField) []byte {
	dst = e.BeginBlock(dst)
	for _, f := range fields {
		dst = e.AppendField(dst, f)
	}
	return dst
}

// AppendField appends one field's representation (RFC 7541 §6).
//
// A field found whole in the static or dynamic table is sent as an index.
// Otherwise it is a literal, its name indexed when the tables hold it:
//   - never indexed (RFC 7541 §6.2.3) if Sensitive, for authorization and
//     proxy-authorization, and for cookies shorter than 20 bytes (guessable,
//     RFC 7541 §7.1.3);
//   - without indexing (§6.2.2) for values that are usually unique, so they
//     do not evict useful entries: see neverWorthIndexing;
//   - with incremental indexing (§6.2.1) otherwise.
func (e *Encoder) AppendField(dst []byte, f HeaderField) []byte {
	sensitive := f.Sensitive || isSensitive(f)
	full, nameIdx := staticLookup(f.Name, f.Value)
	if full != 0 && !sensitive {
		return appendInt(dst, 0x80, 7, full) // RFC 7541 §6.1
	}
	if !sensitive || nameIdx == 0 {
		dfull, dname := e.lookup(f.Name, f.Value)
		if dfull != 0 && !sensitive {
			return appendInt(dst, 0x80, 7, dfull+staticTableLen)
		}
		if nameIdx == 0 && dname != 0 {
			nameIdx = dname + staticTableLen
		}
	}
	switch {
	case sensitive:
		dst = appendInt(dst, 0x10, 4, nameIdx)
	case neverWorthIndexing(f) || f.Size() > e.table.maxSize/4*3:
		dst = appendInt(dst, 0x00, 4, nameIdx)
	default:
		dst = appendInt(dst, 0x40, 6, nameIdx)
		e.table.add(f.Name, f.Value)
	}
	if nameIdx == 0 {
		dst = appendString(dst, f.Name)
	}
	return appendString(dst, f.Value)
}

// lookup searches the dynamic table, newest first, for the field (full) or
// its name (nameOnly), as dynamic indexes from 1; 0 when not found.
func (e *Encoder) lookup(name, value string) (full, nameOnly uint32) {
	t := &e.table
	for i := 1; i <= t.count; i++ {
		en := t.ring[t.at(t.count-i)]
		if int(en.nameLen) != len(name) {
			continue
		}
		n := t.data[en.off : en.off+int(en.nameLen)]
		if string(n) != name {
			continue
		}
		if nameOnly == 0 {
			nameOnly = uint32(i)
		}
		if int(en.valueLen) == len(value) && string(t.data[en.off+len(name):en.off+len(name)+len(value)]) == value {
			return uint32(i), nameOnly
		}
	}
	return 0, nameOnly
}

// isSensitive reports fields sent as never-indexed literals even when the
// caller did not mark them (RFC 7541 §7.1.3).
func isSensitive(f HeaderField) bool {
	switch f.Name {
	case "authorization", "proxy-authorization":
		return true
	case "cookie":
		return len(f.Value) < 20
	}
	return false
}

// neverWorthIndexing reports fields whose values rarely repeat on a
// connection, sent without indexing: a path with a query, content-length,
// content-range and age. Dates and validators (date, etag, last-modified)
// are indexed: on the raw-data corpus indexing them compresses better (ratio
// 0.307 against 0.363 without), since responses of one second share a date.
func neverWorthIndexing(f HeaderField) bool {
	switch f.Name {
	case ":path":
		for i := 0; i < len(f.Value); i++ {
			if f.Value[i] == '?' {
				return true
			}
		}
	case "content-length", "content-range", "age":
		return true
	}
	return false
}

// appendString appends a string literal (RFC 7541 §5.2), Huffman-coded
// when that is shorter.
func appendString(dst []byte, s string) []byte {
	if n := huffmanEncodedLen(s); n < len(s) {
		dst = appendInt(dst, 0x80, 7, uint32(n))
		return appendHuffman(dst, s)
	}
	dst = appendInt(dst, 0, 7, uint32(len(s)))
	return append(dst, s...)
}
