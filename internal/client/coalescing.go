package client

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
)

// Writes coalesces single writes into bulk requests, the way Listings coalesces reads: creates,
// updates and deletes of one kind of object in one organization that arrive within a short window go
// out as one bulk request (api.PathBulk*), and each caller gets its own item's outcome, as the value or
// the *Error the plain call would have given (a failed item fails only its caller, with the server's
// problem). A write that finds no other in its window is sent as the plain request it is.
//
// Terraform and OpenTofu apply up to 10 resources at once (-parallelism); their creates arrive within
// milliseconds of each other, so a first apply of 1,000 labels is about 100 bulk requests instead of
// 1,000 single ones. No write waits longer than the window for others to join it, and a batch goes out
// before its window ends once it holds as many writes as the largest batch of its kind and organization
// so far: when the CLI's parallel creates come back together from one bulk request, the next ones
// arrive together too, and waiting for more would only add the rest of the window to every round.
//
// Coalesced writes keep the plain calls' guarantees: a bulk request carries an Idempotency-Key, so its
// retries are answered from the first attempt and never carried out twice; it counts as a write to the
// organization (Client.writes) whatever its outcome, so no listing older than it is used afterwards.
type Writes struct {
	Members     *Coalescer[api.MemberCreate, api.MemberUpdate, api.Member]
	Labels      *Coalescer[api.LabelCreate, api.LabelUpdate, api.Label]
	Invitations *Coalescer[api.InvitationCreate, api.NoUpdate, api.Invitation]
}

// DefaultWriteWindow is how long a write waits for others of its kind and organization to join it.
// Terraform's concurrent creates arrive within a few milliseconds, more on a busy machine; a lone write
// is delayed by at most this much.
const DefaultWriteWindow = 50 * time.Millisecond

// WritesConfig tunes Writes; the zero value takes the defaults.
type WritesConfig struct {
	Window time.Duration
}

// NewWrites returns the coalesced writes of c.
func NewWrites(c *Client, cfg WritesConfig) *Writes {
	if cfg.Window <= 0 {
		cfg.Window = DefaultWriteWindow
	}
	return &Writes{
		Members: &Coalescer[api.MemberCreate, api.MemberUpdate, api.Member]{
			kind: "member", window: cfg.Window, bulk: c.BulkMembers,
			collection: api.PathMembers, object: api.PathMember,
			create: c.AddMember, update: c.UpdateMember, delete: c.RemoveMember,
		},
		Labels: &Coalescer[api.LabelCreate, api.LabelUpdate, api.Label]{
			kind: "label", window: cfg.Window, bulk: c.BulkLabels,
			collection: api.PathLabels, object: api.PathLabel,
			create: c.CreateLabel, update: c.UpdateLabel, delete: c.DeleteLabel,
		},
		Invitations: &Coalescer[api.InvitationCreate, api.NoUpdate, api.Invitation]{
			kind: "invitation", window: cfg.Window, bulk: c.BulkInvitations,
			collection: api.PathInvitations, object: api.PathInvitation,
			create: c.CreateInvitation, delete: c.DeleteInvitation,
		},
	}
}

// Coalescer coalesces the writes of one kind of object (C its create body, U its update body, T the
// object). Safe for concurrent use.
type Coalescer[C, U, T any] struct {
	kind   string // for messages: "label"
	window time.Duration
	bulk   func(ctx context.Context, orgID string, items []api.BulkItem[C, U]) ([]api.BulkResult[T], error)
	// collection and object are the plain calls' routes, which a failed item's *Error names.
	collection, object string
	// The plain calls, for a write that is alone in its window.
	create func(ctx context.Context, orgID string, body C) (*T, error)
	update func(ctx context.Context, orgID, key string, body U) (*T, error)
	delete func(ctx context.Context, orgID, key string) error

	mu      sync.Mutex
	pending map[string]*writeBatch[C, U, T] // by organization: the batch whose window is open
	largest map[string]int                  // by organization: the most writes one batch has held
}

// writeBatch is the writes of one organization collected in one window.
type writeBatch[C, U, T any] struct {
	orgID  string
	writes []*pendingWrite[C, U, T]
	sent   bool // taken out of pending: no write joins it any more
}

// pendingWrite is one caller's write; its outcome is set before done is closed.
type pendingWrite[C, U, T any] struct {
	ctx  context.Context
	item api.BulkItem[C, U]
	done chan struct{}
	obj  *T
	err  error
}

// Create creates an object, alone or as an item of a bulk request.
func (q *Coalescer[C, U, T]) Create(ctx context.Context, orgID string, body C) (*T, error) {
	return q.submit(ctx, orgID, api.BulkItem[C, U]{Op: api.BulkCreate, Create: &body})
}

// Update changes the object named key, alone or as an item of a bulk request.
func (q *Coalescer[C, U, T]) Update(ctx context.Context, orgID, key string, body U) (*T, error) {
	return q.submit(ctx, orgID, api.BulkItem[C, U]{Op: api.BulkUpdate, Key: key, Update: &body})
}

