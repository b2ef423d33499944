package client

import (
	"context"
	"fmt"
	"net/http"
	"slices"
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
	Members     *Coalescer[string, api.MemberCreate, api.MemberUpdate, api.Member]
	Labels      *Coalescer[string, api.LabelCreate, api.LabelUpdate, api.Label]
	Invitations *Coalescer[string, api.InvitationCreate, api.NoUpdate, api.Invitation]
	// TeamMembers coalesces the writes to one team's members: a batch is one team's.
	TeamMembers *Coalescer[Team, api.TeamMemberCreate, api.TeamMemberUpdate, api.TeamMember]
}

// Team names a team of an organization: the scope of its members' coalesced writes.
type Team struct {
	OrganizationID, Slug string
}

// orgScope is the path parameters of an organization's collection, named by the organization's id.
func orgScope(orgID string) []string { return []string{orgID} }

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
		Members: &Coalescer[string, api.MemberCreate, api.MemberUpdate, api.Member]{
			kind: "member", scope: orgScope, window: cfg.Window, bulk: c.BulkMembers,
			collection: api.PathMembers, object: api.PathMember,
			create: c.AddMember, update: c.UpdateMember, delete: c.RemoveMember,
		},
		Labels: &Coalescer[string, api.LabelCreate, api.LabelUpdate, api.Label]{
			kind: "label", scope: orgScope, window: cfg.Window, bulk: c.BulkLabels,
			collection: api.PathLabels, object: api.PathLabel,
			create: c.CreateLabel, update: c.UpdateLabel, delete: c.DeleteLabel,
		},
		Invitations: &Coalescer[string, api.InvitationCreate, api.NoUpdate, api.Invitation]{
			kind: "invitation", scope: orgScope, window: cfg.Window, bulk: c.BulkInvitations,
			collection: api.PathInvitations, object: api.PathInvitation,
			create: c.CreateInvitation, delete: c.DeleteInvitation,
		},
		TeamMembers: &Coalescer[Team, api.TeamMemberCreate, api.TeamMemberUpdate, api.TeamMember]{
			kind: "team member", window: cfg.Window,
			scope:      func(t Team) []string { return []string{t.OrganizationID, t.Slug} },
			collection: api.PathTeamMembers, object: api.PathTeamMember,
			bulk: func(ctx context.Context, t Team, items []api.BulkItem[api.TeamMemberCreate, api.TeamMemberUpdate]) ([]api.BulkResult[api.TeamMember], error) {
				return c.BulkTeamMembers(ctx, t.OrganizationID, t.Slug, items)
			},
			create: func(ctx context.Context, t Team, body api.TeamMemberCreate) (*api.TeamMember, error) {
				return c.AddTeamMember(ctx, t.OrganizationID, t.Slug, body)
			},
			update: func(ctx context.Context, t Team, email string, body api.TeamMemberUpdate) (*api.TeamMember, error) {
				return c.UpdateTeamMember(ctx, t.OrganizationID, t.Slug, email, body)
			},
			delete: func(ctx context.Context, t Team, email string) error {
				return c.RemoveTeamMember(ctx, t.OrganizationID, t.Slug, email)
			},
		},
	}
}

// Coalescer coalesces the writes of one kind of object (C its create body, U its update body, T the
// object) by scope S, what the collection lives under: an organization's id (string) for the
// organization's collections, a Team for a team's members. Only writes of one scope share a batch.
// Safe for concurrent use.
type Coalescer[S comparable, C, U, T any] struct {
	kind   string // for messages: "label"
	window time.Duration
	// scope is a scope's path parameters before the object's key, the organization's id first.
	scope func(S) []string
	bulk  func(ctx context.Context, scope S, items []api.BulkItem[C, U]) ([]api.BulkResult[T], error)
	// collection and object are the plain calls' routes, which a failed item's *Error names.
	collection, object string
	// The plain calls, for a write that is alone in its window.
	create func(ctx context.Context, scope S, body C) (*T, error)
	update func(ctx context.Context, scope S, key string, body U) (*T, error)
	delete func(ctx context.Context, scope S, key string) error

	mu      sync.Mutex
	pending map[S]*writeBatch[S, C, U, T] // by scope: the batch whose window is open
	largest map[S]int                     // by scope: the most writes one batch has held
}

