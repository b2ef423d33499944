package server_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
	"github.com/orgs-dev/terraform-provider-orgs/internal/server"
	"github.com/orgs-dev/terraform-provider-orgs/internal/server/servertest"
)

type (
	labelItem      = api.BulkItem[api.LabelCreate, api.LabelUpdate]
	memberItem     = api.BulkItem[api.MemberCreate, api.MemberUpdate]
	invitationItem = api.BulkItem[api.InvitationCreate, api.NoUpdate]
	teamMemberItem = api.BulkItem[api.TeamMemberCreate, api.TeamMemberUpdate]
)

func (h *harness) bulk(tb testing.TB, cred, route, orgID string, items any, header ...string) *response {
	tb.Helper()
	return h.expect(tb, http.StatusOK, cred, http.MethodPost, path(route, "org_id", orgID), map[string]any{"items": items}, header...)
}

func bulkResults[T any](tb testing.TB, r *response) []api.BulkResult[T] {
	tb.Helper()
	return decode[api.BulkResponse[T]](tb, r).Items
}

// sameProblem fails unless an item's problem is the one the single endpoint answered.
func sameProblem(tb testing.TB, what string, got *api.Problem, single *response) {
	tb.Helper()
	want := single.problem(tb)
	if got == nil || got.Status != want.Status || got.Type != want.Type || got.Detail != want.Detail {
		tb.Errorf("%s: the item's problem is %+v, the single endpoint answers %+v", what, got, want)
	}
}

// TestBulkLabelsEachItemOnItsOwn: on a hobby plan (10 labels), a bulk of 12 creates, an invalid key, a
// duplicate key, an update and a delete: exactly the items past the limit, the invalid one and the
// duplicate fail, each with the problem its own request gets; the others are carried out and recorded.
func TestBulkLabelsEachItemOnItsOwn(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	owner := h.signup(t)
	org := h.createOrg(t, owner.Token, api.PlanHobby)
	existing := h.createLabel(t, owner.Token, org.ID)
	doomed := h.createLabel(t, owner.Token, org.ID)

	value := "changed"
	items := []labelItem{
		{Op: api.BulkUpdate, Key: existing.Key, Update: &api.LabelUpdate{Value: &value}},
		{Op: api.BulkDelete, Key: doomed.Key},
		{Op: api.BulkCreate, Create: &api.LabelCreate{Key: "Not A Key!", Value: "x"}},
		{Op: api.BulkCreate, Create: &api.LabelCreate{Key: existing.Key, Value: "x"}},
		{Op: api.BulkDelete, Key: "example.test/never"},
	}
	var creates []api.LabelCreate
	for range 12 {
		c := h.labelBody()
		creates = append(creates, c)
		items = append(items, labelItem{Op: api.BulkCreate, Create: &c})
	}
	got := bulkResults[api.Label](t, h.bulk(t, owner.Token, api.PathBulkLabels, org.ID, items))
	if len(got) != len(items) {
		t.Fatalf("%d results for %d items", len(got), len(items))
	}
	if got[0].Status != http.StatusOK || got[0].Item == nil || got[0].Item.Value != value {
		t.Errorf("update item: %+v", got[0])
	}
	if got[1].Status != http.StatusNoContent || got[1].Item != nil || got[1].Problem != nil {
		t.Errorf("delete item: %+v", got[1])
	}
	labels := path(api.PathLabels, "org_id", org.ID)
	sameProblem(t, "invalid key", got[2].Problem, h.expect(t, http.StatusUnprocessableEntity, owner.Token, http.MethodPost, labels, *items[2].Create))
	sameProblem(t, "duplicate key", got[3].Problem, h.expect(t, http.StatusConflict, owner.Token, http.MethodPost, labels, *items[3].Create))
	sameProblem(t, "missing label", got[4].Problem, h.expect(t, http.StatusNotFound, owner.Token, http.MethodDelete, path(api.PathLabel, "org_id", org.ID, "key", items[4].Key), nil))
	// One label existed after the delete: 9 of the 12 creates fit in the plan's 10.
	for i, r := range got[5:] {
		if i < 9 {
			if r.Status != http.StatusCreated || r.Item == nil || r.Item.Key != creates[i].Key {
				t.Errorf("create %d (within the limit): %+v", i, r)
			}
			continue
		}
		if r.Status != http.StatusConflict || r.Problem == nil || r.Problem.Type != api.ProblemLimitReached {
			t.Errorf("create %d (past the limit): %+v", i, r)
		}
	}
	sameProblem(t, "past the limit", got[len(got)-1].Problem, h.expect(t, http.StatusConflict, owner.Token, http.MethodPost, labels, h.labelBody()))

	all := listAll[api.Label](t, h, owner.Token, labels, 0)
	if len(all) != 10 {
		t.Errorf("the organization holds %d labels, want 10", len(all))
	}
	for _, l := range all {
		if l.Key == doomed.Key {
			t.Errorf("the deleted label is still there")
		}
	}
	// Activity: one entry per item carried out, none for the failed ones.
	creates9 := 0
	for _, e := range listAll[api.ActivityEntry](t, h, owner.Token, path(api.PathActivity, "org_id", org.ID), 0) {
		if e.Action == "label.create" {
			creates9++
		}
	}
	if creates9 != 2+9 {
		t.Errorf("%d label.create activity entries, want %d (2 single, 9 bulk)", creates9, 2+9)
	}
}

