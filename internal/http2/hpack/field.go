package hpack

// HeaderField is a name-value pair of a header block.
type HeaderField struct {
	Name, Value string

	// Sensitive marks a field that must never be added to a dynamic table,
	// by this hop or any intermediary: it is sent and was received as a
	// never-indexed literal (RFC 7541 §6.2.3, §7.1.3).
	Sensitive bool
}

// entryOverhead is the per-entry overhead counted in the table and header
// list sizes (RFC 7541 §4.1, RFC 9113 §6.5.2).
const entryOverhead = 32

// Size returns the field's size as counted by the dynamic table (RFC 7541
// §4.1) and by SETTINGS_MAX_HEADER_LIST_SIZE (RFC 9113 §6.5.2): the lengths of
// name and value plus 32.
func (f HeaderField) Size() uint32 {
	return uint32(len(f.Name)) + uint32(len(f.Value)) + entryOverhead
}
