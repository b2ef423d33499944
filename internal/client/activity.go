package client

import (
	"context"
	"net/url"
	"slices"
	"sync"
	"time"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
)

// ActivityFilter selects entries of the activity log; the server applies it (api.QueryActivity*).
// Every field left empty selects every entry; the fields given combine.
type ActivityFilter struct {
	ObjectTypes []string
	ObjectIDs   []string // at most api.MaxActivityObjectIDs
	Action      string
	ActorType   string
	ActorID     string
	Since       *time.Time // entries at or after it
	Until       *time.Time // entries before it
}

func (f ActivityFilter) query() url.Values {
	q := url.Values{}
	for _, t := range f.ObjectTypes {
		q.Add(api.QueryActivityObjectType, t)
	}
	for _, id := range f.ObjectIDs {
		q.Add(api.QueryActivityObjectID, id)
	}
	set := func(name, value string) {
		if value != "" {
			q.Set(name, value)
		}
	}
	set(api.QueryActivityAction, f.Action)
	set(api.QueryActivityActorType, f.ActorType)
	set(api.QueryActivityActorID, f.ActorID)
	if f.Since != nil {
		q.Set(api.QueryActivitySince, f.Since.UTC().Format(time.RFC3339Nano))
	}
	if f.Until != nil {
		q.Set(api.QueryActivityUntil, f.Until.UTC().Format(time.RFC3339Nano))
	}
	return q
}

// WalkActivity hands the entries of the organization's activity log that f selects to visit, newest
// first, a page at a time, until visit returns false or the log ends: a reader that wants only the
// latest entries stops paging once it has them. The server filters, so a filter that matches rarely
// costs its matches.
func (c *Client) WalkActivity(ctx context.Context, orgID string, f ActivityFilter, visit func(api.ActivityEntry) bool) error {
	return walkQuery(ctx, c, f.query(), func(page []api.ActivityEntry) bool {
		for _, e := range page {
			if !visit(e) {
				return false
			}
		}
		return true
	}, api.PathActivity, orgID)
}

// ActivityObject names an object as the activity log does: its type and the ids entries about it
// carry (a membership is named by its user's id, or by its address while invited, so it may have two).
type ActivityObject struct {
	Type string
	IDs  []string
}

func (o ActivityObject) matches(e api.ActivityEntry) bool {
	return e.ObjectType == o.Type && slices.Contains(o.IDs, e.ObjectID)
}

// LastChanges tells the refreshes that found an object changed outside Terraform who changed it last,
// from the activity log. The questions about one organization that arrive together (Terraform and
// OpenTofu refresh up to 10 objects at once) share one filtered request: a question waits a short
// batching window for others, then the batch asks the server for the entries about all its objects,
// newest first, and reads until each object has its latest entry. A refresh that finds nothing
// changed asks nothing, so a plan without drift makes no activity request at all.
//
// One LastChanges lives as long as one configured provider, like Listings.
type LastChanges struct {
	c      *Client
	window time.Duration

	mu   sync.Mutex
	open map[string]*changeBatch // by organization: the batch still taking questions
}

// DefaultChangesWindow is how long a question of LastChanges waits for others. It is longer than a
// listing's window: the reads that find drift ask only after their own read came back, which spreads
// them more, and only a plan that found drift pays it, once per batch.
const DefaultChangesWindow = 100 * time.Millisecond

// NewLastChanges returns the LastChanges of c; window 0 takes DefaultChangesWindow.
func NewLastChanges(c *Client, window time.Duration) *LastChanges {
	if window <= 0 {
		window = DefaultChangesWindow
	}
	return &LastChanges{c: c, window: window, open: map[string]*changeBatch{}}
}

// changeBatch is the questions of one organization asked together. Its results are written before
// done is closed and only read after.
type changeBatch struct {
	objects []ActivityObject
	done    chan struct{}
	latest  []*api.ActivityEntry // by index in objects
	err     error
}

// Last returns the newest entry of the log of orgID about obj, nil when the log has none (an object
// changed by an operator outside the API, or whose entries are gone), or the error of the request (an
// *Error for which IsForbidden is true when the caller may not read the log).
func (l *LastChanges) Last(ctx context.Context, orgID string, obj ActivityObject) (*api.ActivityEntry, error) {
	latest, err := l.LastOf(ctx, orgID, []ActivityObject{obj})
	if err != nil {
		return nil, err
	}
	return latest[0], nil
}

// LastOf is Last for several objects asked about together (the members one refresh of orgs_members
// found changed), by index in objs: they join one batch, so one request answers them all. Their ids
// together must fit in one request (api.MaxActivityObjectIDs); the caller asks about fewer objects
// when they would not.
func (l *LastChanges) LastOf(ctx context.Context, orgID string, objs []ActivityObject) ([]*api.ActivityEntry, error) {
	l.mu.Lock()
	b := l.open[orgID]
	if b == nil || !b.fits(objs) {
		b = &changeBatch{done: make(chan struct{})}
		l.open[orgID] = b
		time.AfterFunc(l.window, func() { l.run(context.WithoutCancel(ctx), orgID, b) })
	}
	first := len(b.objects)
	b.objects = append(b.objects, objs...)
	l.mu.Unlock()

	if err := wait(ctx, b.done); err != nil {
		return nil, err
	}
	if b.err != nil {
		return nil, b.err
	}
	return b.latest[first : first+len(objs)], nil
}

// fits reports whether objs' ids still fit in the batch's one request.
func (b *changeBatch) fits(objs []ActivityObject) bool {
	n := 0
	for _, o := range slices.Concat(b.objects, objs) {
		n += len(o.IDs)
	}
	return n <= api.MaxActivityObjectIDs
}

// run closes the batch to new questions and answers it with one filtered walk of the log.
func (l *LastChanges) run(ctx context.Context, orgID string, b *changeBatch) {
	l.mu.Lock()
	if l.open[orgID] == b {
		delete(l.open, orgID)
	}
	objects := b.objects
	l.mu.Unlock()
	defer close(b.done)

	var f ActivityFilter
	for _, o := range objects {
		if !slices.Contains(f.ObjectTypes, o.Type) {
			f.ObjectTypes = append(f.ObjectTypes, o.Type)
		}
		for _, id := range o.IDs {
			if !slices.Contains(f.ObjectIDs, id) {
				f.ObjectIDs = append(f.ObjectIDs, id)
			}
		}
	}
	b.latest = make([]*api.ActivityEntry, len(objects))
	missing := len(objects)
	b.err = l.c.WalkActivity(ctx, orgID, f, func(e api.ActivityEntry) bool {
		for i, o := range objects {
			if b.latest[i] == nil && o.matches(e) {
				b.latest[i] = &e
				missing--
			}
		}
		return missing > 0
	})
}
