package provider

import (
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
)

// The whole-list machinery on plain strings: desired and actual are a role by email.

func TestAlignKeysTakesTheDesiredSpelling(t *testing.T) {
	t.Parallel()
	desired := map[string]string{"Ada@Example.com": "owner", "new@example.com": "member"}
	actual := map[string]string{"ada@example.com": "owner", "gone@example.com": "admin"}
	got := alignKeys(desired, actual, api.EmailKey)
	want := map[string]string{"Ada@Example.com": "owner", "gone@example.com": "admin"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("alignKeys = %v, want %v", got, want)
	}
}

func TestDiffKeyedOrdersUpdatesDeletesCreates(t *testing.T) {
	t.Parallel()
	desired := map[string]string{"a@x": "owner", "b@x": "member", "c@x": "admin", "e@x": "member"}
	actual := map[string]string{"a@x": "owner", "b@x": "admin", "d@x": "member", "f@x": "owner"}
	changes := diffKeyed(desired, actual, func(d, a string) bool { return d != a })
	var got []string
	for _, ch := range changes {
		got = append(got, string(ch.Op)+" "+ch.Key)
	}
	want := []string{"update b@x", "delete d@x", "delete f@x", "create c@x", "create e@x"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("changes = %v, want %v", got, want)
	}
	// A rank puts first what the others depend on, keeping the rest in order.
	sortChanges(changes, func(ch keyedChange[string, string]) int {
		if ch.Key == "e@x" {
			return 0
		}
		return 1
	})
	if changes[0].Key != "e@x" || changes[1].Key != "b@x" {
		t.Errorf("ranked changes start %s, %s; want e@x, b@x", changes[0].Key, changes[1].Key)
	}
}

func TestBulkItemsCarryEachOperation(t *testing.T) {
	t.Parallel()
	changes := diffKeyed(map[string]string{"a@x": "admin", "c@x": "member"}, map[string]string{"a@x": "member", "b@x": "owner"},
		func(d, a string) bool { return d != a })
	items := bulkItems(changes,
		func(ch keyedChange[string, string]) api.MemberCreate {
			return api.MemberCreate{Email: ch.Key, Role: api.Role(ch.Desired)}
		},
		func(ch keyedChange[string, string]) api.MemberUpdate {
			role := api.Role(ch.Desired)
			return api.MemberUpdate{Role: &role}
		},
		func(ch keyedChange[string, string]) string { return strings.ToUpper(ch.Key) })
	if len(items) != 3 {
		t.Fatalf("%d items, want 3", len(items))
	}
	if it := items[0]; it.Op != api.BulkUpdate || it.Key != "A@X" || it.Update == nil || *it.Update.Role != api.RoleAdmin || it.Create != nil {
		t.Errorf("item 0 = %+v, want an update of A@X to admin", it)
	}
	if it := items[1]; it.Op != api.BulkDelete || it.Key != "B@X" || it.Update != nil || it.Create != nil {
		t.Errorf("item 1 = %+v, want a delete of B@X", it)
	}
	if it := items[2]; it.Op != api.BulkCreate || it.Key != "" || it.Create == nil || it.Create.Email != "c@x" {
		t.Errorf("item 2 = %+v, want a create of c@x", it)
	}
}

// resultsFor answers each change as the server would: an item whose key holds "-bad" is refused, a
// delete of "del-gone@x" finds nothing, the rest succeed.
func resultsFor(changes []keyedChange[string, string]) []api.BulkResult[api.Member] {
	results := make([]api.BulkResult[api.Member], 0, len(changes))
	for _, ch := range changes {
		switch {
		case strings.Contains(ch.Key, "-bad"):
			results = append(results, api.BulkResult[api.Member]{Status: http.StatusConflict, Problem: &api.Problem{Detail: "refused: " + ch.Key}})
		case ch.Key == "del-gone@x":
			results = append(results, api.BulkResult[api.Member]{Status: http.StatusNotFound, Problem: &api.Problem{Detail: "no such member"}})
		case ch.Op == api.BulkDelete:
			results = append(results, api.BulkResult[api.Member]{Status: http.StatusNoContent})
		default:
			results = append(results, api.BulkResult[api.Member]{Status: http.StatusOK, Item: &api.Member{Email: ch.Key, Role: api.Role(ch.Desired)}})
		}
	}
	return results
}

func roleOf(_ keyedChange[string, string], m api.Member) string { return string(m.Role) }

// Each item's result lands in the state on its own: a failed create stays out, a failed update and a
// failed delete keep the state's object, and a delete that finds nothing is done.
func TestApplyResultsKeepsFailedItemsAsTheServerHasThem(t *testing.T) {
	t.Parallel()
	prior := map[string]string{"keep@x": "member", "upd-ok@x": "member", "upd-bad@x": "member", "del-ok@x": "admin", "del-gone@x": "admin", "del-bad@x": "owner"}
	desired := map[string]string{"keep@x": "member", "upd-ok@x": "admin", "upd-bad@x": "admin", "new-ok@x": "member", "new-bad@x": "member"}
	changes := diffKeyed(desired, prior, func(d, a string) bool { return d != a })
	got, failures := applyResults(prior, changes, resultsFor(changes), roleOf)
	want := map[string]string{"keep@x": "member", "upd-ok@x": "admin", "upd-bad@x": "member", "del-bad@x": "owner", "new-ok@x": "member"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("state after the results = %v, want %v", got, want)
	}
	var failed []string
	for _, f := range failures {
		failed = append(failed, f.Error())
	}
	wantFailed := []string{"change upd-bad@x: refused: upd-bad@x", "remove del-bad@x: refused: del-bad@x", "add new-bad@x: refused: new-bad@x"}
	if !reflect.DeepEqual(failed, wantFailed) {
		t.Errorf("failures = %q, want %q", failed, wantFailed)
	}
	if prior["upd-ok@x"] != "member" {
		t.Error("applyResults changed the prior map")
	}
}

// Results that never came (a request failed midway) leave what the state had, each an unanswered
// failure.
func TestApplyResultsWithoutAnswersKeepsTheState(t *testing.T) {
	t.Parallel()
	prior := map[string]string{"a@x": "member", "b@x": "member", "c@x": "admin"}
	desired := map[string]string{"a@x": "admin", "b@x": "admin", "d@x": "member"}
	changes := diffKeyed(desired, prior, func(d, a string) bool { return d != a })
	got, failures := applyResults(prior, changes, resultsFor(changes)[:1], roleOf)
	want := map[string]string{"a@x": "admin", "b@x": "member", "c@x": "admin"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("state after one answer = %v, want %v", got, want)
	}
	if len(failures) != 3 {
		t.Fatalf("%d failures, want 3 (b@x, c@x, d@x)", len(failures))
	}
	for _, f := range failures {
		if f.Problem != nil || !strings.Contains(f.Error(), "no answer") {
			t.Errorf("failure %v: want an unanswered one", f)
		}
	}
}
