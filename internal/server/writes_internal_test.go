package server

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
)

// afterCommit waits for the request's commit inside a request (a write that is rolled back must not
// send its invitation), and runs at once outside one.
func TestAfterCommitWaitsForTheRequestsCommit(t *testing.T) {
	t.Parallel()
	ran := false
	st := &writeState{}
	afterCommit(context.WithValue(t.Context(), writeStateKey{}, st), func() { ran = true })
	if ran || len(st.afterCommit) != 1 {
		t.Errorf("inside a request: ran at once %v, %d functions waiting; want it waiting", ran, len(st.afterCommit))
	}
	afterCommit(t.Context(), func() { ran = true })
	if !ran {
		t.Error("outside a request it did not run at once")
	}
}

// TestNestedWriteJoinsTransaction: a write inside a write shares the request's transaction instead of
// waiting forever for the single writer connection.
func TestNestedWriteJoinsTransaction(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	st := &writeState{}
	ctx := context.WithValue(t.Context(), writeStateKey{}, st)
	done := make(chan error, 1)
	go func() {
		done <- s.write(ctx, func(outer *sql.Tx) error {
			return s.write(ctx, func(inner *sql.Tx) error {
				if inner != outer {
					return errors.New("the nested write got another transaction")
				}
				return nil
			})
		})
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("nested write deadlocked")
	}
	if st.turn == nil {
		t.Fatal("the request's transaction was not left for the write stage to commit")
	}
	st.turn.Rollback(t.Context())
}

// TestConcurrentWritesAndReads: many clients writing and reading at once all succeed. Writes are
// serialized on the one writer connection and reads run beside them, so no request meets SQLITE_BUSY.
func TestConcurrentWritesAndReads(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	if err := s.Bootstrap(t.Context(), "owner@example.test", "owner-token-of-at-least-32-characters", nil); err != nil {
		t.Fatal(err)
	}
	call := func(method, path, body string) (int, []byte) {
		rec := serve(s, "owner-token-of-at-least-32-characters", method, path, body)
		return rec.Code, rec.Body.Bytes()
	}
	code, body := call(http.MethodPost, api.PathOrganizations, `{"name":"o","plan":"enterprise","admin_contact_emails":["o@example.test"]}`)
	if code != http.StatusCreated {
		t.Fatalf("create organization: %d %s", code, body)
	}
	var org api.Organization
	if err := json.Unmarshal(body, &org); err != nil {
		t.Fatal(err)
	}
	labels := strings.ReplaceAll(api.PathLabels, "{org_id}", org.ID)
	const workers, each = 8, 10
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				if code, body := call(http.MethodPost, labels, fmt.Sprintf(`{"key":"k%d-%d","value":"v"}`, w, i)); code != http.StatusCreated {
					t.Errorf("create label: %d %s", code, body)
				}
				if code, body := call(http.MethodGet, labels+"?page_size=3", ""); code != http.StatusOK {
					t.Errorf("list labels: %d %s", code, body)
				}
			}
		})
	}
	wg.Wait()
	code, body = call(http.MethodGet, labels+"?page_size=1000", "")
	var pg api.Page[api.Label]
	if err := json.Unmarshal(body, &pg); err != nil || code != http.StatusOK {
		t.Fatalf("list labels: %d %s", code, body)
	}
	if len(pg.Items) != workers*each {
		t.Fatalf("%d labels after %d successful creates", len(pg.Items), workers*each)
	}
}
