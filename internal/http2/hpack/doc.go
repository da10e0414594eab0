// Package hpack implements HPACK, the header compression of HTTP/2 (RFC 7541):
// the static and dynamic tables, dynamic table size updates, integer and string
// literals and the Huffman code. It knows nothing of requests or responses and
// imports nothing of this module; the HTTP/2 layer (package internal/http2)
// turns fields into requests.
//
// # API
//
//	type HeaderField struct { Name, Value string; Sensitive bool }
//
//	d := hpack.NewDecoder(4096)            // the initial SETTINGS_HEADER_TABLE_SIZE
//	d.SetMaxHeaderListSize(16 << 10)       // our SETTINGS_MAX_HEADER_LIST_SIZE
//	d.SetMaxStringLength(8 << 10)          // longest name or value accepted
//	d.SetAllowedMaxDynamicTableSize(n)     // when the peer acknowledges our SETTINGS_HEADER_TABLE_SIZE n
//	err := d.Decode(block, func(f hpack.HeaderField) error { ...; return nil })
//	fields, err = d.DecodeAppend(fields[:0], block)
//
//	e := hpack.NewEncoder()                // dynamic table of 4096 bytes (RFC 9113 §6.5.2 initial value)
//	e.SetMaxDynamicTableSize(n)            // the peer's SETTINGS_HEADER_TABLE_SIZE
//	dst = e.AppendBlock(dst[:0], fields...)
//	// or field by field:
//	dst = e.BeginBlock(dst[:0]); dst = e.AppendField(dst, f); ...
//
// A header block is decoded whole: the caller concatenates the HEADERS and
// CONTINUATION fragments first (RFC 9113 §4.3). Decoding never allocates per
// block in steady state: the Name and Value strings handed to the callback (or
// appended to the slice) alias a buffer owned by the [Decoder] and stay valid
// only until the next call of Decode or DecodeAppend on that decoder; copy
// them to keep them. Static-table names are constants and stay valid.
// Encoding appends to the caller's buffer and never allocates in steady state.
// A Decoder and an Encoder are not safe for concurrent use (one of each per
// connection, used by the goroutine that reads or writes).
//
// # Errors
//
// Every decoding error wraps one of the sentinels below (errors.Is) and names
// the RFC rule broken; all but [ErrHeaderListTooLarge] leave the decoder's
// dynamic table unusable, so HTTP/2 treats them as a connection error of type
// COMPRESSION_ERROR (RFC 9113 §4.3). [ErrHeaderListTooLarge] is reported only
// after the whole block has been decoded (the table stays in sync), so the
// stream can be refused with 431 and the connection can go on (RFC 9113 §10.5.1).
//
//   - [ErrInvalidIndex]: index 0, or beyond the static and dynamic tables (RFC 7541 §2.3.3, §6.1).
//   - [ErrSizeUpdateTooLarge]: a dynamic table size update above the allowed maximum (RFC 7541 §4.2, §6.3).
//   - [ErrSizeUpdateMisplaced]: a size update after the first field of a block (RFC 7541 §4.2).
//   - [ErrSizeUpdateMissing]: no size update at the start of the first block after the allowed
//     maximum was lowered below the table's current maximum (RFC 7541 §4.2).
//   - [ErrIntegerOverflow]: an integer above 2^32-1, or more than 5 continuation bytes (RFC 7541 §5.1).
//   - [ErrTruncated]: the block ends inside an integer, a string or a field (RFC 7541 §5.1, §5.2).
//   - [ErrStringTooLong]: a string literal longer than the limit, refused before it is copied (RFC 7541 §7.3).
//   - [ErrHuffmanEOS], [ErrHuffmanPadding]: the EOS symbol inside a string, or padding longer than
//     7 bits or not the most significant bits of EOS (all ones) (RFC 7541 §5.2).
//   - [ErrHeaderListTooLarge]: the fields' sizes (name + value + 32 each, RFC 9113 §6.5.2) exceed the limit.
//
// HPACK does not check field syntax (lowercase names, forbidden characters,
// pseudo-header order): that is the HTTP/2 layer's job (RFC 9113 §8.2, §8.3).
//
// # Limits
//
// Defaults: dynamic table as given to [NewDecoder]; header list 64 KiB
// ([DefaultMaxHeaderListSize]); string 64 KiB ([DefaultMaxStringLength]).
// For every limit setter, 0 restores the default. Integers are decoded into
// uint32 with at most 5 continuation bytes. A string is refused on its
// length prefix, before its bytes are read; a Huffman string's decoded
// length (at most 8/5 of its wire length) is checked too. Once a block passes the header list limit, indexed fields
// are counted without being copied, so a block of 1-byte references to a
// large entry costs no memory.
//
// Memory: a dynamic table's buffers grow as entries arrive (to at most twice
// its maximum size), so a connection whose peer never indexes anything holds
// none; the decoder's string buffer grows to the largest block's strings.
//
// # Encoder choices
//
// The encoder uses a dynamic table of at most 4096 bytes whatever larger size
// the peer allows ([Encoder.SetMaxDynamicTableSizeLimit] changes that cap), to
// bound memory per connection. Fields found whole in the static or dynamic
// table are sent as an index. Sensitive fields are sent as never-indexed
// literals (RFC 7541 §6.2.3, §7.1.3), and so are authorization values and
// short cookies. Fields whose values are usually unique are sent without
// indexing, so they do not evict useful entries: see [Encoder.AppendField].
// Everything else is added to the dynamic table. A string is Huffman-coded
// only when that makes it shorter. On the raw-data stories of the
// hpack-test-case corpus this gives 0.307 encoded bytes per byte of names
// and values, against 0.311 for golang.org/x/net/http2/hpack (interop/).
//
// # Huffman code
//
// huffman_table.go is generated by gen_huffman.go (go generate) from
// testdata/huffman_rfc7541.txt, the table of RFC 7541 Appendix B; a test
// regenerates it and compares. Decoding walks a 256-state machine 4 bits at
// a time, checking the padding rules of §5.2 on the final state.
package hpack
