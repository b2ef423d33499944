package server_test

import (
	"bytes"
	"database/sql"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
)

// activityLog is an organization with a log made for the filter tests: labels created by a user and by
// an organization token, one changed by an admin, then, an hour later, one deleted and an environment
// created. boundary lies in that hour.
type activityLog struct {
	org      api.Organization
	owner    user
	admin    user
	token    api.APIToken
	l1, l2   api.Label
	boundary time.Time
}

func newActivityLog(t *testing.T, h *harness) activityLog {
	t.Helper()
	var l activityLog
	l.owner = h.signup(t)
	l.org = h.createOrg(t, l.owner.Token, api.PlanTeam)
	l.admin = h.newMember(t, l.owner.Token, l.org.ID, api.RoleAdmin)
	l.token = h.createAPIToken(t, l.owner.Token, l.org.ID, api.RoleAdmin)
	l.l1 = h.createLabel(t, l.owner.Token, l.org.ID)
	l.l2 = h.createLabel(t, l.token.Token, l.org.ID)
	value := "changed"
	h.expect(t, http.StatusOK, l.admin.Token, http.MethodPatch, path(api.PathLabel, "org_id", l.org.ID, "key", l.l1.Key), api.LabelUpdate{Value: &value})
	h.Clock.Advance(30 * time.Minute)
	l.boundary = h.Clock.Now()
	h.Clock.Advance(30 * time.Minute)
	h.expect(t, http.StatusNoContent, l.owner.Token, http.MethodDelete, path(api.PathLabel, "org_id", l.org.ID, "key", l.l2.Key), nil)
	h.createEnvironment(t, l.owner.Token, l.org.ID)
	return l
}

// activityQuery lists the log of org with the filters in q, pageSize entries a page (0: the default).
func activityQuery(t *testing.T, h *harness, cred, orgID string, q url.Values, pageSize int) []api.ActivityEntry {
	t.Helper()
	route := path(api.PathActivity, "org_id", orgID)
	if len(q) > 0 {
		route += "?" + q.Encode()
	}
	if pageSize > 0 {
		// listAll adds its own parameters after a '?'; join them with '&' instead.
		return listAllFrom[api.ActivityEntry](t, h, cred, route, pageSize)
	}
	return listAll[api.ActivityEntry](t, h, cred, route, 0)
}

// listAllFrom is listAll for a route that already has a query.
func listAllFrom[T any](t *testing.T, h *harness, cred, route string, pageSize int) []T {
	t.Helper()
	var all []T
	token := ""
	for pages := 0; pages < 1000; pages++ {
		p := fmt.Sprintf("%s&%s=%d", route, api.QueryPageSize, pageSize)
		if token != "" {
			p += "&" + api.QueryPageToken + "=" + url.QueryEscape(token)
		}
		page := decode[api.Page[T]](t, h.expect(t, http.StatusOK, cred, http.MethodGet, p, nil))
		if len(page.Items) > pageSize {
			t.Fatalf("%s: %d items on a page of %d", p, len(page.Items), pageSize)
		}
		all = append(all, page.Items...)
		if page.NextPageToken == "" {
			return all
		}
		token = page.NextPageToken
	}
	t.Fatalf("%s: the pages never end", route)
	return nil
}

func entryIDs(entries []api.ActivityEntry) []string {
	ids := make([]string, len(entries))
	for i, e := range entries {
		ids[i] = e.ID
	}
	return ids
}

