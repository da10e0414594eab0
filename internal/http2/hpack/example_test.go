package hpack_test

import (
	"fmt"

	"github.com/rawsock/httpserver/internal/http2/hpack"
)

// Example encodes a request's fields into a header block and decodes it on
// the other side of the connection.
func Example() {
	enc := hpack.NewEncoder()
	block := enc.AppendBlock(nil,
		hpack.HeaderField{Name: ":method", Value: "GET"},
		hpack.HeaderField{Name: ":path", Value: "/index.html"},
		hpack.HeaderField{Name: "authorization", Value: "Bearer x", Sensitive: true},
	)

	dec := hpack.NewDecoder(4096)
	dec.SetMaxHeaderListSize(16 << 10)
	err := dec.Decode(block, func(f hpack.HeaderField) error {
		// f.Name and f.Value are valid until the next Decode: copy to keep.
		fmt.Printf("%s: %s (sensitive %v)\n", f.Name, f.Value, f.Sensitive)
		return nil
	})
	fmt.Println(err, len(block), "bytes")
	// Output:
	// :method: GET (sensitive false)
	// :path: /index.html (sensitive false)
	// authorization: Bearer x (sensitive true)
	// <nil> 11 bytes
}
