package client

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
)

// fakeTeams is an organization "org_1" of teams and team memberships behind the team routes, paged like
// the real server, that counts the requests it gets.
type fakeTeams struct {
	teams       []api.Team
	memberships []api.TeamMember
	requests    atomic.Int64
	gets        atomic.Int64 // of one team or one membership
}

func newFakeTeams(teams, membersPerTeam int) *fakeTeams {
	f := &fakeTeams{}
	for i := range teams {
		slug := fmt.Sprintf("team-%03d", i)
		f.teams = append(f.teams, api.Team{ID: "team_" + slug, OrganizationID: "org_1", Name: "Team " + slug, Slug: slug})
		for j := range membersPerTeam {
			f.memberships = append(f.memberships, api.TeamMember{
				OrganizationID: "org_1", TeamSlug: slug, Email: fmt.Sprintf("person-%03d@example.com", j), Role: api.TeamRoleMember,
			})
		}
	}
	return f
}

func page[T any](w http.ResponseWriter, r *http.Request, all []T) {
	offset, _ := strconv.Atoi(r.URL.Query().Get(api.QueryPageToken))
	size, _ := strconv.Atoi(r.URL.Query().Get(api.QueryPageSize))
	p := api.Page[T]{Items: all[min(offset, len(all)):min(offset+size, len(all))]}
	if offset+size < len(all) {
		p.NextPageToken = strconv.Itoa(offset + size)
	}
	writeJSON(w, http.StatusOK, p)
}

func (f *fakeTeams) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.requests.Add(1)
	rest, _ := strings.CutPrefix(r.URL.EscapedPath(), "/api/v1/orgs/org_1")
	parts := strings.Split(strings.TrimPrefix(rest, "/"), "/")
	switch {
	case rest == "/teams":
		page(w, r, f.teams)
	case rest == "/team-memberships":
		page(w, r, f.memberships)
	case len(parts) == 2 && parts[0] == "teams":
		f.gets.Add(1)
		for _, t := range f.teams {
			if t.Slug == parts[1] {
				writeJSON(w, http.StatusOK, t)
				return
			}
		}
		writeProblem(w, http.StatusNotFound, api.ProblemNotFound, "no team "+parts[1])
	case len(parts) == 4 && parts[0] == "teams" && parts[2] == "members":
		f.gets.Add(1)
		email, _ := url.PathUnescape(parts[3])
		for _, m := range f.memberships {
			if m.TeamSlug == parts[1] && strings.EqualFold(m.Email, email) {
				writeJSON(w, http.StatusOK, m)
				return
			}
		}
		writeProblem(w, http.StatusNotFound, api.ProblemNotFound, "no member "+email)
	default:
		writeProblem(w, http.StatusNotFound, api.ProblemNotFound, "no such route "+rest)
	}
}

// TestListingsRefreshTeamsAndTeamMembershipsInAFewRequests: a refresh of 100 teams and their 1,000
// memberships, read 10 at a time as the CLIs do, costs one listing of the teams and one of the
// organization's team memberships (one page each), plus the few single reads made before the reads
// were known to be many.
func TestListingsRefreshTeamsAndTeamMembershipsInAFewRequests(t *testing.T) {
	t.Parallel()
	f := newFakeTeams(100, 10)
	l := NewListings(newTestClient(t, f.ServeHTTP), ListingsConfig{})
	sem := make(chan struct{}, 10)
	var wg sync.WaitGroup
	read := func(what string, get func() (string, error), want string) {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			got, err := get()
			if err != nil || got != want {
				t.Errorf("read %s: %q, %v", what, got, err)
			}
		})
	}
	for _, team := range f.teams {
		read("team "+team.Slug, func() (string, error) {
			got, err := l.Teams.Get(t.Context(), "org_1", team.Slug)
			if err != nil {
				return "", err
			}
			return got.Name, nil
		}, team.Name)
	}
	for _, m := range f.memberships {
		// Another letter case of the email finds the same membership, as the server compares them.
		key := TeamMemberKey(m.TeamSlug, strings.ToUpper(m.Email))
		read("membership "+key, func() (string, error) {
			got, err := l.TeamMembers.Get(t.Context(), "org_1", key)
			if err != nil {
				return "", err
			}
			return got.TeamSlug + "/" + got.Email, nil
		}, m.TeamSlug+"/"+m.Email)
	}
	wg.Wait()
	if got, most := f.requests.Load(), int64(2+2*DefaultBatchThreshold); got > most {
		t.Errorf("refreshing 100 teams and 1,000 team memberships took %d requests, want at most %d", got, most)
	}
}

// TestTeamMembershipKeyReadsOneGet: a lone read of a team membership is one GET of it, addressed by the
// team's slug and the email; one that does not exist is not found.
func TestTeamMembershipKeyReadsOneGet(t *testing.T) {
	t.Parallel()
	f := newFakeTeams(3, 3)
	l := NewListings(newTestClient(t, f.ServeHTTP), ListingsConfig{BatchWindow: 1})
	got, err := l.TeamMembers.Get(t.Context(), "org_1", TeamMemberKey("team-001", "person-002@example.com"))
	if err != nil || got.TeamSlug != "team-001" || got.Email != "person-002@example.com" {
		t.Fatalf("Get: %+v, %v", got, err)
	}
	if f.gets.Load() != 1 || f.requests.Load() != 1 {
		t.Errorf("a lone read made %d requests (%d GETs), want one GET", f.requests.Load(), f.gets.Load())
	}
	if _, err := l.TeamMembers.Get(t.Context(), "org_1", TeamMemberKey("team-001", "nobody@example.com")); !IsNotFound(err) {
		t.Errorf("Get of a membership that does not exist: %v, want not found", err)
	}
	all, err := l.TeamMembers.All(t.Context(), "org_1")
	if err != nil || len(all) != 9 {
		t.Errorf("All: %d memberships, %v; want 9", len(all), err)
	}
	if _, err := l.TeamMembers.Get(t.Context(), "org_1", TeamMemberKey("team-009", "person-000@example.com")); !IsNotFound(err) {
		t.Errorf("Get from the listing of a membership of a team that does not exist: %v, want not found", err)
	}
}
