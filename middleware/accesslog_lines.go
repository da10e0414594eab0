package middleware

import "io"

// The pending lines of an access log (combined, or the default JSON) are
// encoded into blocks of lineBlockSize bytes, each line whole in one
// block, and written a block at a time. A burst of requests takes more
// blocks, not a buffer grown by doubling: growing one copied the lines
// encoded so far into an allocation twice as large each time, garbage
// about as large as the buffer itself, which the Go heap keeps as memory
// after the burst (see docs/benchmarks-history.md, idle connections of
// the binary). Written blocks are kept for reuse, so a steady load
// allocates nothing.
const (
	lineBlockSize = 8 << 10
	// lineRoom is how much room a block must have left to take another
	// line; a longer line grows its block, which is then not reused.
	lineRoom = 1 << 10
)

// lineBlocks holds pending lines; the AccessLog's mu guards it.
type lineBlocks struct {
	blocks [][]byte // full ones, then the one being filled
	n      int      // bytes in blocks
	free   [][]byte // written blocks, empty
}

// block returns the block to encode the next line into, with at least
// lineRoom bytes left unless the line is long; the caller stores it back
// with done.
func (p *lineBlocks) block() []byte {
	if k := len(p.blocks); k > 0 {
		if b := p.blocks[k-1]; cap(b)-len(b) >= lineRoom {
			return b
		}
	}
	var b []byte
	if k := len(p.free); k > 0 {
		b = p.free[k-1]
		p.free[k-1] = nil
		p.free = p.free[:k-1]
	} else {
		b = make([]byte, 0, lineBlockSize)
	}
	p.blocks = append(p.blocks, b)
	return b
}

// done stores b, the block block returned with a line appended.
func (p *lineBlocks) done(b []byte) {
	last := &p.blocks[len(p.blocks)-1]
	p.n += len(b) - len(*last)
	*last = b
}

// take moves the pending blocks to batch (emptied first), leaving none.
func (p *lineBlocks) take(batch [][]byte) [][]byte {
	batch = append(batch[:0], p.blocks...)
	clear(p.blocks)
	p.blocks = p.blocks[:0]
	p.n = 0
	return batch
}

// recycle keeps the written blocks of batch for reuse, but those a long
// line grew.
func (p *lineBlocks) recycle(batch [][]byte) {
	for _, b := range batch {
		if cap(b) == lineBlockSize {
			p.free = append(p.free, b[:0])
		}
	}
}

// writeBlocks writes each block of batch with one call; a failed write
// loses its block.
func writeBlocks(w io.Writer, batch [][]byte) {
	for _, b := range batch {
		if len(b) > 0 {
			_, _ = w.Write(b)
		}
	}
}