// Delete deletes the object named key, alone or as an item of a bulk request.
func (q *Coalescer[C, U, T]) Delete(ctx context.Context, orgID, key string) error {
	_, err := q.submit(ctx, orgID, api.BulkItem[C, U]{Op: api.BulkDelete, Key: key})
	return err
}

func (q *Coalescer[C, U, T]) submit(ctx context.Context, orgID string, item api.BulkItem[C, U]) (*T, error) {
	w := &pendingWrite[C, U, T]{ctx: ctx, item: item, done: make(chan struct{})}
	q.mu.Lock()
	if q.pending == nil {
		q.pending = map[string]*writeBatch[C, U, T]{}
	}
	b := q.pending[orgID]
	if b == nil {
		b = &writeBatch[C, U, T]{orgID: orgID}
		q.pending[orgID] = b
		time.AfterFunc(q.window, func() { q.flush(b) })
	}
	b.writes = append(b.writes, w)
	largest := q.largest[orgID]
	full := len(b.writes) == api.MaxBulkItems || (largest > 1 && len(b.writes) >= largest)
	q.mu.Unlock()
	if full {
		q.flush(b)
	}
	select {
	case <-w.done:
		return w.obj, w.err
	case <-ctx.Done():
		// The write may still be carried out, as a plain call whose context ends after sending may be.
		return nil, fmt.Errorf("%s %s of organization %s: %w", item.Op, q.kind, orgID, contextError(ctx))
	}
}

// flush closes b's window and sends its writes: one alone as its plain call, several as one bulk
// request (a chunk per api.MaxBulkItems).
func (q *Coalescer[C, U, T]) flush(b *writeBatch[C, U, T]) {
	q.mu.Lock()
	if b.sent {
		q.mu.Unlock()
		return
	}
	b.sent = true
	if q.pending[b.orgID] == b {
		delete(q.pending, b.orgID)
	}
	writes := b.writes
	if q.largest == nil {
		q.largest = map[string]int{}
	}
	q.largest[b.orgID] = max(q.largest[b.orgID], len(writes))
	q.mu.Unlock()

	if len(writes) == 1 {
		w := writes[0]
		w.obj, w.err = q.plain(w.ctx, b.orgID, w.item)
		close(w.done)
		return
	}
	go q.send(b.orgID, writes)
}

// plain makes the write's own request.
func (q *Coalescer[C, U, T]) plain(ctx context.Context, orgID string, item api.BulkItem[C, U]) (*T, error) {
	switch item.Op {
	case api.BulkCreate:
		return q.create(ctx, orgID, *item.Create)
	case api.BulkUpdate:
		if q.update == nil {
			return nil, fmt.Errorf("a %s cannot be updated", q.kind)
		}
		return q.update(ctx, orgID, item.Key, *item.Update)
	default:
		return nil, q.delete(ctx, orgID, item.Key)
	}
}

// send makes the bulk request of writes and hands each its outcome. It runs on the first write's
// context without its cancellation: the other writers wait on it too.
func (q *Coalescer[C, U, T]) send(orgID string, writes []*pendingWrite[C, U, T]) {
	items := make([]api.BulkItem[C, U], len(writes))
	for i, w := range writes {
		items[i] = w.item
	}
	results, err := q.bulk(context.WithoutCancel(writes[0].ctx), orgID, items)
	for i, w := range writes {
		switch {
		case i < len(results):
			w.obj, w.err = q.outcome(orgID, w.item, results[i])
		case err != nil:
			w.err = err
		default:
			w.err = fmt.Errorf("bulk %s request of organization %s: no result for item %d", q.kind, orgID, i)
		}
		close(w.done)
	}
}

// outcome is an item's result as its plain call would have returned it.
func (q *Coalescer[C, U, T]) outcome(orgID string, item api.BulkItem[C, U], r api.BulkResult[T]) (*T, error) {
	method, route, params := http.MethodPost, q.collection, []string{orgID}
	switch item.Op {
	case api.BulkUpdate:
		method, route, params = http.MethodPatch, q.object, []string{orgID, item.Key}
	case api.BulkDelete:
		method, route, params = http.MethodDelete, q.object, []string{orgID, item.Key}
	}
	if r.Status >= 200 && r.Status <= 299 {
		if item.Op != api.BulkDelete && r.Item == nil {
			return nil, fmt.Errorf("%s %s: the bulk result (HTTP %d) holds no object", method, route, r.Status)
		}
		return r.Item, nil
	}
	path, _ := fillRoute(route, params)
	e := &Error{StatusCode: r.Status, Method: method, Path: path, OrganizationID: orgID, Attempts: 1}
	if r.Problem != nil {
		e.Problem = *r.Problem
	} else {
		e.Problem = api.Problem{Type: "about:blank", Title: http.StatusText(r.Status), Status: r.Status,
			Detail: fmt.Sprintf("%s %s: HTTP %d %s", method, path, r.Status, http.StatusText(r.Status))}
	}
	return nil, e
}