// TestActivityFilters: each filter alone and several together list exactly the entries of the whole
// log that match them, newest first, and the same across pages of one entry as in one page.
func TestActivityFilters(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	l := newActivityLog(t, h)
	all := activityQuery(t, h, l.owner.Token, l.org.ID, nil, 0)
	for i := 1; i < len(all); i++ {
		if all[i].At.After(all[i-1].At) {
			t.Fatalf("the log is not newest first: %v after %v", all[i].At, all[i-1].At)
		}
	}
	boundary := l.boundary.Format(time.RFC3339Nano)

	cases := []struct {
		name  string
		query url.Values
		keep  func(api.ActivityEntry) bool
		want  int // how many entries match: a filter that matches nothing would prove nothing
	}{
		{"object_type", url.Values{"object_type": {"label"}}, func(e api.ActivityEntry) bool { return e.ObjectType == "label" }, 4},
		{"two object types", url.Values{"object_type": {"label", "environment"}}, func(e api.ActivityEntry) bool {
			return e.ObjectType == "label" || e.ObjectType == "environment"
		}, 6}, // the organization's default environment and the one created
		{"object_id", url.Values{"object_id": {l.l1.Key}}, func(e api.ActivityEntry) bool { return e.ObjectID == l.l1.Key }, 2},
		{"several object_ids", url.Values{"object_id": {l.l1.Key, l.l2.Key, "no-such-object"}}, func(e api.ActivityEntry) bool {
			return e.ObjectID == l.l1.Key || e.ObjectID == l.l2.Key
		}, 4},
		{"action", url.Values{"action": {"label.update"}}, func(e api.ActivityEntry) bool { return e.Action == "label.update" }, 1},
		{"actor_type", url.Values{"actor_type": {"token"}}, func(e api.ActivityEntry) bool { return e.ActorType == "token" }, 1},
		{"actor_id", url.Values{"actor_id": {l.admin.ID}}, func(e api.ActivityEntry) bool { return e.ActorID == l.admin.ID }, 2}, // accepting the membership, the update
		{"since", url.Values{"since": {boundary}}, func(e api.ActivityEntry) bool { return e.At.After(l.boundary) }, 2},
		{"until", url.Values{"until": {boundary}}, func(e api.ActivityEntry) bool { return e.At.Before(l.boundary) }, len(all) - 2},
		{"object and actor", url.Values{"object_id": {l.l1.Key}, "actor_id": {l.admin.ID}}, func(e api.ActivityEntry) bool {
			return e.ObjectID == l.l1.Key && e.ActorID == l.admin.ID
		}, 1},
		{"type, action and time", url.Values{"object_type": {"label"}, "action": {"label.delete"}, "since": {boundary}}, func(e api.ActivityEntry) bool {
			return e.ObjectType == "label" && e.Action == "label.delete"
		}, 1},
		{"everything", url.Values{
			"object_type": {"label"}, "object_id": {l.l2.Key}, "action": {"label.create"}, "actor_type": {"token"},
			"actor_id": {l.token.ID}, "until": {boundary}, "since": {l.boundary.Add(-2 * time.Hour).Format(time.RFC3339)},
		}, func(e api.ActivityEntry) bool { return e.ObjectID == l.l2.Key && e.Action == "label.create" }, 1},
		{"nothing matches", url.Values{"object_type": {"domain"}}, func(api.ActivityEntry) bool { return false }, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			want := slices.DeleteFunc(slices.Clone(all), func(e api.ActivityEntry) bool { return !tc.keep(e) })
			if len(want) != tc.want {
				t.Fatalf("the log holds %d matching entries, the test expects %d: %+v", len(want), tc.want, all)
			}
			got := activityQuery(t, h, l.owner.Token, l.org.ID, tc.query, 0)
			if !slices.Equal(entryIDs(got), entryIDs(want)) {
				t.Fatalf("?%s listed\n%+v\nwant\n%+v", tc.query.Encode(), got, want)
			}
			paged := activityQuery(t, h, l.owner.Token, l.org.ID, tc.query, 1)
			if !slices.Equal(entryIDs(paged), entryIDs(want)) {
				t.Fatalf("?%s in pages of 1 listed %v, want %v", tc.query.Encode(), entryIDs(paged), entryIDs(want))
			}
		})
	}
}