// TestBulkMembersAuthorizedPerItem: an admin's bulk that makes an owner fails for that item only, with
// the 403 the single request gets; the rest are added. A bulk from a member (who may not add anyone)
// is refused whole.
func TestBulkMembersAuthorizedPerItem(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	w := h.newWorld(t, api.PlanTeam)
	items := []memberItem{
		{Op: api.BulkCreate, Create: &api.MemberCreate{Email: h.email(), Role: api.RoleMember}},
		{Op: api.BulkCreate, Create: &api.MemberCreate{Email: h.email(), Role: api.RoleOwner}},
		{Op: api.BulkUpdate, Key: w.Member.Email, Update: &api.MemberUpdate{Role: ptr(api.RoleOwner)}},
		{Op: api.BulkCreate, Create: &api.MemberCreate{Email: h.email(), Role: "emperor"}},
		{Op: api.BulkCreate, Create: &api.MemberCreate{Email: h.email(), Role: api.RoleAdmin}},
	}
	got := bulkResults[api.Member](t, h.bulk(t, w.Admin.Token, api.PathBulkMembers, w.Org.ID, items))
	members := path(api.PathMembers, "org_id", w.Org.ID)
	if got[0].Status != http.StatusCreated || got[4].Status != http.StatusCreated {
		t.Errorf("the admin's permitted items: %+v, %+v", got[0], got[4])
	}
	sameProblem(t, "admin adds an owner", got[1].Problem, h.expect(t, http.StatusForbidden, w.Admin.Token, http.MethodPost, members, *items[1].Create))
	sameProblem(t, "admin promotes to owner", got[2].Problem, h.expect(t, http.StatusForbidden, w.Admin.Token, http.MethodPatch,
		path(api.PathMember, "org_id", w.Org.ID, "email", w.Member.Email), *items[2].Update))
	sameProblem(t, "invalid role", got[3].Problem, h.expect(t, http.StatusUnprocessableEntity, w.Admin.Token, http.MethodPost, members, *items[3].Create))
	if m := h.member(t, w.Owner.Token, w.Org.ID, w.Member.Email); m.Role != api.RoleMember {
		t.Errorf("the refused promotion happened: %+v", m)
	}

	p := h.expectProblem(t, http.StatusForbidden, api.ProblemForbidden, w.Member.Token, http.MethodPost, path(api.PathBulkMembers, "org_id", w.Org.ID),
		api.BulkRequest[api.MemberCreate, api.MemberUpdate]{Items: items[:1]})
	if !strings.Contains(p.Detail, "member") {
		t.Errorf("the refusal of a member's bulk: %s", p.Detail)
	}
}

