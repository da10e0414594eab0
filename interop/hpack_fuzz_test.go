package interop

import (
	"testing"

	"github.com/rawsock/httpserver/internal/http2/hpack"
)

// FuzzHPACKOracleDecode decodes two consecutive blocks with our decoder and
// with x/net's: both must accept with the same fields, or both reject.
func FuzzHPACKOracleDecode(f *testing.F) {
	enc := hpack.NewEncoder()
	first := enc.AppendBlock(nil, typicalHPACKRequest...)
	f.Add(first, enc.AppendBlock(nil, typicalHPACKRequest...))
	f.Add([]byte("\x82\x86\x84\x41\x8c\xf1\xe3\xc2\xe5\xf2\x3a\x6b\xa0\xab\x90\xf4\xff"), []byte("\x82\x86\x84\xbe\x58\x86\xa8\xeb\x10\x64\x9c\xbf"))
	f.Add([]byte("\x3f\xe1\x1f\x82"), []byte("\x20\x82"))
	f.Add([]byte("\x00\x01a\x85\xff\xff\xff\xff\xfc"), []byte{})
	f.Fuzz(func(t *testing.T, block1, block2 []byte) {
		compareDecoders(t, 4096, block1, block2)
	})
}
