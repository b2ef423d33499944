package provider

import (
	"fmt"
	"strings"
	"testing"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
)

// TestDriftAttributionFillsOneActivityRequest: the lines of a drift warning are attributed in order for
// as long as their ids fit in one activity request, up to exactly its limit; the next line that would
// overflow it, and every line after, go unattributed rather than costing a second request.
func TestDriftAttributionFillsOneActivityRequest(t *testing.T) {
	lines := func(n, idsEach int) []driftedMember {
		out := make([]driftedMember, n)
		for i := range out {
			for j := range idsEach {
				out[i].ids = append(out[i].ids, fmt.Sprintf("id-%d-%d", i, j))
			}
		}
		return out
	}
	perRequest := api.MaxActivityObjectIDs
	for _, c := range []struct {
		name  string
		shown []driftedMember
		want  int
	}{
		{"ids exactly filling the request", lines(perRequest/2, 2), perRequest / 2},
		{"one line more than fits", lines(perRequest/2+1, 2), perRequest / 2},
		{"a line that would overflow stops the rest", append(lines(perRequest/2-1, 2), append(lines(1, 3), lines(1, 1)...)...), perRequest/2 - 1},
		{"nothing shown", nil, 0},
	} {
		got := attributable(c.shown)
		if len(got) != c.want {
			t.Errorf("%s: %d lines attributed, want %d", c.name, len(got), c.want)
			continue
		}
		ids := 0
		for i, o := range got {
			ids += len(o.IDs)
			if fmt.Sprint(o.IDs) != fmt.Sprint(c.shown[i].ids) || o.Type != memberIdentity.activityType {
				t.Errorf("%s: object %d is %+v, want the line's ids %v", c.name, i, o, c.shown[i].ids)
			}
		}
		if ids > perRequest {
			t.Errorf("%s: %d ids asked about, more than one request holds (%d)", c.name, ids, perRequest)
		}
	}
}

// TestNamesOfListsTwentyWhole: a message names up to 20 addresses in full, and past that the first 20
// and how many more.
func TestNamesOfListsTwentyWhole(t *testing.T) {
	emails := make([]string, 21)
	for i := range emails {
		emails[i] = fmt.Sprintf("m%02d@example.com", i)
	}
	if got, want := namesOf(emails[:20]), strings.Join(emails[:20], ", "); got != want {
		t.Errorf("20 addresses read %q, want all of them", got)
	}
	if got, want := namesOf(emails), strings.Join(emails[:20], ", ")+" and 1 more"; got != want {
		t.Errorf("21 addresses read %q, want %q", got, want)
	}
}
