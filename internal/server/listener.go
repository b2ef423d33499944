package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"regexp"
	"strconv"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
)

// Listener wraps ln for serving this API. net/http answers a few requests itself, before any handler
// runs, in plain text: a request line or header it cannot parse (an invalid percent-escape such as %ZZ
// in the path, for one), headers too large, a transfer encoding it does not support. On a connection
// from this listener those answers are problem documents, like every other error of the API.
func Listener(ln net.Listener) net.Listener { return problemListener{ln} }

type problemListener struct{ net.Listener }

func (l problemListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return problemConn{c}, nil
}

type problemConn struct{ net.Conn }

// plainHTTPError is how net/http writes those answers: in one write, status line, exactly these
// headers, and the text. No handler of this API answers text/plain, so nothing else matches.
var plainHTTPError = regexp.MustCompile(`\AHTTP/1\.1 ([0-9]{3}) [^\r\n]*\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n`)

func (c problemConn) Write(b []byte) (int, error) {
	m := plainHTTPError.FindSubmatchIndex(b)
	if m == nil {
		return c.Conn.Write(b)
	}
	status, _ := strconv.Atoi(string(b[m[2]:m[3]]))
	text := string(bytes.TrimSpace(b[m[1]:]))
	p := newProblem(status, problemTypeFor(status), "the request is not valid HTTP, so the server could not read it (%s); check the path's percent-escapes and the headers", text)
	body, err := json.Marshal(p)
	if err != nil {
		return c.Conn.Write(b)
	}
	resp := fmt.Sprintf("HTTP/1.1 %d %s\r\nContent-Type: %s\r\nCache-Control: no-store\r\nConnection: close\r\nContent-Length: %d\r\n\r\n%s\n",
		status, http.StatusText(status), api.ContentTypeError, len(body)+1, body)
	if _, err := c.Conn.Write([]byte(resp)); err != nil {
		return 0, err
	}
	return len(b), nil
}
