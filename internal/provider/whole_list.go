package provider

import (
	"cmp"
	"fmt"
	"maps"
	"net/http"
	"slices"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
)

// Whole-list resources (orgs_members, orgs_team_members) hold a whole collection of one organization as
// a map keyed by what names each object (a member's email), and are authoritative: what the
// configuration leaves out is removed. They all apply the same way, written here once and generic over
// the item types: the difference between the state (what the server holds) and the plan (what the
// configuration wants) is a list of keyed changes; the changes become the items of bulk requests; and
// each item's result is folded back into the state, so that an item that failed leaves its object in
// the state exactly as the server still has it, and the next plan offers that change again.

// keyedChange is one object a whole-list apply writes. D is what the configuration wants of an object,
// A what the state holds of it.
type keyedChange[D, A any] struct {
	Op api.BulkOp
	// Key names the object in the resource's map (after alignKeys, the plan's and the state's key are
	// one), and in the diagnostics about it.
	Key     string
	Desired D // create and update
	Actual  A // update and delete
}

// alignKeys is actual with each object that desired names in another spelling (an email in another
// letter case: fold makes the form keys are compared in) moved to desired's key, so that the two maps
// name one object by one key. The plan's keys are the configuration's, which the state must take.
func alignKeys[D, A any](desired map[string]D, actual map[string]A, fold func(string) string) map[string]A {
	if fold == nil {
		return actual
	}
	desiredByFold := make(map[string]string, len(desired))
	for key := range desired {
		desiredByFold[fold(key)] = key
	}
	out := make(map[string]A, len(actual))
	for key, a := range actual {
		if dk, ok := desiredByFold[fold(key)]; ok {
			key = dk
		}
		out[key] = a
	}
	return out
}

// diffKeyed is what turns actual (the state, aligned with alignKeys) into desired (the plan): a create
// for each key only desired has, a delete for each key only actual has, and an update for each key
// both have where differs says so. The changes come in the order they should be applied: updates, then
// deletes (which free seats), then creates, each by key; sortChanges reorders them further.
func diffKeyed[D, A any](desired map[string]D, actual map[string]A, differs func(D, A) bool) []keyedChange[D, A] {
	var changes []keyedChange[D, A]
	for _, key := range slices.Sorted(maps.Keys(desired)) {
		d := desired[key]
		a, ok := actual[key]
		switch {
		case !ok:
			changes = append(changes, keyedChange[D, A]{Op: api.BulkCreate, Key: key, Desired: d})
		case differs(d, a):
			changes = append(changes, keyedChange[D, A]{Op: api.BulkUpdate, Key: key, Desired: d, Actual: a})
		}
	}
	for _, key := range slices.Sorted(maps.Keys(actual)) {
		if _, ok := desired[key]; !ok {
			changes = append(changes, keyedChange[D, A]{Op: api.BulkDelete, Key: key, Actual: actual[key]})
		}
	}
	sortChanges(changes, func(keyedChange[D, A]) int { return 0 })
	return changes
}

// sortChanges orders changes for applying: by rank (lower first), then updates, deletes and creates,
// then by key. rank lets a resource put first what the others depend on (a promotion to owner before
// the demotions and removals of other owners).
func sortChanges[D, A any](changes []keyedChange[D, A], rank func(keyedChange[D, A]) int) {
	opOrder := map[api.BulkOp]int{api.BulkUpdate: 0, api.BulkDelete: 1, api.BulkCreate: 2}
	slices.SortStableFunc(changes, func(a, b keyedChange[D, A]) int {
		return cmp.Or(cmp.Compare(rank(a), rank(b)), cmp.Compare(opOrder[a.Op], opOrder[b.Op]), cmp.Compare(a.Key, b.Key))
	})
}

// bulkItems are the changes as the items of bulk requests, in the same order: create builds a create
// body, update an update body, and apiKey names an existing object as its own path does.
func bulkItems[D, A, C, U any](changes []keyedChange[D, A], create func(keyedChange[D, A]) C, update func(keyedChange[D, A]) U,
	apiKey func(keyedChange[D, A]) string,
) []api.BulkItem[C, U] {
	items := make([]api.BulkItem[C, U], len(changes))
	for i, ch := range changes {
		item := api.BulkItem[C, U]{Op: ch.Op}
		switch ch.Op {
		case api.BulkCreate:
			body := create(ch)
			item.Create = &body
		case api.BulkUpdate:
			body := update(ch)
			item.Key, item.Update = apiKey(ch), &body
		case api.BulkDelete:
			item.Key = apiKey(ch)
		}
		items[i] = item
	}
	return items
}

// itemFailure is a change the server did not make: the object stays in the state as it was (out of it,
// for a create).
type itemFailure struct {
	Op  api.BulkOp
	Key string
	// Problem is the server's word on the item; nil when its result never came (the request failed).
	Problem *api.Problem
}

// Error says what failed, with the server's message.
func (f itemFailure) Error() string {
	what := map[api.BulkOp]string{api.BulkCreate: "add", api.BulkUpdate: "change", api.BulkDelete: "remove"}[f.Op]
	if f.Problem == nil {
		return fmt.Sprintf("%s %s: no answer from the server; the next refresh shows whether it was made", what, f.Key)
	}
	detail := f.Problem.Detail
	if detail == "" {
		detail = f.Problem.Title
	}
	return fmt.Sprintf("%s %s: %s", what, f.Key, detail)
}

// applyResults folds the results of the changes' bulk items (in the same order; fewer when a request
// failed midway) into prior, the state's objects (aligned with alignKeys), and returns the new state's
// objects and the changes that failed. A created or updated object is what the server answered
// (after turns it into the state's form, from the change); a deleted one is gone, and so is one whose
// delete found nothing (removed already). A change that failed, or whose result never came, leaves the
// object as prior holds it. Objects no change names stay as prior holds them: prior is the plan's
// unchanged part.
func applyResults[D, A, T any](prior map[string]A, changes []keyedChange[D, A], results []api.BulkResult[T],
	after func(ch keyedChange[D, A], item T) A,
) (map[string]A, []itemFailure) {
	out := maps.Clone(prior)
	if out == nil {
		out = map[string]A{}
	}
	var failures []itemFailure
	for i, ch := range changes {
		if i >= len(results) {
			failures = append(failures, itemFailure{Op: ch.Op, Key: ch.Key})
			continue
		}
		r := results[i]
		ok := r.Status >= 200 && r.Status < 300
		switch {
		case ch.Op == api.BulkDelete && (ok || r.Status == http.StatusNotFound):
			delete(out, ch.Key)
		case ok && r.Item != nil:
			out[ch.Key] = after(ch, *r.Item)
		default:
			problem := r.Problem
			if problem == nil {
				problem = &api.Problem{Status: r.Status, Title: fmt.Sprintf("the server answered %d without saying why", r.Status)}
			}
			failures = append(failures, itemFailure{Op: ch.Op, Key: ch.Key, Problem: problem})
		}
	}
	return out, failures
}
