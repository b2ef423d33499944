package client

import (
	"net/http"
	"sync"
	"time"
)

// serverClock estimates the server's time from the Date of its responses: the latest Date plus the time
// elapsed here since it arrived (on the monotonic clock). Decisions that compare the server's times,
// such as whether a token is due for rotation, are then made on the server's clock, which a skewed
// local clock cannot move, and which tests replace.
type serverClock struct {
	mu   sync.Mutex
	date time.Time // the latest Date seen
	seen time.Time // when it arrived, by the local clock (with its monotonic reading)
}

func (c *serverClock) observe(h http.Header, now time.Time) {
	date, err := http.ParseTime(h.Get("Date"))
	if err != nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.date, c.seen = date, now
}

func (c *serverClock) now() (time.Time, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.seen.IsZero() {
		return time.Time{}, false
	}
	return c.date.Add(time.Since(c.seen)), true
}

// ServerTime is the server's time now, as the Date of its latest response to this client says (to the
// second, as Date is), advanced by the time elapsed since. ok is false until a response carried a Date:
// make a request first.
func (c *Client) ServerTime() (now time.Time, ok bool) {
	return c.clock.now()
}
