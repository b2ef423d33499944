package main_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
)

// TestProgram runs the built program as a separate process, the way users and CI run it.
func TestProgram(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "orgs-apiserver")
	// The environment is the test's own, so the build reuses what compiling the test put in the cache.
	build := exec.Command("go", "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}

	t.Run("every acknowledged write survives kill -9", func(t *testing.T) { testDurability(t, bin) })
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		t.Run("clean exit on "+sig.String(), func(t *testing.T) { testCleanExit(t, bin, sig) })
	}
	t.Run("a short bootstrap token is refused at startup, naming the minimum", func(t *testing.T) {
		out, exit := runToExit(t, bin, []string{"-listen", "127.0.0.1:0", "-db", filepath.Join(t.TempDir(), "orgs.db")},
			"ORGS_BOOTSTRAP_EMAIL=owner@example.test", "ORGS_BOOTSTRAP_TOKEN=x")
		if exit == 0 || strings.Contains(out, "listening") || !strings.Contains(out, strconv.Itoa(api.MinBootstrapTokenLength)) {
			t.Fatalf("a 1-character bootstrap token: exit %d\n%s", exit, out)
		}
	})
	t.Run("a restart applies a new bootstrap token and new seed users", func(t *testing.T) { testBootstrapRestart(t, bin) })
	t.Run("operator subcommands beside a running server", func(t *testing.T) { testAdmin(t, bin) })
	t.Run("keys rotate re-seals with a new key, and the old one is refused", func(t *testing.T) { testKeysRotate(t, bin) })
	t.Run("a subcommand after the server's flags is told to come first", func(t *testing.T) {
		_, stderr, code := runCommand(t, bin, "-db", filepath.Join(t.TempDir(), "orgs.db"), "users", "list")
		if code != 2 || !strings.Contains(stderr, `the subcommand "users list" must come first, its flags after it: orgs-apiserver users list -db FILE`) {
			t.Fatalf("exit %d: %s", code, stderr)
		}
	})
	t.Run("domains verify marks a claimed domain verified by hand", func(t *testing.T) { testDomainsVerify(t, bin) })
	t.Run("a database it cannot write is refused before listening", func(t *testing.T) { testReadOnlyDatabase(t, bin) })
	t.Run("a bootstrap token without an email is refused, unprinted", func(t *testing.T) {
		cmd := exec.Command(bin, "-listen", "127.0.0.1:0", "-db", filepath.Join(t.TempDir(), "orgs.db"))
		cmd.Env = append(os.Environ(), "ORGS_BOOTSTRAP_EMAIL=", "ORGS_BOOTSTRAP_TOKEN=orgs_pat_lonely"+randomHex())
		out, err := cmd.CombinedOutput()
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() == 0 {
			t.Fatalf("a bootstrap token without an email: %v\n%s", err, out)
		}
		if bytes.Contains(out, []byte("orgs_pat_lonely")) {
			t.Fatalf("the program printed the token it was given:\n%s", out)
		}
	})
}

// runToExit runs the program, which must exit by itself within a minute, and returns its output and
// exit code.
func runToExit(t *testing.T, bin string, args []string, env ...string) (string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(os.Environ(), append([]string{"ORGS_BOOTSTRAP_EMAIL=", "ORGS_BOOTSTRAP_TOKEN=", "ORGS_SEED_USERS="}, env...)...)
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return string(out), 0
	case errors.As(err, &exit):
		return string(out), exit.ExitCode()
	}
	t.Fatalf("run %v: %v\n%s", args, err, out)
	return "", 0
}

