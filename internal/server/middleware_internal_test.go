package server

import "testing"

// firstInvalidUTF8 gives the offset of a body's first byte that is not UTF-8, for the 400 that
// refuses the body (it is only called on a body utf8.Valid rejects).
func TestFirstInvalidUTF8(t *testing.T) {
	t.Parallel()
	for body, want := range map[string]int{
		"\xff":               0,
		"ab\xffcd":           2,
		"\u00e9\xff":         2, // after a two-byte character
		"\ufffd\xff":         3, // U+FFFD itself is valid UTF-8
		"a\xe2\x82":          1, // a three-byte character cut short
		"\u00e9t\u00e9 \xc3": 6,
	} {
		if got := firstInvalidUTF8([]byte(body)); got != want {
			t.Errorf("firstInvalidUTF8(%q) = %d, want %d", body, got, want)
		}
	}
}