// writeBatch is the writes of one scope collected in one window.
type writeBatch[S comparable, C, U, T any] struct {
	scope  S
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
func (q *Coalescer[S, C, U, T]) Create(ctx context.Context, scope S, body C) (*T, error) {
	return q.submit(ctx, scope, api.BulkItem[C, U]{Op: api.BulkCreate, Create: &body})
}

// Update changes the object named key, alone or as an item of a bulk request.
func (q *Coalescer[S, C, U, T]) Update(ctx context.Context, scope S, key string, body U) (*T, error) {
	return q.submit(ctx, scope, api.BulkItem[C, U]{Op: api.BulkUpdate, Key: key, Update: &body})
}

// Delete deletes the object named key, alone or as an item of a bulk request.
func (q *Coalescer[S, C, U, T]) Delete(ctx context.Context, scope S, key string) error {
	_, err := q.submit(ctx, scope, api.BulkItem[C, U]{Op: api.BulkDelete, Key: key})
	return err
}

func (q *Coalescer[S, C, U, T]) submit(ctx context.Context, scope S, item api.BulkItem[C, U]) (*T, error) {
	w := &pendingWrite[C, U, T]{ctx: ctx, item: item, done: make(chan struct{})}
	q.mu.Lock()
	if q.pending == nil {
		q.pending = map[S]*writeBatch[S, C, U, T]{}
	}
	b := q.pending[scope]
	if b == nil {
		b = &writeBatch[S, C, U, T]{scope: scope}
		q.pending[scope] = b
		time.AfterFunc(q.window, func() { q.flush(b) })
	}
	b.writes = append(b.writes, w)
	largest := q.largest[scope]
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
		return nil, fmt.Errorf("%s %s of %s: %w", item.Op, q.kind, q.describe(scope), contextError(ctx))
	}
}

// flush closes b's window and sends its writes: one alone as its plain call, several as one bulk
// request (a chunk per api.MaxBulkItems).
func (q *Coalescer[S, C, U, T]) flush(b *writeBatch[S, C, U, T]) {
	q.mu.Lock()
	if b.sent {
		q.mu.Unlock()
		return
	}
	b.sent = true
	if q.pending[b.scope] == b {
		delete(q.pending, b.scope)
	}
	writes := b.writes
	if q.largest == nil {
		q.largest = map[S]int{}
	}
	q.largest[b.scope] = max(q.largest[b.scope], len(writes))
	q.mu.Unlock()

	if len(writes) == 1 {
		w := writes[0]
		w.obj, w.err = q.plain(w.ctx, b.scope, w.item)
		close(w.done)
		return
	}
	go q.send(b.scope, writes)
}

// plain makes the write's own request.
func (q *Coalescer[S, C, U, T]) plain(ctx context.Context, scope S, item api.BulkItem[C, U]) (*T, error) {
	switch item.Op {
	case api.BulkCreate:
		return q.create(ctx, scope, *item.Create)
	case api.BulkUpdate:
		if q.update == nil {
			return nil, fmt.Errorf("a %s cannot be updated", q.kind)
		}
		return q.update(ctx, scope, item.Key, *item.Update)
	default:
		return nil, q.delete(ctx, scope, item.Key)
	}
}

// send makes the bulk request of writes and hands each its outcome. It runs on the first write's
// context without its cancellation: the other writers wait on it too.
func (q *Coalescer[S, C, U, T]) send(scope S, writes []*pendingWrite[C, U, T]) {
	items := make([]api.BulkItem[C, U], len(writes))
	for i, w := range writes {
		items[i] = w.item
	}
	results, err := q.bulk(context.WithoutCancel(writes[0].ctx), scope, items)
	for i, w := range writes {
		switch {
		case i < len(results):
			w.obj, w.err = q.outcome(scope, w.item, results[i])
		case err != nil:
			w.err = err
		default:
			w.err = fmt.Errorf("bulk %s request of %s: no result for item %d", q.kind, q.describe(scope), i)
		}
		close(w.done)
	}
}

// outcome is an item's result as its plain call would have returned it.
func (q *Coalescer[S, C, U, T]) outcome(scope S, item api.BulkItem[C, U], r api.BulkResult[T]) (*T, error) {
	params := q.scope(scope)
	orgID := params[0]
	method, route := http.MethodPost, q.collection
	switch item.Op {
	case api.BulkUpdate:
		method, route, params = http.MethodPatch, q.object, append(slices.Clip(params), item.Key)
	case api.BulkDelete:
		method, route, params = http.MethodDelete, q.object, append(slices.Clip(params), item.Key)
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

// describe names a scope for messages: "organization org_1", "team ops of organization org_1".
func (q *Coalescer[S, C, U, T]) describe(scope S) string {
	if t, ok := any(scope).(Team); ok {
		return fmt.Sprintf("team %s of organization %s", t.Slug, t.OrganizationID)
	}
	return fmt.Sprintf("organization %v", scope)
}
