package provider_test

// Helpers shared by the provider's acceptance tests.

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"

	tfjson "github.com/hashicorp/terraform-json"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"

	"github.com/orgs-dev/terraform-provider-orgs/internal/client"
)

// serverCheck is a state check that asks the reference server (through the test's own client) whether
// it holds what the state says.
type serverCheck func(ctx context.Context, state *tfjson.State) error

func (f serverCheck) CheckState(ctx context.Context, req statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	resp.Error = f(ctx, req.State)
}

// stateValue is the value of a top-level attribute of the resource at addr in state.
func stateValue(state *tfjson.State, addr, attr string) (any, error) {
	if state == nil || state.Values == nil || state.Values.RootModule == nil {
		return nil, errors.New("empty state")
	}
	for _, r := range state.Values.RootModule.Resources {
		if r.Address == addr {
			v, ok := r.AttributeValues[attr]
			if !ok {
				return nil, fmt.Errorf("%s has no attribute %q", addr, attr)
			}
			return v, nil
		}
	}
	return nil, fmt.Errorf("%s is not in state", addr)
}

// stateString is stateValue for a string attribute that must be set.
func stateString(state *tfjson.State, addr, attr string) (string, error) {
	v, err := stateValue(state, addr, attr)
	if err != nil {
		return "", err
	}
	s, ok := v.(string)
	if !ok || s == "" {
		return "", fmt.Errorf("%s.%s is %v, want a non-empty string", addr, attr, v)
	}
	return s, nil
}

// expectNotFound passes when err is the server's 404; it takes the object too so that a getter's
// results can be passed straight in.
func expectNotFound(_ any, err error) error {
	switch {
	case err == nil:
		return errors.New("still exists on the server")
	case client.IsNotFound(err):
		return nil
	default:
		return fmt.Errorf("want 404, got: %w", err)
	}
}

// refusalOf runs a call the server must refuse with the given problem type, and returns the server's
// message, so a test can expect exactly those words from Terraform.
func refusalOf(t *testing.T, call func() error, problemType string) string {
	t.Helper()
	err := call()
	var apiErr *client.Error
	if !errors.As(err, &apiErr) {
		t.Fatalf("want a refusal of type %s from the server, got %v", problemType, err)
	}
	if apiErr.Problem.Type != problemType || apiErr.Problem.Detail == "" {
		t.Fatalf("want a refusal of type %s with a detail, got %+v", problemType, apiErr.Problem)
	}
	return apiErr.Problem.Detail
}

// wrappedText matches msg in Terraform's output, which wraps long diagnostics over lines that start
// with a box-drawing border.
func wrappedText(msg string) *regexp.Regexp {
	words := strings.Fields(msg)
	for i, w := range words {
		words[i] = regexp.QuoteMeta(w)
	}
	return regexp.MustCompile(strings.Join(words, `(?:\s|│)+`))
}