// TestBulkItemsSeeEachOther: the items run in order in one transaction, each authorized as it comes:
// an owner who demotes themselves (another owner exists) can no longer make an owner in a later item.
func TestBulkItemsSeeEachOther(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	w := h.newWorld(t, api.PlanTeam)
	h.newMember(t, w.Owner.Token, w.Org.ID, api.RoleOwner)
	items := []memberItem{
		{Op: api.BulkUpdate, Key: w.Owner.Email, Update: &api.MemberUpdate{Role: ptr(api.RoleAdmin)}},
		{Op: api.BulkCreate, Create: &api.MemberCreate{Email: h.email(), Role: api.RoleOwner}},
	}
	got := bulkResults[api.Member](t, h.bulk(t, w.Owner.Token, api.PathBulkMembers, w.Org.ID, items))
	if got[0].Status != http.StatusOK || got[1].Status != http.StatusForbidden {
		t.Errorf("self-demotion then making an owner: %+v, %+v", got[0], got[1])
	}
}

// TestBulkInvitations: invitations are created and cancelled in bulk; an update item fails on its own
// with a 422; an email goes out for each invitation made, and none for a failed item.
func TestBulkInvitations(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	w := h.newWorld(t, api.PlanTeam)
	before := len(h.invitationEmails())
	a, b := h.email(), h.email()
	items := []invitationItem{
		{Op: api.BulkCreate, Create: &api.InvitationCreate{Email: a, Role: api.RoleMember}},
		{Op: api.BulkCreate, Create: &api.InvitationCreate{Email: a, Role: api.RoleMember}},
		{Op: api.BulkUpdate, Key: w.Invitation.ID, Update: &api.NoUpdate{}},
		{Op: api.BulkDelete, Key: w.Invitation.ID},
		{Op: api.BulkCreate, Create: &api.InvitationCreate{Email: b, Role: api.RoleAdmin}},
	}
	got := bulkResults[api.Invitation](t, h.bulk(t, w.Owner.Token, api.PathBulkInvitations, w.Org.ID, items))
	want := []int{http.StatusCreated, http.StatusConflict, http.StatusUnprocessableEntity, http.StatusNoContent, http.StatusCreated}
	for i, r := range got {
		if r.Status != want[i] {
			t.Errorf("item %d: %+v, want status %d", i, r, want[i])
		}
	}
	if p := got[2].Problem; p == nil || p.Type != api.ProblemInvalid || !strings.Contains(p.Detail, "cannot be updated") {
		t.Errorf("an update of an invitation: %+v", p)
	}
	emails := h.invitationEmails()[before:]
	if len(emails) != 2 || emails[0].To != a || emails[1].To != b {
		t.Errorf("emails sent: %+v, want one to %s and one to %s", emails, a, b)
	}
	h.expect(t, http.StatusNotFound, w.Owner.Token, http.MethodGet, path(api.PathInvitation, "org_id", w.Org.ID, "invitation_id", w.Invitation.ID), nil)
}

// TestBulkBodyRefusedWhole: what is wrong with the request as a whole is a 422 for the request, and
// nothing is carried out.
func TestBulkBodyRefusedWhole(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	owner := h.signup(t)
	org := h.createOrg(t, owner.Token, api.PlanEnterprise)
	route := path(api.PathBulkLabels, "org_id", org.ID)
	tooMany := make([]labelItem, api.MaxBulkItems+1)
	for i := range tooMany {
		c := api.LabelCreate{Key: fmt.Sprintf("k%d", i), Value: "v"}
		tooMany[i] = labelItem{Op: api.BulkCreate, Create: &c}
	}
	cases := map[string]struct {
		body any
		want string
	}{
		"too many items": {map[string]any{"items": tooMany}, "items"},
		"no items":       {map[string]any{"items": []any{}}, "items"},
		"unknown op":     {map[string]any{"items": []any{map[string]any{"op": "upsert", "key": "k"}}}, "items[0].op"},
		"unknown field":  {map[string]any{"items": []any{map[string]any{"op": "delete", "key": "k"}}, "extra": 1}, "extra"},
	}
	for name, c := range cases {
		p := h.expectProblem(t, http.StatusUnprocessableEntity, api.ProblemInvalid, owner.Token, http.MethodPost, route, c.body)
		if !strings.Contains(p.Detail, c.want) {
			t.Errorf("%s: %s does not name %s", name, p.Detail, c.want)
		}
	}
	h.expectProblem(t, http.StatusUnprocessableEntity, api.ProblemInvalid, owner.Token, http.MethodPost, route, `{"items": [`)
	if n := len(listAll[api.Label](t, h, owner.Token, path(api.PathLabels, "org_id", org.ID), 0)); n != 0 {
		t.Errorf("refused bulk requests made %d labels", n)
	}
}

