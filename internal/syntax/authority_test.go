package syntax

import "testing"

func TestValidAuthority(t *testing.T) {
	for _, tc := range []struct {
		a                   string
		valid, uri, connect bool
	}{
		{"", true, false, false}, // an empty Host field is allowed (RFC 9112 §3.2)
		{"example.com", true, true, false},
		{"example.com:80", true, true, true},
		{"example.com:", true, true, false}, // empty port: the default (RFC 3986 §3.2.3)
		{"EXAMPLE.com:8080", true, true, true},
		{"127.0.0.1", true, true, false},
		{"127.0.0.1:65535", true, true, true},
		{"[::1]", true, true, false},
		{"[::1]:443", true, true, true},
		{"[fe80::1%25eth0]:80", true, true, true}, // zone ID (RFC 6874)
		{"[v1.fe80::a+en1]", true, true, false},   // IPvFuture
		{"a-b_c~d.e!$&'()*+,;=", true, true, false},
		{"%41b", true, true, false},
		{":80", true, false, false}, // RFC 9110 §4.2.1: no empty host in a URI
		{":", true, false, false},
		{"h:123456", false, false, false}, // more than five digits is never a TCP port
		{"h:12345", true, true, true},
		{"h:8o", false, false, false},
		{"h:-1", false, false, false},
		{"h:+80", false, false, false},
		{"h:80:80", false, false, false},
		{"user@h", false, false, false}, // RFC 9110 §4.2.4: no userinfo
		{"h/p", false, false, false},
		{"h?q", false, false, false},
		{"h#f", false, false, false},
		{"h p", false, false, false},
		{"h\t", false, false, false},
		{"h\r\n", false, false, false},
		{"h\x00", false, false, false},
		{"h\x7f", false, false, false},
		{"h\x80", false, false, false},
		{"caf\xc3\xa9", false, false, false},
		{"%", false, false, false}, // RFC 3986 §2.1: '%' starts a triplet
		{"a%2", false, false, false},
		{"a%zz", false, false, false},
		{"[", false, false, false},
		{"[]", false, false, false},
		{"[::1", false, false, false},
		{"[::1]x", false, false, false},
		{"[::1]:8o", false, false, false},
		{"[::1 ]", false, false, false},
		{"[a/b]", false, false, false},
		{"[a@b]", false, false, false},
		{"[::\x80]", false, false, false},
		{"[fe80::1%eth0]", false, false, false}, // an unencoded zone '%'
		{"[::1]]", false, false, false},
	} {
		if got := ValidAuthority(tc.a); got != tc.valid {
			t.Errorf("ValidAuthority(%q) = %v, want %v", tc.a, got, tc.valid)
		}
		if got := ValidURIAuthority(tc.a); got != tc.uri {
			t.Errorf("ValidURIAuthority(%q) = %v, want %v", tc.a, got, tc.uri)
		}
		if got := ValidConnectAuthority(tc.a); got != tc.connect {
			t.Errorf("ValidConnectAuthority(%q) = %v, want %v", tc.a, got, tc.connect)
		}
	}
}
