package provider_test

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/orgs-dev/terraform-provider-orgs/internal/acctest"
	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
)

// dyingServer stands between the provider and the reference server, passing requests through until
// the request that kills it: from then on it answers nothing, and connecting to it is refused, as
// with a server that was stopped. revive starts it again on the same address.
type dyingServer struct {
	t       *testing.T
	addr    string
	backend *httputil.ReverseProxy
	killAt  func(*http.Request) bool

	mu       sync.Mutex
	srv      *http.Server
	dead     bool
	inFlight sync.WaitGroup // requests passed through, until their answer is written
}

func newDyingServer(t *testing.T, backendURL string, killAt func(*http.Request) bool) *dyingServer {
	t.Helper()
	target, err := url.Parse(backendURL)
	if err != nil {
		t.Fatal(err)
	}
	d := &dyingServer{t: t, backend: httputil.NewSingleHostReverseProxy(target), killAt: killAt}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	d.addr = l.Addr().String()
	d.serve(l)
	t.Cleanup(func() {
		d.mu.Lock()
		defer d.mu.Unlock()
		d.srv.Close()
	})
	return d
}

func (d *dyingServer) URL() string { return "http://" + d.addr }

func (d *dyingServer) serve(l net.Listener) {
	d.srv = &http.Server{Handler: http.HandlerFunc(d.handle)}
	go func() {
		if err := d.srv.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
			d.t.Errorf("the server in front: %v", err)
		}
	}()
}

func (d *dyingServer) handle(w http.ResponseWriter, r *http.Request) {
	d.mu.Lock()
	kill := !d.dead && d.killAt(r)
	if kill {
		d.dead = true
	}
	dead, srv := d.dead, d.srv
	if !dead {
		d.inFlight.Add(1)
	}
	d.mu.Unlock()
	if !dead {
		defer d.inFlight.Done()
		d.backend.ServeHTTP(w, r)
		return
	}
	if kill {
		// What was passed through is answered; then the listener and every connection close.
		go func() {
			d.inFlight.Wait()
			srv.Close()
		}()
	}
	// No answer: the connection just closes.
	if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
		conn.Close()
	}
}

// revive listens again on the same address, passing everything through.
func (d *dyingServer) revive() {
	d.t.Helper()
	d.inFlight.Wait()
	d.mu.Lock()
	defer d.mu.Unlock()
	d.srv.Close()
	l, err := net.Listen("tcp", d.addr)
	if err != nil {
		d.t.Fatalf("listen again on %s: %v", d.addr, err)
	}
	d.dead = false
	d.killAt = func(*http.Request) bool { return false }
	d.serve(l)
}