// TestBulkReplayedNotRepeated: a bulk request retried with its Idempotency-Key is answered with the
// first response and carries nothing out again, also when the first answer was lost after the commit.
func TestBulkReplayedNotRepeated(t *testing.T) {
	t.Parallel()
	for name, faults := range map[string]server.Faults{"answered": {}, "503 after commit": {FractionCommitThen503: 1}} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			h, token := bootstrapped(t, faults)
			lost := faults.FractionCommitThen503 > 0
			created := h.do(t, token, http.MethodPost, api.PathOrganizations, h.orgCreateBody(api.PlanTeam), api.HeaderIdempotencyKey, h.unique("k"))
			if lost != (created.Status == http.StatusServiceUnavailable) {
				t.Fatalf("create the organization: %s", created)
			}
			org := listAll[api.Organization](t, h, token, api.PathOrganizations, 0)[0]
			var items []labelItem
			for range 20 {
				c := h.labelBody()
				items = append(items, labelItem{Op: api.BulkCreate, Create: &c})
			}
			route := path(api.PathBulkLabels, "org_id", org.ID)
			body := api.BulkRequest[api.LabelCreate, api.LabelUpdate]{Items: items}
			key := h.unique("idem")
			first := h.do(t, token, http.MethodPost, route, body, api.HeaderIdempotencyKey, key)
			if lost != (first.Status == http.StatusServiceUnavailable) || !lost && first.Status != http.StatusOK {
				t.Fatalf("first attempt: %s", first)
			}
			for range 3 {
				again := h.expect(t, http.StatusOK, token, http.MethodPost, route, body, api.HeaderIdempotencyKey, key)
				if again.Header.Get(server.HeaderIdempotentReplayed) != "true" {
					t.Fatalf("retry not replayed: %s", again)
				}
				for i, r := range bulkResults[api.Label](t, again) {
					if r.Status != http.StatusCreated || r.Item == nil || r.Item.Key != items[i].Create.Key {
						t.Errorf("replayed item %d: %+v", i, r)
					}
				}
			}
			if n := len(listAll[api.Label](t, h, token, path(api.PathLabels, "org_id", org.ID), 0)); n != len(items) {
				t.Errorf("%d labels after a retried bulk of %d", n, len(items))
			}
		})
	}
}

// TestBulkRateCharge: a bulk request costs ceil(items / 50) requests of the caller's budget (a small one
// what a single request costs, so that coalescing never slows a paced client down), and its
// RateLimit field says what is left after the whole charge; one the budget cannot pay is a 429 before
// any item runs.
func TestBulkRateCharge(t *testing.T) {
	t.Parallel()
	h := newHarness(t, servertest.WithRateLimit(server.RateLimit{PerSecond: 0.001, Burst: 200}))
	owner := h.signup(t)
	org := h.createOrg(t, owner.Token, api.PlanEnterprise)
	remaining := func(r *response) int {
		t.Helper()
		var n int
		if _, err := fmt.Sscanf(strings.SplitN(r.Header.Get(api.HeaderRateLimit), "r=", 2)[1], "%d", &n); err != nil {
			t.Fatalf("RateLimit %q: %v", r.Header.Get(api.HeaderRateLimit), err)
		}
		return n
	}
	before := remaining(h.expect(t, http.StatusOK, owner.Token, http.MethodGet, path(api.PathOrganization, "org_id", org.ID), nil))
	bulkOf := func(n int) []labelItem {
		items := make([]labelItem, n)
		for i := range items {
			c := h.labelBody()
			items[i] = labelItem{Op: api.BulkCreate, Create: &c}
		}
		return items
	}
	r := h.bulk(t, owner.Token, api.PathBulkLabels, org.ID, bulkOf(10))
	if got := before - remaining(r); got != 1 {
		t.Errorf("a bulk of 10 items took %d from the budget, want 1, what one request costs", got)
	}
	before = remaining(r)
	r = h.bulk(t, owner.Token, api.PathBulkLabels, org.ID, bulkOf(101))
	if got, want := before-remaining(r), api.BulkRequestCost(101); got != want || want != 3 {
		t.Errorf("a bulk of 101 items took %d from the budget, want %d", got, want)
	}
	// Spend the budget down to less than a big bulk's cost: it is refused whole.
	left := remaining(r)
	for left > 10 {
		left = remaining(h.expect(t, http.StatusOK, owner.Token, http.MethodGet, path(api.PathOrganization, "org_id", org.ID), nil))
	}
	resp := h.expect(t, http.StatusTooManyRequests, owner.Token, http.MethodPost, path(api.PathBulkLabels, "org_id", org.ID),
		map[string]any{"items": bulkOf(api.MaxBulkItems)})
	if p := resp.problem(t); p.Type != api.ProblemRateLimited || !strings.Contains(p.Detail, "costs 20 requests") {
		t.Errorf("the refused bulk: %+v", p)
	}
	if n := len(listAll[api.Label](t, h, owner.Token, path(api.PathLabels, "org_id", org.ID), 0)); n != 111 {
		t.Errorf("%d labels, want the first two bulks' 111", n)
	}
}

