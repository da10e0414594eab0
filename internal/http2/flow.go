package http2

// sendWindow is a flow-control window for data this side sends (RFC 9113
// §5.2, §6.9). It may go negative after the peer lowers
// SETTINGS_INITIAL_WINDOW_SIZE (§6.9.2).
type sendWindow struct{ n int64 }

// add applies a WINDOW_UPDATE increment or a SETTINGS_INITIAL_WINDOW_SIZE
// delta. It reports false when the window would exceed 2^31-1, which RFC
// 9113 §6.9.1 makes a FLOW_CONTROL_ERROR (a stream error for a stream
// window, a connection error for the connection window; §6.9.2 makes an
// overflow caused by SETTINGS a connection error).
func (w *sendWindow) add(delta int64) bool {
	if w.n+delta > maxWindow {
		return false
	}
	w.n += delta
	return true
}

// avail is what may be sent now.
func (w *sendWindow) avail() int64 {
	if w.n < 0 {
		return 0
	}
	return w.n
}

func (w *sendWindow) take(n int64) { w.n -= n }

// recvWindow tracks a window for data this side receives: how much the peer
// may still send, and how much the application consumed since the last
// WINDOW_UPDATE.
type recvWindow struct {
	size     int32 // the window announced to the peer
	avail    int32 // what the peer may still send
	consumed int32 // consumed by the application, not yet announced
}

func newRecvWindow(size uint32) recvWindow {
	return recvWindow{size: int32(size), avail: int32(size)}
}

// receive takes n octets of a DATA frame from the window; false means the
// peer sent more than the window allowed: a FLOW_CONTROL_ERROR (RFC 9113
// §6.9.1).
func (w *recvWindow) receive(n uint32) bool {
	if int64(n) > int64(w.avail) {
		return false
	}
	w.avail -= int32(n)
	return true
}

// consume records n octets handed to the application (or discarded) and
// returns the WINDOW_UPDATE increment to send, or 0 while less than half
// of the window is waiting to be announced (so small reads do not each
// cost a frame).
func (w *recvWindow) consume(n uint32) uint32 {
	w.consumed += int32(n)
	if w.consumed < w.size/2 {
		return 0
	}
	inc := w.consumed
	w.consumed = 0
	w.avail += inc
	return uint32(inc)
}