// testReadOnlyDatabase (finding 10): the program proves it can write its database before it says it
// listens, and exits non-zero naming the path otherwise. The database is made read-only through its
// header (a write version above 2 makes SQLite open the file read-only), which holds even for root,
// whom file modes do not stop.
func testReadOnlyDatabase(t *testing.T, bin string) {
	dbPath := filepath.Join(t.TempDir(), "orgs.db")
	email, token := "ro-"+randomHex()+"@example.test", "orgs_pat_"+randomHex()+randomHex()
	p := start(t, bin, dbPath, email, token)
	if err := p.stop(t, syscall.SIGTERM); err != nil {
		t.Fatalf("stop: %v\n%s", err, p.output)
	}
	f, err := os.OpenFile(dbPath, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteAt([]byte{3}, 18); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	out, exit := runToExit(t, bin, []string{"-listen", "127.0.0.1:0", "-db", dbPath, "-no-rate-limit"})
	if exit == 0 || strings.Contains(out, "listening") || !strings.Contains(out, dbPath) {
		t.Fatalf("a read-only database: exit %d\n%s", exit, out)
	}
}

// process is one run of the program.
type process struct {
	cmd    *exec.Cmd
	base   string
	token  string
	output *lockedBuffer
	done   chan struct{} // closed when the process has exited and its output is read
	err    error         // cmd.Wait's error, set before done is closed
}

type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

var writeBatch = regexp.MustCompile(`msg="write batch" requests=([0-9]+) committed=true`)

// largestWriteBatch is the most requests the server's debug log says it committed in one transaction.
func largestWriteBatch(log string) int {
	largest := 0
	for _, m := range writeBatch.FindAllStringSubmatch(log, -1) {
		if n, _ := strconv.Atoi(m[1]); n > largest {
			largest = n
		}
	}
	return largest
}

var listening = regexp.MustCompile(`listening on (http://\S+)`)

// start runs the program on dbPath with a free port and waits until it says where it listens.
func start(t *testing.T, bin, dbPath, email, token string, env ...string) *process {
	t.Helper()
	p := &process{token: token, output: &lockedBuffer{}, done: make(chan struct{})}
	p.cmd = exec.Command(bin, "-listen", "127.0.0.1:0", "-db", dbPath, "-no-rate-limit", "-v")
	p.cmd.Env = append(os.Environ(), "ORGS_BOOTSTRAP_EMAIL="+email, "ORGS_BOOTSTRAP_TOKEN="+token, "ORGS_SEED_USERS=")
	p.cmd.Env = append(p.cmd.Env, env...)
	stdout, err := p.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	p.cmd.Stderr = p.output
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			line := sc.Text()
			_, _ = p.output.Write([]byte(line + "\n"))
			if m := listening.FindStringSubmatch(line); m != nil {
				select {
				case addr <- m[1]:
				default:
				}
			}
		}
		_, _ = io.Copy(io.Discard, stdout)
		p.err = p.cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		_ = p.cmd.Process.Kill() // already exited when the test stopped it itself
		<-p.done
	})
	select {
	case p.base = <-addr:
	case <-p.done:
		t.Fatalf("the program exited before listening: %v\n%s", p.err, p.output)
	case <-time.After(60 * time.Second):
		t.Fatalf("the program did not say where it listens within a minute:\n%s", p.output)
	}
	return p
}

// stop sends sig and waits for the exit.
func (p *process) stop(t *testing.T, sig os.Signal) error {
	t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
	select {
	case <-p.done:
		return p.err
	case <-time.After(60 * time.Second):
		t.Fatalf("the program did not exit within a minute of %v:\n%s", sig, p.output)
	}
	return nil
}

var client = &http.Client{Timeout: 30 * time.Second}

// call makes one request; err is a transport error (the process died, for example).
func (p *process) call(cred, method, path string, body any) (int, []byte, error) {
	var rd io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			return 0, nil, err
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, p.base+path, rd)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", api.ContentTypeJSON)
	if cred != "" { // public routes take no credential
		req.Header.Set("Authorization", "Bearer "+cred)
	}
	res, err := client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	return res.StatusCode, data, err
}

func (p *process) must(t *testing.T, want int, cred, method, path string, body, out any) {
	t.Helper()
	status, data, err := p.call(cred, method, path, body)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	if status != want {
		t.Fatalf("%s %s: want %d, got %d %s", method, path, want, status, data)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			t.Fatalf("%s %s: decode: %v", method, path, err)
		}
	}
}

