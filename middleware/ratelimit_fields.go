package middleware

import (
	"math"
	"strconv"
	"strings"
	"sync/atomic"
)

// The RateLimit and RateLimit-Policy response fields follow
// draft-ietf-httpapi-ratelimit-headers-11 (drafts up to -06 defined
// RateLimit-Limit, RateLimit-Remaining and RateLimit-Reset instead):
//
//	RateLimit-Policy: "default";q=40;w=2
//	RateLimit: "default";r=39;t=1
//
// Both are Structured Field Lists (RFC 9651 §3.1) of Items whose value is
// the policy name, a String (RFC 9651 §3.3.3). Parameters: q is the
// quota in requests, w the window in seconds (draft §3.1), r the quota
// still available and t the effective window in seconds (draft §4.1).
//
// A token bucket of Burst tokens refilled at Rate per second is mapped
// onto a quota policy as q = Burst, w = ceil(Burst/Rate) (at least 1): a
// client that never sends more than q requests in any w seconds is never
// refused, since the bucket lets through Burst + Rate·t requests in any t
// seconds and Rate·w >= Burst. The policy understates what the bucket
// allows (up to twice q in a window), never overstates it.

// ratePolicyName is the name of the limiter's policy when none is given.
const ratePolicyName = "default"

// validPolicyName reports whether s can be a Structured Field String:
// printable ASCII only (RFC 9651 §3.3.3).
func validPolicyName(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// appendSFString appends s as a Structured Field String: quoted, with '"'
// and '\' escaped (RFC 9651 §4.1.6). s must pass validPolicyName.
func appendSFString(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' || s[i] == '\\' {
			b = append(b, '\\')
		}
		b = append(b, s[i])
	}
	return append(b, '"')
}

// policyWindow is the w parameter for a bucket of burst tokens refilled at
// rate per second: the seconds an empty bucket takes to refill, rounded up.
func policyWindow(burst, rate float64) int64 {
	return max(1, int64(math.Ceil(burst/rate)))
}

// policyField formats the RateLimit-Policy value.
func policyField(name string, burst, rate float64) string {
	b := appendSFString(nil, name)
	b = append(b, ";q="...)
	b = strconv.AppendInt(b, int64(burst), 10)
	b = append(b, ";w="...)
	b = strconv.AppendInt(b, policyWindow(burst, rate), 10)
	return string(b)
}

// rateFieldCache remembers recent RateLimit values, so that the common
// case — the same available quota and effective window as a recent
// response — costs no allocation. It is direct-mapped on (r, t); a miss
// formats a new string and replaces the slot. The strings are immutable:
// a response that picked one up keeps a valid value whatever happens to
// the slot afterwards.
type rateFieldCache struct {
	prefix string // the quoted policy name and ";r="
	slots  [rateFieldSlots]atomic.Pointer[rateField]
}

const rateFieldSlots = 256

type rateField struct {
	r, t  int64
	value string
}

// value returns the RateLimit field value for r quota units available
// and an effective window of t seconds.
func (c *rateFieldCache) value(r, t int64) string {
	slot := &c.slots[uint64(r*31+t)%rateFieldSlots]
	if f := slot.Load(); f != nil && f.r == r && f.t == t {
		return f.value
	}
	var sb strings.Builder
	sb.Grow(len(c.prefix) + 24)
	sb.WriteString(c.prefix)
	var num [20]byte
	sb.Write(strconv.AppendInt(num[:0], r, 10))
	sb.WriteString(";t=")
	sb.Write(strconv.AppendInt(num[:0], t, 10))
	f := &rateField{r: r, t: t, value: sb.String()}
	slot.Store(f)
	return f.value
}