// TestActivityFilterPagingSkipsNonMatches: a filter that matches a few entries among many pages them
// by the matches, not by the log.
func TestActivityFilterPagingSkipsNonMatches(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	owner := h.signup(t)
	org := h.createOrg(t, owner.Token, api.PlanTeam)
	label := h.createLabel(t, owner.Token, org.ID)
	for i := range 30 {
		value := fmt.Sprintf("v%d", i)
		if i%10 == 0 {
			h.createEnvironment(t, owner.Token, org.ID)
		}
		h.expect(t, http.StatusOK, owner.Token, http.MethodPatch, path(api.PathLabel, "org_id", org.ID, "key", label.Key), api.LabelUpdate{Value: &value})
	}
	route := path(api.PathActivity, "org_id", org.ID) + "?" + url.Values{"action": {"environment.create"}}.Encode()
	first := decode[api.Page[api.ActivityEntry]](t, h.expect(t, http.StatusOK, owner.Token, http.MethodGet, route+"&page_size=2", nil))
	if len(first.Items) != 2 || first.NextPageToken == "" {
		t.Fatalf("first page of 2: %+v", first)
	}
	rest := decode[api.Page[api.ActivityEntry]](t, h.expect(t, http.StatusOK, owner.Token, http.MethodGet,
		route+"&page_size=2&page_token="+url.QueryEscape(first.NextPageToken), nil))
	// Four environment.create entries: three created here and the organization's default one.
	if len(rest.Items) != 2 || rest.NextPageToken != "" {
		t.Fatalf("second page: %+v", rest)
	}
	for _, e := range append(first.Items, rest.Items...) {
		if e.Action != "environment.create" {
			t.Errorf("entry %+v does not match the filter", e)
		}
	}
	if !rest.Items[0].At.Before(first.Items[1].At) {
		t.Errorf("the second page does not follow the first: %v then %v", first.Items[1].At, rest.Items[0].At)
	}
}

// TestActivityFilterBadValues: every bad filter value is a 422 that names its parameter.
func TestActivityFilterBadValues(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	owner := h.signup(t)
	org := h.createOrg(t, owner.Token, api.PlanTeam)
	tooMany := url.Values{}
	for i := range api.MaxActivityObjectIDs + 1 {
		tooMany.Add("object_id", fmt.Sprintf("obj_%d", i))
	}
	for _, tc := range []struct {
		param string
		query url.Values
	}{
		{"object_type", url.Values{"object_type": {"labels"}}},
		{"object_type", url.Values{"object_type": {"label", "nonsense"}}},
		{"object_id", tooMany},
		{"object_id", url.Values{"object_id": {"label-key", ""}}},
		{"action", url.Values{"action": {"Label.Update"}}},
		{"action", url.Values{"action": {"label"}}},
		{"actor_type", url.Values{"actor_type": {"robot"}}},
		{"since", url.Values{"since": {"yesterday"}}},
		{"since", url.Values{"since": {"2026-01-02"}}},
		{"until", url.Values{"until": {"2026-01-02 10:00:00"}}},
		{"page_token", url.Values{"page_token": {"not-a-token"}}},
	} {
		t.Run(tc.param+"="+strings.Join(tc.query[tc.param], ","), func(t *testing.T) {
			p := h.expectProblem(t, http.StatusUnprocessableEntity, api.ProblemInvalid, owner.Token, http.MethodGet,
				path(api.PathActivity, "org_id", org.ID)+"?"+tc.query.Encode(), nil)
			if !strings.Contains(p.Detail, tc.param) {
				t.Errorf("the detail does not name %s: %q", tc.param, p.Detail)
			}
			if !slices.ContainsFunc(p.Errors, func(e api.ProblemError) bool { return e.Location == "query."+tc.param }) {
				t.Errorf("no error located at query.%s: %+v", tc.param, p.Errors)
			}
		})
	}
}