func randomHex() string {
	var b [8]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// labelState is what a client was told about one label: its last acknowledged value, and the value of
// a write still in flight when the server died (which may or may not have landed).
type labelState struct {
	acked, inFlight string
	created         bool // the create was acknowledged
	deleted         bool // a delete was acknowledged
	deleteInFlight  bool
}

// testDurability writes through the API from several clients at once (creates, updates, deletes, and
// bulk creates of 10 labels, every item of an acknowledged one to survive),
// kills the process with SIGKILL in the middle of it, restarts on the same database, and checks every
// acknowledged write.
func testDurability(t *testing.T, bin string) {
	dbPath := filepath.Join(t.TempDir(), "orgs.db")
	email, token := "durable-"+randomHex()+"@example.test", "orgs_pat_"+randomHex()+randomHex()
	p := start(t, bin, dbPath, email, token)

	var org api.Organization
	p.must(t, http.StatusCreated, token, http.MethodPost, api.PathOrganizations,
		api.OrganizationCreate{Name: "durable", AdminContactEmails: []string{email}, Plan: api.PlanEnterprise}, &org)
	labels := strings.ReplaceAll(api.PathLabels, "{org_id}", org.ID)
	bulkLabels := strings.ReplaceAll(api.PathBulkLabels, "{org_id}", org.ID)
	labelPath := func(key string) string { return labels + "/" + url.PathEscape(key) }

	// Enough writers that the server commits several requests' writes together (group commit): the
	// test then also proves that every write of an acknowledged batch survives.
	const writers, ackedBeforeKill = 16, 240
	var mu sync.Mutex
	states := map[string]*labelState{}
	acked, bulksAcked := 0, 0
	enough := make(chan struct{})
	var tokens []string // writers use organization tokens, as automation does
	for range writers {
		var tok api.APIToken
		p.must(t, http.StatusCreated, token, http.MethodPost, strings.ReplaceAll(api.PathAPITokens, "{org_id}", org.ID),
			api.APITokenCreate{Name: "writer", Role: api.RoleAdmin}, &tok)
		tokens = append(tokens, tok.Token)
	}

	ack := func() {
		acked++
		if acked == ackedBeforeKill {
			close(enough)
		}
	}
	var wg sync.WaitGroup
	for wi, cred := range tokens {
		wg.Go(func() {
			var mine []string
			for i := 0; ; i++ {
				var method, path, key, value string
				var body any
				var bulk []string // the keys a bulk create makes
				switch {
				case i%7 == 6: // a bulk create of 10 labels: every item of an acknowledged bulk survives
					value = fmt.Sprintf("v%d", i)
					var items []api.BulkItem[api.LabelCreate, api.LabelUpdate]
					for j := range 10 {
						k := fmt.Sprintf("w%d.example.test/b%d-%d", wi, i, j)
						bulk = append(bulk, k)
						items = append(items, api.BulkItem[api.LabelCreate, api.LabelUpdate]{Op: api.BulkCreate, Create: &api.LabelCreate{Key: k, Value: value}})
					}
					method, path, body = http.MethodPost, bulkLabels, api.BulkRequest[api.LabelCreate, api.LabelUpdate]{Items: items}
				case i%5 == 3 && len(mine) > 0: // delete the oldest
					key, mine = mine[0], mine[1:]
					method, path = http.MethodDelete, labelPath(key)
				case i%5 == 1 && len(mine) > 0: // update the newest
					key, value = mine[len(mine)-1], fmt.Sprintf("v%d", i)
					method, path, body = http.MethodPatch, labelPath(key), api.LabelUpdate{Value: &value}
				default:
					key, value = fmt.Sprintf("w%d.example.test/l%d", wi, i), fmt.Sprintf("v%d", i)
					method, path, body = http.MethodPost, labels, api.LabelCreate{Key: key, Value: value}
				}
				mu.Lock()
				st := states[key]
				if st == nil && bulk == nil {
					st = &labelState{}
					states[key] = st
				}
				for _, k := range bulk {
					states[k] = &labelState{inFlight: value}
				}
				switch {
				case bulk != nil:
				case method == http.MethodDelete:
					st.deleteInFlight = true
				default:
					st.inFlight = value
				}
				mu.Unlock()

				status, data, err := p.call(cred, method, path, body)
				if err != nil {
					return // the server is gone: this write stays unacknowledged
				}
				mu.Lock()
				switch {
				case bulk != nil && status == http.StatusOK:
					var resp api.BulkResponse[api.Label]
					if err := json.Unmarshal(data, &resp); err != nil || len(resp.Items) != len(bulk) {
						mu.Unlock()
						t.Errorf("bulk create: %v %s", err, data)
						return
					}
					for j, r := range resp.Items {
						if r.Status != http.StatusCreated {
							mu.Unlock()
							t.Errorf("bulk create item %d: %+v", j, r)
							return
						}
						states[bulk[j]].created, states[bulk[j]].acked, states[bulk[j]].inFlight = true, value, ""
					}
					mine = append(mine, bulk...)
					bulksAcked++
					ack()
				case method == http.MethodPost && status == http.StatusCreated:
					st.created, st.acked, st.inFlight = true, value, ""
					mine = append(mine, key)
					ack()
				case method == http.MethodPatch && status == http.StatusOK:
					st.acked, st.inFlight = value, ""
					ack()
				case method == http.MethodDelete && status == http.StatusNoContent:
					st.deleted, st.deleteInFlight = true, false
					ack()
				default:
					mu.Unlock()
					t.Errorf("%s %s: %d %s", method, path, status, data)
					return
				}
				mu.Unlock()
			}
		})
	}
	writersDone := make(chan struct{})
	go func() {
		wg.Wait()
		close(writersDone)
	}()
	select {
	case <-enough:
	case <-writersDone:
		t.Fatalf("the writers stopped before %d acknowledged writes:\n%s", ackedBeforeKill, p.output)
	case <-time.After(2 * time.Minute):
		t.Fatalf("fewer than %d writes acknowledged in two minutes", ackedBeforeKill)
	}
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	<-p.done
	largest := largestWriteBatch(p.output.String())
	t.Logf("the largest write batch committed before the kill held %d requests", largest)
	if largest < 2 {
		t.Errorf("no write batch of more than one request was committed before the kill (largest: %d): group commit went untested\n%s", largest, p.output)
	}

	q := start(t, bin, dbPath, email, token)
	found := map[string]string{}
	pageToken := ""
	for {
		var page api.Page[api.Label]
		u := labels + "?page_size=1000"
		if pageToken != "" {
			u += "&page_token=" + url.QueryEscape(pageToken)
		}
		q.must(t, http.StatusOK, token, http.MethodGet, u, nil, &page)
		for _, l := range page.Items {
			found[l.Key] = l.Value
		}
		if page.NextPageToken == "" {
			break
		}
		pageToken = page.NextPageToken
	}

	mu.Lock()
	defer mu.Unlock()
	checked := 0
	for key, st := range states {
		value, present := found[key]
		switch {
		case st.deleted:
			if present {
				t.Errorf("label %s was deleted (acknowledged) but is back with %q", key, value)
			}
		case st.created:
			checked++
			if !present {
				if !st.deleteInFlight {
					t.Errorf("acknowledged label %s is lost", key)
				}
				continue
			}
			if value != st.acked && value != st.inFlight {
				t.Errorf("label %s reads %q; the last acknowledged value is %q", key, value, st.acked)
			}
		default: // the create was never acknowledged: either outcome is right
			if present && value != st.inFlight {
				t.Errorf("label %s reads %q, a value never written", key, value)
			}
		}
	}
	if checked < ackedBeforeKill/3 {
		t.Errorf("only %d acknowledged labels checked", checked)
	}
	if bulksAcked == 0 {
		t.Errorf("no bulk request was acknowledged before the kill: bulk durability went untested")
	}
	// Tokens made before the crash still work, and so does the bootstrap user (not bootstrapped twice).
	var orgs api.Page[api.Organization]
	q.must(t, http.StatusOK, tokens[0], http.MethodGet, api.PathOrganizations, nil, &orgs)
	if len(orgs.Items) != 1 || orgs.Items[0].ID != org.ID {
		t.Errorf("after the restart the organization token lists %+v", orgs.Items)
	}
	q.must(t, http.StatusOK, token, http.MethodGet, api.PathCurrentUser, nil, nil)

	for _, out := range []string{p.output.String(), q.output.String()} {
		for _, secret := range append([]string{token}, tokens...) {
			if strings.Contains(out, secret) {
				t.Errorf("the program printed a secret:\n%s", out)
			}
		}
	}
	if err := q.stop(t, syscall.SIGTERM); err != nil {
		t.Errorf("exit after SIGTERM: %v\n%s", err, q.output)
	}
}

// testCleanExit: the program stops on the signal with status 0, and what it acknowledged is there when
// it starts again.
func testCleanExit(t *testing.T, bin string, sig syscall.Signal) {
	dbPath := filepath.Join(t.TempDir(), "orgs.db")
	email, token := "clean-"+randomHex()+"@example.test", "orgs_pat_"+randomHex()+randomHex()
	p := start(t, bin, dbPath, email, token)
	var org api.Organization
	p.must(t, http.StatusCreated, token, http.MethodPost, api.PathOrganizations,
		api.OrganizationCreate{Name: "clean", AdminContactEmails: []string{email}}, &org)
	if err := p.stop(t, sig); err != nil {
		t.Fatalf("exit after %v: %v\n%s", sig, err, p.output)
	}
	if p.cmd.ProcessState.ExitCode() != 0 {
		t.Fatalf("exit code %d after %v", p.cmd.ProcessState.ExitCode(), sig)
	}
	q := start(t, bin, dbPath, email, token)
	q.must(t, http.StatusOK, token, http.MethodGet, strings.ReplaceAll(api.PathOrganization, "{org_id}", org.ID), nil, nil)
	if err := q.stop(t, sig); err != nil {
		t.Fatalf("second exit after %v: %v", sig, err)
	}
}

// testBootstrapRestart (issue 10, item 4): a restart on an existing database with a new bootstrap token
// and a new seed user applies both, and the log says what it applied and what was there, never the
// token.
func testBootstrapRestart(t *testing.T, bin string) {
	dbPath := filepath.Join(t.TempDir(), "orgs.db")
	email := "restart-" + randomHex() + "@example.test"
	oldToken, newToken := "orgs_pat_"+randomHex()+randomHex(), "orgs_pat_"+randomHex()+randomHex()
	oldSeed, newSeed := "old-seed-"+randomHex()+"@example.test", "new-seed-"+randomHex()+"@example.test"
	p := start(t, bin, dbPath, email, oldToken, "ORGS_SEED_USERS="+oldSeed)
	if err := p.stop(t, syscall.SIGTERM); err != nil {
		t.Fatalf("stop: %v\n%s", err, p.output)
	}
	q := start(t, bin, dbPath, email, newToken, "ORGS_SEED_USERS="+oldSeed+", "+newSeed)
	for _, tok := range []string{oldToken, newToken} {
		q.must(t, http.StatusOK, tok, http.MethodGet, api.PathCurrentUser, nil, nil)
	}
	var org api.Organization
	q.must(t, http.StatusCreated, newToken, http.MethodPost, api.PathOrganizations,
		api.OrganizationCreate{Name: "restart", AdminContactEmails: []string{email}, Plan: api.PlanTeam}, &org)
	q.must(t, http.StatusCreated, newToken, http.MethodPost, strings.ReplaceAll(api.PathMembers, "{org_id}", org.ID),
		api.MemberCreate{Email: newSeed, Role: api.RoleMember}, nil)
	if err := q.stop(t, syscall.SIGTERM); err != nil {
		t.Fatalf("stop: %v\n%s", err, q.output)
	}
	out := q.output.String()
	for _, want := range []string{"bootstrap: user already present", "bootstrap: personal token added", "added=" + newSeed, "already_present=" + oldSeed} {
		if !strings.Contains(out, want) {
			t.Errorf("the log of the restart lacks %q:\n%s", want, out)
		}
	}
	for _, secret := range []string{oldToken, newToken} {
		if strings.Contains(p.output.String()+out, secret) {
			t.Errorf("the program printed a bootstrap token:\n%s", out)
		}
	}
}