func ptr[T any](v T) *T { return &v }

// TestBulkTeamMembers: a team maintainer's bulk on their own team is carried out item by item, and an
// address that is not a member of the organization fails alone with the problem the single add
// answers; the same maintainer's bulk on another team is answered with every item refused (403, as the
// single add) and changes nothing; a retried bulk is replayed, not repeated, and not replayed to the
// maintainer once demoted.
func TestBulkTeamMembers(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	owner := h.signup(t)
	org := h.createOrg(t, owner.Token, api.PlanTeam)
	maintainer := h.newMember(t, owner.Token, org.ID, api.RoleMember)
	a := h.newMember(t, owner.Token, org.ID, api.RoleMember)
	b := h.newMember(t, owner.Token, org.ID, api.RoleBiller)
	leaver := h.newMember(t, owner.Token, org.ID, api.RoleMember)
	theirs := h.createTeam(t, owner.Token, org.ID, h.teamBody())
	other := h.createTeam(t, owner.Token, org.ID, h.teamBody())
	h.addTeamMember(t, owner.Token, org.ID, theirs.Slug, maintainer.Email, api.TeamRoleMaintainer)
	h.addTeamMember(t, owner.Token, org.ID, theirs.Slug, leaver.Email, api.TeamRoleMember)
	bulkRoute := func(team api.Team) string {
		return path(api.PathBulkTeamMembers, "org_id", org.ID, "team_slug", team.Slug)
	}
	teamMembers := func(team api.Team) map[string]api.TeamRole {
		got := map[string]api.TeamRole{}
		for _, m := range listAll[api.TeamMember](t, h, owner.Token, path(api.PathTeamMembers, "org_id", org.ID, "team_slug", team.Slug), 0) {
			got[m.Email] = m.Role
		}
		return got
	}

	stranger := h.email()
	maintainerRole := api.TeamRoleMaintainer
	items := []teamMemberItem{
		{Op: api.BulkCreate, Create: &api.TeamMemberCreate{Email: a.Email}},
		{Op: api.BulkCreate, Create: &api.TeamMemberCreate{Email: stranger}},
		{Op: api.BulkCreate, Create: &api.TeamMemberCreate{Email: b.Email, Role: api.TeamRoleMember}},
		{Op: api.BulkUpdate, Key: a.Email, Update: &api.TeamMemberUpdate{Role: &maintainerRole}},
		{Op: api.BulkDelete, Key: leaver.Email},
	}
	key := []string{api.HeaderIdempotencyKey, h.unique("key")}
	body := api.BulkRequest[api.TeamMemberCreate, api.TeamMemberUpdate]{Items: items}
	got := bulkResults[api.TeamMember](t, h.expect(t, http.StatusOK, maintainer.Token, http.MethodPost, bulkRoute(theirs), body, key...))
	if len(got) != len(items) {
		t.Fatalf("%d results for %d items", len(got), len(items))
	}
	if got[0].Status != http.StatusCreated || got[0].Item == nil || got[0].Item.Email != a.Email || got[0].Item.TeamSlug != theirs.Slug {
		t.Errorf("add a: %+v", got[0])
	}
	if got[2].Status != http.StatusCreated || got[2].Item == nil || got[2].Item.Email != b.Email {
		t.Errorf("add b: %+v", got[2])
	}
	if got[3].Status != http.StatusOK || got[3].Item == nil || got[3].Item.Role != api.TeamRoleMaintainer {
		t.Errorf("promote a: %+v", got[3])
	}
	if got[4].Status != http.StatusNoContent || got[4].Problem != nil {
		t.Errorf("remove the leaver: %+v", got[4])
	}
	sameProblem(t, "not a member of the organization", got[1].Problem, h.expect(t, http.StatusUnprocessableEntity, maintainer.Token, http.MethodPost,
		path(api.PathTeamMembers, "org_id", org.ID, "team_slug", theirs.Slug), *items[1].Create))
	if got[1].Problem != nil && !strings.Contains(got[1].Problem.Detail, stranger) {
		t.Errorf("the failed item's problem does not name the address: %+v", got[1].Problem)
	}
	want := map[string]api.TeamRole{maintainer.Email: api.TeamRoleMaintainer, a.Email: api.TeamRoleMaintainer, b.Email: api.TeamRoleMember}
	if m := teamMembers(theirs); fmt.Sprint(m) != fmt.Sprint(want) {
		t.Errorf("the team after the bulk: %v, want %v", m, want)
	}

	// Replayed, not repeated: the same results, the team as it was.
	again := h.expect(t, http.StatusOK, maintainer.Token, http.MethodPost, bulkRoute(theirs), body, key...)
	if again.Header.Get(server.HeaderIdempotentReplayed) != "true" {
		t.Fatalf("retry not replayed: %s", again)
	}
	for i, r := range bulkResults[api.TeamMember](t, again) {
		if r.Status != got[i].Status {
			t.Errorf("replayed item %d: %+v, first %+v", i, r, got[i])
		}
	}
	if m := teamMembers(theirs); fmt.Sprint(m) != fmt.Sprint(want) {
		t.Errorf("the team after the replay: %v, want %v", m, want)
	}

	// Another team: every item refused as its single request is; nothing changes.
	otherItems := []teamMemberItem{
		{Op: api.BulkCreate, Create: &api.TeamMemberCreate{Email: a.Email}},
		{Op: api.BulkCreate, Create: &api.TeamMemberCreate{Email: b.Email}},
	}
	refused := bulkResults[api.TeamMember](t, h.expect(t, http.StatusOK, maintainer.Token, http.MethodPost, bulkRoute(other),
		api.BulkRequest[api.TeamMemberCreate, api.TeamMemberUpdate]{Items: otherItems}))
	for i, r := range refused {
		sameProblem(t, fmt.Sprintf("another team's item %d", i), r.Problem, h.expect(t, http.StatusForbidden, maintainer.Token, http.MethodPost,
			path(api.PathTeamMembers, "org_id", org.ID, "team_slug", other.Slug), *otherItems[i].Create))
	}
	if m := teamMembers(other); len(m) != 0 {
		t.Errorf("a maintainer of another team changed it: %v", m)
	}

	demoted := api.TeamRoleMember
	h.expect(t, http.StatusOK, owner.Token, http.MethodPatch, path(api.PathTeamMember, "org_id", org.ID, "team_slug", theirs.Slug, "email", maintainer.Email),
		api.TeamMemberUpdate{Role: &demoted})
	// Demoted, the maintainer is not answered from the stored response: the request runs again and
	// each item is refused today.
	fresh := h.expect(t, http.StatusOK, maintainer.Token, http.MethodPost, bulkRoute(theirs), body, key...)
	if fresh.Header.Get(server.HeaderIdempotentReplayed) != "" {
		t.Errorf("the stored response was replayed to a maintainer who is one no more: %s", fresh)
	}
	for i, r := range bulkResults[api.TeamMember](t, fresh) {
		if r.Status != http.StatusForbidden || r.Problem == nil || r.Problem.Type != api.ProblemForbidden {
			t.Errorf("item %d after the demotion: %+v", i, r)
		}
	}
	want[maintainer.Email] = api.TeamRoleMember
	if m := teamMembers(theirs); fmt.Sprint(m) != fmt.Sprint(want) {
		t.Errorf("the team after the demoted maintainer's retry: %v, want %v", m, want)
	}
}
