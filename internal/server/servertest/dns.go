package servertest

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"strings"
	"sync"
	"testing"

	"golang.org/x/net/dns/dnsmessage"
)

// DNS is a DNS server on loopback that answers TXT, A and AAAA queries from the records a test sets,
// and NXDOMAIN for every other name: the resolver the server's domain verification and webhook
// targets are pointed at in tests (server.Config.DNSResolver, orgs-apiserver -dns-resolver).
type DNS struct {
	// Addr is the server's "host:port".
	Addr string

	conn    net.PacketConn
	mu      sync.Mutex
	records map[string][]string
	addrs   map[string][]netip.Addr
	queries int
}

// StartDNS starts a DNS server on 127.0.0.1 and stops it when tb ends.
func StartDNS(tb testing.TB) *DNS {
	tb.Helper()
	conn, err := new(net.ListenConfig).ListenPacket(context.Background(), "udp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("start the test DNS server: %v", err)
	}
	d := &DNS{Addr: conn.LocalAddr().String(), conn: conn, records: map[string][]string{}, addrs: map[string][]netip.Addr{}}
	done := make(chan struct{})
	go func() {
		defer close(done)
		d.serve()
	}()
	tb.Cleanup(func() {
		conn.Close()
		<-done
	})
	return d
}

// SetTXT makes name (a domain name, with or without the final dot) answer TXT values; none removes it.
func (d *DNS) SetTXT(name string, values ...string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	key := canonicalName(name)
	if len(values) == 0 {
		delete(d.records, key)
		return
	}
	d.records[key] = append([]string(nil), values...)
}

// SetAddrs makes name answer A and AAAA queries with addrs; none removes them.
func (d *DNS) SetAddrs(name string, addrs ...netip.Addr) {
	d.mu.Lock()
	defer d.mu.Unlock()
	key := canonicalName(name)
	if len(addrs) == 0 {
		delete(d.addrs, key)
		return
	}
	d.addrs[key] = append([]netip.Addr(nil), addrs...)
}

// Queries is how many queries the server has answered.
func (d *DNS) Queries() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.queries
}

func canonicalName(name string) string { return strings.ToLower(strings.TrimSuffix(name, ".")) + "." }

func (d *DNS) serve() {
	buf := make([]byte, 1500)
	for {
		n, from, err := d.conn.ReadFrom(buf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			continue
		}
		if answer, ok := d.answer(buf[:n]); ok {
			_, _ = d.conn.WriteTo(answer, from) // a client that went away gets no answer
		}
	}
}

// answer builds the reply to one query message; a message that does not parse gets none.
func (d *DNS) answer(query []byte) ([]byte, bool) {
	var p dnsmessage.Parser
	header, err := p.Start(query)
	if err != nil {
		return nil, false
	}
	q, err := p.Question()
	if err != nil {
		return nil, false
	}
	d.mu.Lock()
	d.queries++
	values, hasTXT := d.records[canonicalName(q.Name.String())]
	addrs, hasAddrs := d.addrs[canonicalName(q.Name.String())]
	found := hasTXT || hasAddrs
	d.mu.Unlock()
	reply := dnsmessage.Header{ID: header.ID, Response: true, Authoritative: true, RecursionDesired: header.RecursionDesired}
	if !found {
		reply.RCode = dnsmessage.RCodeNameError
	}
	b := dnsmessage.NewBuilder(nil, reply)
	b.EnableCompression()
	if err := b.StartQuestions(); err != nil {
		return nil, false
	}
	if err := b.Question(q); err != nil {
		return nil, false
	}
	if err := b.StartAnswers(); err != nil {
		return nil, false
	}
	for _, a := range addrs {
		rh := dnsmessage.ResourceHeader{Name: q.Name, Class: dnsmessage.ClassINET, TTL: 0}
		switch {
		case q.Type == dnsmessage.TypeA && a.Is4():
			rh.Type = dnsmessage.TypeA
			if err := b.AResource(rh, dnsmessage.AResource{A: a.As4()}); err != nil {
				return nil, false
			}
		case q.Type == dnsmessage.TypeAAAA && a.Is6():
			rh.Type = dnsmessage.TypeAAAA
			if err := b.AAAAResource(rh, dnsmessage.AAAAResource{AAAA: a.As16()}); err != nil {
				return nil, false
			}
		}
	}
	if found && q.Type == dnsmessage.TypeTXT {
		for _, v := range values {
			rh := dnsmessage.ResourceHeader{Name: q.Name, Type: dnsmessage.TypeTXT, Class: dnsmessage.ClassINET, TTL: 60}
			if err := b.TXTResource(rh, dnsmessage.TXTResource{TXT: []string{v}}); err != nil {
				return nil, false
			}
		}
	}
	out, err := b.Finish()
	return out, err == nil
}
