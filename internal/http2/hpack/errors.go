package hpack

import "errors"

// Decoding errors. Each error returned by a [Decoder] wraps one of these; see
// the package documentation for which of them end the connection.
var (
	// ErrInvalidIndex: an indexed field or name refers to index 0 or to an
	// index beyond the static and dynamic tables (RFC 7541 §2.3.3, §6.1).
	ErrInvalidIndex = errors.New("hpack: index 0 or beyond the tables (RFC 7541 §2.3.3)")

	// ErrSizeUpdateTooLarge: a dynamic table size update above the maximum
	// the decoder allows (RFC 7541 §4.2, §6.3).
	ErrSizeUpdateTooLarge = errors.New("hpack: dynamic table size update above the allowed maximum (RFC 7541 §6.3)")

	// ErrSizeUpdateMisplaced: a dynamic table size update after the first
	// field of a header block (RFC 7541 §4.2).
	ErrSizeUpdateMisplaced = errors.New("hpack: dynamic table size update not at the start of the header block (RFC 7541 §4.2)")

	// ErrSizeUpdateMissing: the first header block after the allowed maximum
	// was lowered below the table's maximum does not start with a size update
	// to at most the lowest allowed value (RFC 7541 §4.2).
	ErrSizeUpdateMissing = errors.New("hpack: missing dynamic table size update after the allowed maximum was lowered (RFC 7541 §4.2)")

	// ErrIntegerOverflow: an integer above 2^32-1, or encoded with more than
	// 5 continuation bytes (RFC 7541 §5.1).
	ErrIntegerOverflow = errors.New("hpack: integer too large (RFC 7541 §5.1)")

	// ErrTruncated: the header block ends inside an integer, a string
	// literal or a field representation (RFC 7541 §5.1, §5.2, §6).
	ErrTruncated = errors.New("hpack: header block truncated (RFC 7541 §5)")

	// ErrStringTooLong: a string literal longer than the decoder's limit
	// (RFC 7541 §7.3), refused before its bytes are copied.
	ErrStringTooLong = errors.New("hpack: string literal longer than the limit (RFC 7541 §7.3)")

	// ErrHuffmanEOS: a Huffman-coded string contains the EOS symbol (RFC 7541 §5.2).
	ErrHuffmanEOS = errors.New("hpack: Huffman-coded string contains EOS (RFC 7541 §5.2)")

	// ErrHuffmanPadding: a Huffman-coded string ends with padding longer than
	// 7 bits or not made of the most significant bits of EOS (RFC 7541 §5.2).
	ErrHuffmanPadding = errors.New("hpack: invalid Huffman padding (RFC 7541 §5.2)")

	// ErrHeaderListTooLarge: the decoded fields' sizes (name + value + 32
	// each) exceed the maximum header list size (RFC 9113 §6.5.2). The block
	// was decoded to its end, so the dynamic table is in sync.
	ErrHeaderListTooLarge = errors.New("hpack: header list larger than the limit (RFC 9113 §6.5.2)")
)