// TestActivityNamesActors: an entry names a user actor by address while the user is a member, and an
// organization token by name and role to readers who may list tokens (owners and admins), never to
// others; an actor who left is named by id only.
func TestActivityNamesActors(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	l := newActivityLog(t, h)
	member := h.newMember(t, l.owner.Token, l.org.ID, api.RoleMember)
	byToken := url.Values{"actor_id": {l.token.ID}}
	byAdmin := url.Values{"action": {"label.update"}}

	ownerView := activityQuery(t, h, l.owner.Token, l.org.ID, byToken, 0)
	if len(ownerView) != 1 || ownerView[0].ActorName != l.token.Name || ownerView[0].ActorRole != api.RoleAdmin || ownerView[0].ActorEmail != "" {
		t.Fatalf("the owner sees the token's entry as %+v, want name %q and role admin", ownerView, l.token.Name)
	}
	memberView := activityQuery(t, h, member.Token, l.org.ID, byToken, 0)
	if len(memberView) != 1 || memberView[0].ActorName != "" || memberView[0].ActorRole != "" {
		t.Fatalf("a member, who may not list tokens, sees the token's entry as %+v", memberView)
	}
	adminEntry := activityQuery(t, h, member.Token, l.org.ID, byAdmin, 0)
	if len(adminEntry) != 1 || adminEntry[0].ActorEmail != l.admin.Email {
		t.Fatalf("the admin's change reads %+v, want actor_email %s", adminEntry, l.admin.Email)
	}

	h.expect(t, http.StatusNoContent, l.owner.Token, http.MethodDelete, path(api.PathMember, "org_id", l.org.ID, "email", l.admin.Email), nil)
	h.expect(t, http.StatusNoContent, l.owner.Token, http.MethodDelete, path(api.PathAPIToken, "org_id", l.org.ID, "token_id", l.token.ID), nil)
	if e := activityQuery(t, h, member.Token, l.org.ID, byAdmin, 0); len(e) != 1 || e[0].ActorEmail != "" || e[0].ActorID != l.admin.ID {
		t.Fatalf("after the admin left, their change reads %+v, want their id and no address", e)
	}
	if e := activityQuery(t, h, l.owner.Token, l.org.ID, byToken, 0); len(e) != 1 || e[0].ActorName != "" || e[0].ActorID != l.token.ID {
		t.Fatalf("after the token was revoked, its entry reads %+v, want its id and no name", e)
	}
}

// BenchmarkActivityRareFilter lists, from a log of benchActivityEntries entries, the few about one
// object, the few of one actor, and a page of the log unfiltered: a filter that matches rarely costs
// its matches (an index range), not a walk of the log, so the three cost about the same.
func BenchmarkActivityRareFilter(b *testing.B) {
	const benchActivityEntries = 200_000
	h := newHarness(b)
	owner := h.signup(b)
	org := h.createOrg(b, owner.Token, api.PlanEnterprise)
	db, err := sql.Open("sqlite", "file:"+h.DBPath+"?_pragma=busy_timeout(10000)")
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	tx, err := db.Begin()
	if err != nil {
		b.Fatal(err)
	}
	insert, err := tx.Prepare(`INSERT INTO activity (id, organization_id, actor_type, actor_id, action, object_type, object_id, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		b.Fatal(err)
	}
	defer insert.Close()
	start := time.Now().Add(-24 * time.Hour).UTC()
	for i := range benchActivityEntries {
		object, actor := fmt.Sprintf("lbl-%d", i%1000), owner.ID
		if i%50_000 == 0 {
			object, actor = "rare-object", "usr_rare"
		}
		at := start.Add(time.Duration(i) * time.Millisecond).Format("2006-01-02T15:04:05.000000000Z")
		if _, err := insert.Exec(fmt.Sprintf("act_bench_%d", i), org.ID, "user", actor, "label.update", "label", object, at); err != nil {
			b.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	route := path(api.PathActivity, "org_id", org.ID)
	for _, c := range []struct{ name, query string }{
		{"object_id", "?object_id=rare-object"},
		{"actor_id", "?actor_id=usr_rare"},
		{"two-objects-and-since", "?object_id=rare-object&object_id=other&since=" + url.QueryEscape(start.Format(time.RFC3339))},
		{"unfiltered-page-of-4", "?page_size=4"},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				rec := serve(b, h, http.StatusOK, owner.Token, http.MethodGet, route+c.query, nil)
				if !bytes.Contains(rec.Body.Bytes(), []byte(`"action"`)) {
					b.Fatalf("no entries: %s", rec.Body.Bytes())
				}
			}
		})
	}
}
