package ratelimit

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

func TestRateLimiterBucket(t *testing.T) {
	t.Parallel()
	l := New(Config{PerSecond: 2, Burst: 3})
	start := time.Unix(1000, 0)
	for i := range 3 {
		if ok, _ := l.Take("a", start); !ok {
			t.Fatalf("request %d of the burst refused", i+1)
		}
	}
	ok, st := l.Take("a", start)
	if ok {
		t.Fatal("a request over the burst was allowed")
	}
	if st.Wait <= 0 || st.Wait > 500*time.Millisecond {
		t.Fatalf("wait = %v, want (0, 500ms] at 2 requests per second", st.Wait)
	}
	if st.Remaining != 0 || st.UntilFull != 1500*time.Millisecond {
		t.Fatalf("state %+v, want 0 remaining and full in 1.5 s", st)
	}
	if ok, _ := l.Take("b", start); !ok {
		t.Fatal("another credential shares the bucket")
	}
	if ok, _ := l.Take("a", start.Add(500*time.Millisecond)); !ok {
		t.Fatal("the bucket did not refill at the configured rate")
	}
	if ok, _ := l.Take("a", start.Add(500*time.Millisecond)); ok {
		t.Fatal("the bucket refilled more than the elapsed time allows")
	}
	// Half a token refilled a quarter of a second later: the rest comes in another quarter.
	if ok, st := l.Take("a", start.Add(750*time.Millisecond)); ok || st.Wait != 250*time.Millisecond {
		t.Fatalf("with half a token: allowed %v, wait %v; want refused, 250ms", ok, st.Wait)
	}
}

// TestRateLimitPolicyHeader: the advertised policy is a bucket of q that refills fully in w whole
// seconds, w rounded so that q/w is never above the real rate.
func TestRateLimitPolicyHeader(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		rate  float64
		burst int
		want  string
	}{
		{DefaultPerSecond, DefaultBurst, `"default";q=100;w=2`},
		{0, 0, `"default";q=100;w=2`},
		{3, 10, `"default";q=10;w=4`},
		{0.01, 4, `"default";q=4;w=400`},
		{1000, 10, `"default";q=10;w=1`},
		{2, 3, `"default";q=3;w=2`},
	} {
		l := New(Config{PerSecond: tc.rate, Burst: tc.burst})
		if got := l.PolicyHeader(); got != tc.want {
			t.Errorf("rate %g burst %d: %s, want %s", tc.rate, tc.burst, got, tc.want)
		}
	}
	// Seconds until full are rounded up, and a whole number of seconds stays as it is.
	for st, want := range map[State]string{
		{Remaining: 7, UntilFull: 1200 * time.Millisecond}: `"default";r=7;t=2`,
		{Remaining: 3, UntilFull: 2 * time.Second}:         `"default";r=3;t=2`,
		{Remaining: -1, UntilFull: 0}:                      `"default";r=0;t=0`,
	} {
		if got := st.Header(); got != want {
			t.Errorf("%+v.Header() = %s, want %s", st, got, want)
		}
	}
}

// TestClientAddress: a caller without a credential is budgeted by its TCP peer: an IPv4 address, an IPv6
// address by its /64 (one host usually holds the whole /64), an IPv4-mapped IPv6 address as the IPv4
// one, and whatever else as given.
func TestClientAddress(t *testing.T) {
	t.Parallel()
	for remote, want := range map[string]string{
		"192.0.2.1:1234":             "address:192.0.2.1",
		"[2001:db8::1]:1234":         "address:2001:db8::/64",
		"[2001:db8::ffff:1]:80":      "address:2001:db8::/64",
		"[2001:db8:0:1::1]:1234":     "address:2001:db8:0:1::/64",
		"[::ffff:192.0.2.1]:1234":    "address:192.0.2.1",
		"192.0.2.7":                  "address:192.0.2.7",
		"unix-socket-peer":           "address:unix-socket-peer",
		"not-an-address.example:443": "address:not-an-address.example",
	} {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.RemoteAddr = remote
		if got := ClientAddress(r); got != want {
			t.Errorf("ClientAddress(%q) = %q, want %q", remote, got, want)
		}
	}
}

func TestRateLimiterMemoryIsBounded(t *testing.T) {
	t.Parallel()
	l := New(Config{PerSecond: 1, Burst: 10})
	now := time.Unix(1000, 0)
	// Below the bound nothing is forgotten, not even a bucket that has refilled.
	l.Take("early", now.Add(-time.Hour))
	l.Take("later", now)
	if n := l.Size(); n != 2 {
		t.Fatalf("%d buckets for 2 keys below the bound", n)
	}
	for i := range maxBuckets + 5000 {
		l.Take(fmt.Sprintf("address:%d", i), now)
		if n := len(l.buckets); n > maxBuckets {
			t.Fatalf("%d buckets after %d keys, bound %d", n, i+1, maxBuckets)
		}
	}

	// With no bucket refilled, the key over the bound makes the limiter forget a quarter of them.
	l = New(Config{PerSecond: 1, Burst: 10})
	for i := range maxBuckets + 1 {
		l.Take(fmt.Sprintf("address:%d", i), now)
	}
	if n, want := l.Size(), maxBuckets*3/4+1; n != want {
		t.Fatalf("%d buckets after the first eviction, want %d (three quarters of the bound, and the newcomer)", n, want)
	}
}

// TestRateLimiterForgetsFullBucketsFirst: past the bound, the buckets that have refilled (to exactly
// full, here) are forgotten, and a bucket that is still spent is kept: forgetting it would hand its
// key a full one.
func TestRateLimiterForgetsFullBucketsFirst(t *testing.T) {
	t.Parallel()
	l := New(Config{PerSecond: 2, Burst: 10})
	now := time.Unix(1000, 0)
	const spent = 100
	for i := range spent {
		for range 10 {
			l.Take(fmt.Sprintf("spent:%d", i), now)
		}
	}
	for i := range maxBuckets - spent {
		l.Take(fmt.Sprintf("idle:%d", i), now) // 9 tokens left: full again half a second later
	}
	l.Take("newcomer", now.Add(500*time.Millisecond))
	if n := len(l.buckets); n != spent+1 {
		t.Errorf("%d buckets after the eviction, want the %d spent ones and the newcomer", n, spent)
	}
	for i := range spent {
		if b, ok := l.buckets[fmt.Sprintf("spent:%d", i)]; !ok || b.tokens >= 1 {
			t.Fatalf("spent bucket %d was forgotten or refilled: %+v", i, b)
		}
	}
}
