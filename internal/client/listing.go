package client

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
)

// Listings serves reads of the objects an organization holds from listings of the whole organization,
// shared by every caller of one Listings: a plan that refreshes 1,000 members of one organization costs
// one listing (a page per api.MaxPageSize members), not 1,000 GETs.
//
// One Listings lives as long as one configured provider, so one CLI command. A listing is never used
// after this client wrote to the organization (see Client.writes): a read after the provider's own
// create, update or delete sees that write. An object missing from a complete listing is reported as
// not found exactly like a 404; a listing that fails midway is an error for every read that waited on
// it, never a partial "not found". A listing refused for the whole organization gives every read that
// answer as it is: an organization the caller cannot see (IsOrganizationNotVisible) is never turned
// into "every object not found", and a deleted one is IsOrganizationDeleted (so IsNotFound) for each.
//
// Reads that are few stay cheap: a read that finds no listing waits a short batching window for others
// of the same organization and kind, and only when at least BatchThreshold reads of that organization
// and kind were asked for does it list; otherwise it makes one GET. Refreshing one member of a
// 10,000-member organization is one GET, not ten pages.
type Listings struct {
	Members             *Listing[api.Member]
	Invitations         *Listing[api.Invitation]
	APITokens           *Listing[api.APIToken]
	ContainerRegistries *Listing[api.ContainerRegistry]
	Labels              *Listing[api.Label]
	Environments        *Listing[api.Environment]
	Domains             *Listing[api.Domain]
	Teams               *Listing[api.Team]
	// TeamMembers are every team membership of an organization, found by TeamMemberKey.
	TeamMembers *Listing[api.TeamMember]
	Webhooks    *Listing[api.Webhook]
}

// Defaults of ListingsConfig.
const (
	// DefaultBatchWindow is how long a read without a listing waits for others to join it. Terraform
	// and OpenTofu send up to 10 reads at once; they arrive within a few milliseconds of each other.
	DefaultBatchWindow = 25 * time.Millisecond
	// DefaultBatchThreshold is how many reads of one organization and kind make a listing worth it.
	DefaultBatchThreshold = 3
)

// ListingsConfig tunes Listings; the zero value takes the defaults.
type ListingsConfig struct {
	BatchWindow    time.Duration
	BatchThreshold int
}

// NewListings returns the shared listings of c's organizations.
func NewListings(c *Client, cfg ListingsConfig) *Listings {
	if cfg.BatchWindow <= 0 {
		cfg.BatchWindow = DefaultBatchWindow
	}
	if cfg.BatchThreshold <= 0 {
		cfg.BatchThreshold = DefaultBatchThreshold
	}
	return &Listings{
		Members: newListing(c, cfg, "member", c.ListMembers, c.GetMember,
			func(m api.Member) string { return m.Email }, api.EmailKey),
		Invitations: newListing(c, cfg, "invitation", c.ListInvitations, c.GetInvitation,
			func(i api.Invitation) string { return i.ID }, nil),
		APITokens: newListing(c, cfg, "API token", c.ListAPITokens, c.GetAPIToken,
			func(t api.APIToken) string { return t.ID }, nil),
		ContainerRegistries: newListing(c, cfg, "container registry", c.ListContainerRegistries, c.GetContainerRegistry,
			func(r api.ContainerRegistry) string { return r.ID }, nil),
		Labels: newListing(c, cfg, "label", c.ListLabels, c.GetLabel,
			func(l api.Label) string { return l.Key }, nil),
		Environments: newListing(c, cfg, "environment", c.ListEnvironments, c.GetEnvironment,
			func(e api.Environment) string { return e.ID }, nil),
		Domains: newListing(c, cfg, "domain", c.ListDomains, c.GetDomain,
			func(d api.Domain) string { return d.Domain }, domainKey),
		Teams: newListing(c, cfg, "team", c.ListTeams, c.GetTeam,
			func(t api.Team) string { return t.Slug }, nil),
		TeamMembers: newListing(c, cfg, "team membership", c.ListTeamMemberships, c.getTeamMemberByKey,
			func(m api.TeamMember) string { return TeamMemberKey(m.TeamSlug, m.Email) }, teamMemberKeyFold),
		Webhooks: newListing(c, cfg, "webhook", c.ListWebhooks, c.GetWebhook,
			func(w api.Webhook) string { return w.ID }, nil),
	}
}

