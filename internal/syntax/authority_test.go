package syntax

import "testing"

func TestValidAuthority(t *testing.T) {
	for _, tc := range []struct {
		a              string
		valid, connect bool
	}{
		{"", true, false}, // an empty Host field is allowed (RFC 9112 §3.2)
		{"example.com", true, false},
		{"example.com:80", true, true},
		{"example.com:", true, false}, // empty port: the default (RFC 3986 §3.2.3)
		{"EXAMPLE.com:8080", true, true},
		{"127.0.0.1", true, false},
		{"127.0.0.1:65535", true, true},
		{"[::1]", true, false},
		{"[::1]:443", true, true},
		{"[fe80::1%25eth0]:80", true, true}, // zone ID (RFC 6874)
		{"[v1.fe80::a+en1]", true, false},   // IPvFuture
		{"a-b_c~d.e!$&'()*+,;=", true, false},
		{"%41b", true, false},
		{":80", true, false}, // host presence is the caller's check
		{":80", true, false},
		{"h:123456", false, false}, // more than five digits is never a TCP port
		{"h:12345", true, true},
		{"h:8o", false, false},
		{"h:-1", false, false},
		{"h:+80", false, false},
		{"h:80:80", false, false},
		{"user@h", false, false}, // RFC 9110 §4.2.4: no userinfo
		{"h/p", false, false},
		{"h?q", false, false},
		{"h#f", false, false},
		{"h p", false, false},
		{"h\t", false, false},
		{"h\r\n", false, false},
		{"h\x00", false, false},
		{"h\x7f", false, false},
		{"h\x80", false, false},
		{"caf\xc3\xa9", false, false},
		{"%", false, false}, // RFC 3986 §2.1: '%' starts a triplet
		{"a%2", false, false},
		{"a%zz", false, false},
		{"[", false, false},
		{"[]", false, false},
		{"[::1", false, false},
		{"[::1]x", false, false},
		{"[::1]:8o", false, false},
		{"[::1 ]", false, false},
		{"[a/b]", false, false},
		{"[a@b]", false, false},
		{"[::\x80]", false, false},
		{"[fe80::1%eth0]", false, false}, // an unencoded zone '%'
		{"[::1]]", false, false},
	} {
		if got := ValidAuthority(tc.a); got != tc.valid {
			t.Errorf("ValidAuthority(%q) = %v, want %v", tc.a, got, tc.valid)
		}
		if got := ValidConnectAuthority(tc.a); got != tc.connect {
			t.Errorf("ValidConnectAuthority(%q) = %v, want %v", tc.a, got, tc.connect)
		}
	}
}