// TestAccLostServer_oneExplanation (issue 25, item 1): a server that stops answering in the middle of
// an apply gives one error that says what happened and that applying again is safe; the other objects
// in flight or still to do get short errors that point to it. Applying again once the server is back
// does what is left, and the next plan is empty. Environments, because their writes are one request
// each (labels would go out as one coalesced bulk request, and the server would die at none of them).
func TestAccLostServer_oneExplanation(t *testing.T) {
	t.Parallel()
	env := acctest.New(t)
	org := env.CreateOrganization(t, api.PlanTeam)
	const environments, passed = 8, 3
	var posts int
	front := newDyingServer(t, env.Endpoint, func(r *http.Request) bool {
		if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/environments") {
			posts++
			return posts > passed
		}
		return false
	})
	cli := acctest.NewCLI(t, env, "ORGS_ENDPOINT="+front.URL(), "ORGS_MAX_RETRIES=1")
	cli.WriteFile("main.tf", fmt.Sprintf(`
resource "orgs_environment" "e" {
  for_each        = toset([for i in range(%d) : "env-${i}"])
  organization_id = %q
  name            = each.key
}
`, environments, org.ID))

	out, err := cli.Run("apply", "-auto-approve", "-input=false", "-no-color")
	if err == nil {
		t.Fatalf("the apply succeeded although the server stopped answering:\n%s", out)
	}
	lead := strings.Count(out, "Error: The orgs API server stopped answering")
	short := len(regexp.MustCompile(`Error: (Not|Maybe) done: the orgs API server stopped answering`).FindAllString(out, -1))
	if lead != 1 || short != environments-passed-1 || strings.Count(out, "Error: ") != environments-passed {
		t.Errorf("want one explaining error and %d short ones (%d errors in all), got %d and %d:\n%s",
			environments-passed-1, environments-passed, lead, short, out)
	}
	for _, want := range []string{
		"answered earlier in this run, then stopped answering",
		"Applying again is safe: what this run finished is in the state",
		`See the error "The orgs API server stopped answering" for what to do.`,
	} {
		if !wrappedText(want).MatchString(out) {
			t.Errorf("the output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "Check the provider's `endpoint`") {
		t.Errorf("the output blames the endpoint, which answered earlier in the run:\n%s", out)
	}
	if n := strings.Count(out, "Applying again is safe"); n != 1 {
		t.Errorf("the explanation is given %d times, want once", n)
	}
	state, err := cli.Run("state", "list")
	if err != nil {
		t.Fatalf("%v\n%s", err, state)
	}
	if n := strings.Count(state, "orgs_environment.e["); n != passed {
		t.Errorf("%d environments in the state after the server stopped, want the %d it made:\n%s", n, passed, state)
	}

	front.revive()
	out = cli.MustRun("apply", "-auto-approve")
	if want := fmt.Sprintf("Resources: %d added, 0 changed, 0 destroyed.", environments-passed); !strings.Contains(out, want) {
		t.Errorf("applying again does not say %q:\n%s", want, out)
	}
	cli.MustRun("plan", "-detailed-exitcode")
}

// TestAccLostServer_coalescedWrites: when the server stops answering the bulk request that carries the
// coalesced creates of several labels, each of them fails once, with one explaining error and short ones
// pointing to it, as for single requests; applying again once the server is back creates what is left.
// A first label, which the others wait for, is created by a plain request that gets through, so that
// the server has answered this provider before and its silence is a loss, not a wrong endpoint.
func TestAccLostServer_coalescedWrites(t *testing.T) {
	t.Parallel()
	env := acctest.New(t)
	org := env.CreateOrganization(t, api.PlanTeam)
	const labels = 5
	front := newDyingServer(t, env.Endpoint, func(r *http.Request) bool {
		return r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/bulk/labels")
	})
	cli := acctest.NewCLI(t, env, "ORGS_ENDPOINT="+front.URL(), "ORGS_MAX_RETRIES=1")
	cli.WriteFile("main.tf", fmt.Sprintf(`
resource "orgs_label" "first" {
  organization_id = %[2]q
  key             = "first"
}

resource "orgs_label" "l" {
  for_each        = toset([for i in range(%[1]d) : "label-${i}"])
  organization_id = %[2]q
  key             = each.key
  depends_on      = [orgs_label.first]
}
`, labels, org.ID))

	out, err := cli.Run("apply", "-auto-approve", "-input=false", "-no-color")
	if err == nil {
		t.Fatalf("the apply succeeded although the server stopped answering:\n%s", out)
	}
	lead := strings.Count(out, "Error: The orgs API server stopped answering")
	short := len(regexp.MustCompile(`Error: (Not|Maybe) done: the orgs API server stopped answering`).FindAllString(out, -1))
	if lead != 1 || lead+short != labels || strings.Count(out, "Error: ") != labels {
		t.Errorf("want one explaining error and %d short ones (%d errors in all), got %d and %d:\n%s", labels-1, labels, lead, short, out)
	}
	if n := strings.Count(out, "Applying again is safe"); n != 1 {
		t.Errorf("the explanation is given %d times, want once:\n%s", n, out)
	}

	front.revive()
	out = cli.MustRun("apply", "-auto-approve")
	if want := fmt.Sprintf("Resources: %d added, 0 changed, 0 destroyed.", labels); !strings.Contains(out, want) {
		t.Errorf("applying again does not say %q:\n%s", want, out)
	}
	cli.MustRun("plan", "-detailed-exitcode")
}