// Listing is the shared listing of one kind of object, per organization.
type Listing[T any] struct {
	c    *Client
	cfg  ListingsConfig
	kind string // for messages: "member"
	list func(ctx context.Context, orgID string) ([]T, error)
	get  func(ctx context.Context, orgID, key string) (*T, error)
	key  func(T) string
	// fold makes the form keys are compared in (emails are compared regardless of case); nil keeps them.
	fold func(string) string

	mu   sync.Mutex
	orgs map[string]*orgListing[T]
}

func newListing[T any](c *Client, cfg ListingsConfig, kind string,
	list func(context.Context, string) ([]T, error), get func(context.Context, string, string) (*T, error),
	key func(T) string, fold func(string) string,
) *Listing[T] {
	if fold == nil {
		fold = func(s string) string { return s }
	}
	return &Listing[T]{c: c, cfg: cfg, kind: kind, list: list, get: get, key: key, fold: fold, orgs: map[string]*orgListing[T]{}}
}

// orgListing is what a Listing knows of one organization. Guarded by Listing.mu.
type orgListing[T any] struct {
	current *fetch[T]  // the newest listing, complete or in flight; nil before the first
	window  *window[T] // reads waiting to see whether they are many; nil when none waits
	reads   int        // reads asked for so far, to switch to listing when they come one at a time
}

// fetch is one listing of an organization. Its fields are written before done is closed and only
// read after.
type fetch[T any] struct {
	done       chan struct{}
	generation uint64 // of the organization when the listing started
	all        []T
	byKey      map[string]int // folded key to index in all
	err        error
}

// window is a batching window: the reads that arrived in it learn together whether to list.
type window[T any] struct {
	decided chan struct{}
	listing *fetch[T] // set before decided is closed when they list; nil when each makes its GET
}

// Get returns the object of orgID with key (a member's email, a label's key, a domain's name, a team's
// slug, a team membership's TeamMemberKey, otherwise the id), from a listing when reads of this organization and kind are many, else with one GET. A
// missing object is an *Error for which IsNotFound is true.
func (l *Listing[T]) Get(ctx context.Context, orgID, key string) (*T, error) {
	l.mu.Lock()
	o := l.org(orgID)
	o.reads++
	if f := o.current; f != nil && f.generation == l.c.writes.generation(orgID) {
		// A listing newer than every write of ours: use it, complete or still running.
		l.mu.Unlock()
		return l.find(ctx, f, orgID, key)
	}
	if o.reads >= l.cfg.BatchThreshold {
		f := l.startLocked(ctx, orgID, o)
		l.mu.Unlock()
		return l.find(ctx, f, orgID, key)
	}
	w := o.window
	if w == nil {
		w = &window[T]{decided: make(chan struct{})}
		o.window = w
		time.AfterFunc(l.cfg.BatchWindow, func() { l.closeWindow(context.WithoutCancel(ctx), orgID, w) })
	}
	l.mu.Unlock()

	select {
	case <-w.decided:
	case <-ctx.Done():
		return nil, fmt.Errorf("read %s %q of organization %s: %w", l.kind, key, orgID, contextError(ctx))
	}
	if w.listing != nil {
		return l.find(ctx, w.listing, orgID, key)
	}
	return l.get(ctx, orgID, key)
}

// GetForCheck is Get for plan-time checks, which may be run again for every object an apply creates:
// once this client has written to the organization, it answers only from a listing newer than that
// write and otherwise says it cannot tell (checked false), rather than list again for every object.
func (l *Listing[T]) GetForCheck(ctx context.Context, orgID, key string) (obj *T, checked bool, err error) {
	l.mu.Lock()
	gen := l.c.writes.generation(orgID)
	f := l.org(orgID).current
	l.mu.Unlock()
	if gen > 0 && (f == nil || f.generation != gen) {
		return nil, false, nil
	}
	obj, err = l.Get(ctx, orgID, key)
	return obj, true, err
}

// All returns every object of this kind in orgID, from the shared listing.
func (l *Listing[T]) All(ctx context.Context, orgID string) ([]T, error) {
	l.mu.Lock()
	o := l.org(orgID)
	f := o.current
	if f == nil || f.generation != l.c.writes.generation(orgID) {
		f = l.startLocked(ctx, orgID, o)
	}
	l.mu.Unlock()
	if err := wait(ctx, f.done); err != nil {
		return nil, fmt.Errorf("list %ss of organization %s: %w", l.kind, orgID, err)
	}
	if f.err != nil {
		return nil, f.err
	}
	return f.all, nil
}

func (l *Listing[T]) org(orgID string) *orgListing[T] {
	o := l.orgs[orgID]
	if o == nil {
		o = &orgListing[T]{}
		l.orgs[orgID] = o
	}
	return o
}

// closeWindow ends a batching window: the reads in it list together if, with those before them, they
// are enough.
func (l *Listing[T]) closeWindow(ctx context.Context, orgID string, w *window[T]) {
	l.mu.Lock()
	defer l.mu.Unlock()
	o := l.org(orgID)
	if o.window == w {
		o.window = nil
	}
	if o.reads >= l.cfg.BatchThreshold {
		w.listing = o.current
		if f := o.current; f == nil || f.generation != l.c.writes.generation(orgID) {
			w.listing = l.startLocked(ctx, orgID, o)
		}
	}
	close(w.decided)
}

// startLocked starts a listing of orgID and makes it the current one. It runs on a context of its own
// (the caller's values, without its cancellation): other reads wait on it too, and one caller giving up
// must not fail them all.
func (l *Listing[T]) startLocked(ctx context.Context, orgID string, o *orgListing[T]) *fetch[T] {
	f := &fetch[T]{done: make(chan struct{}), generation: l.c.writes.generation(orgID)}
	o.current = f
	go func() {
		defer close(f.done)
		all, err := l.list(context.WithoutCancel(ctx), orgID)
		if err != nil {
			f.err = err
			l.mu.Lock()
			if o.current == f {
				o.current = nil // the next read tries again
			}
			l.mu.Unlock()
			return
		}
		f.all = all
		f.byKey = make(map[string]int, len(all))
		for i, obj := range all {
			f.byKey[l.fold(l.key(obj))] = i
		}
	}()
	return f
}

// find answers a read from listing f once it is complete.
func (l *Listing[T]) find(ctx context.Context, f *fetch[T], orgID, key string) (*T, error) {
	if err := wait(ctx, f.done); err != nil {
		return nil, fmt.Errorf("read %s %q of organization %s: %w", l.kind, key, orgID, err)
	}
	if f.err != nil {
		return nil, f.err
	}
	i, ok := f.byKey[l.fold(key)]
	if !ok {
		return nil, &Error{
			StatusCode:     http.StatusNotFound,
			Method:         http.MethodGet,
			OrganizationID: orgID,
			Problem: api.Problem{
				Type:   api.ProblemNotFound,
				Title:  "Not Found",
				Status: http.StatusNotFound,
				Detail: fmt.Sprintf("organization %s has no %s %q", orgID, l.kind, key),
			},
		}
	}
	obj := f.all[i]
	return &obj, nil
}

func wait(ctx context.Context, done <-chan struct{}) error {
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return contextError(ctx)
	}
}

// writeCounter counts this client's writes to each organization. A listing remembers the count when it
// starts, and is used only while the count is unchanged: any write of ours may change any kind of
// object (removing a member deactivates their tokens), so every listing of that organization is then
// out of date.
type writeCounter struct {
	mu sync.Mutex
	n  map[string]uint64
}

func (w *writeCounter) generation(orgID string) uint64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.n[orgID]
}

func (w *writeCounter) bump(orgID string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.n == nil {
		w.n = map[string]uint64{}
	}
	w.n[orgID]++
}
