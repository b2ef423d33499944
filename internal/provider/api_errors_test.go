package provider

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
	"github.com/orgs-dev/terraform-provider-orgs/internal/client"
)

func TestRemoveIfNotFound(t *testing.T) {
	ctx := context.Background()
	r := NewMemberResource()
	var sresp resource.SchemaResponse
	r.Schema(ctx, resource.SchemaRequest{}, &sresp)
	typ := sresp.Schema.Type().TerraformType(ctx)
	newResp := func() *resource.ReadResponse {
		// Any known object will do: RemoveResource nulls it.
		obj := map[string]tftypes.Value{}
		objType, ok := typ.(tftypes.Object)
		if !ok {
			t.Fatalf("the member schema is a %T, not an object", typ)
		}
		for name, at := range objType.AttributeTypes {
			obj[name] = tftypes.NewValue(at, nil)
		}
		return &resource.ReadResponse{State: tfsdk.State{Schema: sresp.Schema, Raw: tftypes.NewValue(typ, obj)}}
	}

	notFound := &client.Error{StatusCode: 404, Problem: api.Problem{Type: api.ProblemNotFound, Status: 404, Detail: "no such member"}}
	resp := newResp()
	removeIfNotFound(ctx, notFound, resp)
	if len(resp.Diagnostics) != 0 {
		t.Errorf("a vanished object gave diagnostics: %v", resp.Diagnostics)
	}
	if !resp.State.Raw.IsNull() {
		t.Error("a vanished object stayed in state")
	}

	// The organization was deleted, with everything it held: gone too.
	resp = newResp()
	removeIfNotFound(ctx, &client.Error{StatusCode: 410, Problem: api.Problem{Type: api.ProblemOrganizationDeleted, Status: 410, Detail: "deleted"}}, resp)
	if len(resp.Diagnostics) != 0 || !resp.State.Raw.IsNull() {
		t.Errorf("an object of a deleted organization: diagnostics %v, removed %v; want removed without diagnostics", resp.Diagnostics, resp.State.Raw.IsNull())
	}

	// Losing access is not deletion: an error naming the organization, and the state kept.
	for _, err := range []error{
		&client.Error{StatusCode: 404, OrganizationID: "org_1", Problem: api.Problem{Type: api.ProblemOrganizationNotFound, Status: 404, Detail: `organization "org_1" not found`}},
		// A 404 that is not the API's answer (a proxy, a wrong endpoint) is not a deletion either.
		&client.Error{StatusCode: 404, Problem: api.Problem{Type: "about:blank", Status: 404, Detail: "GET /api/v1/orgs/org_1/members/x: HTTP 404 Not Found: <html>"}},
	} {
		resp = newResp()
		removeIfNotFound(ctx, err, resp)
		if !resp.Diagnostics.HasError() || resp.State.Raw.IsNull() {
			t.Errorf("%v: diagnostics %v, removed %v; want an error and the state kept", err, resp.Diagnostics, resp.State.Raw.IsNull())
		}
	}
	resp = newResp()
	removeIfNotFound(ctx, &client.Error{StatusCode: 500, Problem: api.Problem{Status: 500, Detail: "database is locked"}}, resp)
	if !resp.Diagnostics.HasError() || !strings.Contains(resp.Diagnostics.Errors()[0].Detail(), "database is locked") {
		t.Errorf("a server failure was not reported with its message: %v", resp.Diagnostics)
	}
	if resp.State.Raw.IsNull() {
		t.Error("a server failure removed the object from state")
	}
}

func TestAPIErrorDiagnosticKeepsServersWords(t *testing.T) {
	detail := "Organization acme is on plan hobby, which allows at most 1 member."
	err := &client.Error{StatusCode: http.StatusConflict, Method: "POST", Path: "/api/v1/orgs/o/members",
		Problem: api.Problem{Type: api.ProblemLimitReached, Title: "Conflict", Status: 409, Detail: detail}}
	d := apiErrorDiagnostic("add member", errors.Join(err))
	if !strings.Contains(d.Detail(), detail) {
		t.Errorf("detail %q lost the server's message", d.Detail())
	}
	if !strings.Contains(d.Summary(), "add member") {
		t.Errorf("summary %q does not say what failed", d.Summary())
	}
	if !strings.Contains(d.Detail(), "The server refused to add member (HTTP 409 Conflict)") {
		t.Errorf("a refusal is not called one: %q", d.Detail())
	}
	unavailable := &client.Error{StatusCode: http.StatusServiceUnavailable, Method: "POST", Path: "/api/v1/orgs/o/members",
		Problem: api.Problem{Type: api.ProblemUnavailable, Title: "Service Unavailable", Status: 503, Detail: "maintenance"}}
	if d := apiErrorDiagnostic("add member", unavailable); !strings.Contains(d.Detail(), "The server kept failing to add member (HTTP 503 Service Unavailable): maintenance") {
		t.Errorf("a server failure that outlasted the retries reads %q", d.Detail())
	}
	// Every 5xx is a failure, 500 the first of them; 499 is a refusal.
	for status, verb := range map[int]string{http.StatusInternalServerError: "kept failing to", 499: "refused to"} {
		e := &client.Error{StatusCode: status, Method: "POST", Path: "/api/v1/orgs/o/members", Problem: api.Problem{Status: status, Detail: "boom"}}
		if d := apiErrorDiagnostic("add member", e); !strings.Contains(d.Detail(), "The server "+verb+" add member") {
			t.Errorf("HTTP %d reads %q, want %q", status, d.Detail(), verb)
		}
	}
	plain := apiErrorDiagnostic("add member", errors.New("dial tcp: connection refused"))
	if !strings.Contains(plain.Detail(), "connection refused") {
		t.Errorf("transport error lost: %q", plain.Detail())
	}
}

// A call that got no answer at all points at the endpoint, the usual culprit.
func TestConnectionFailureNamesTheEndpoint(t *testing.T) {
	err := &client.ConnectionError{Method: "GET", URL: "http://127.0.0.1:1/api/v1/orgs/o", Attempts: 3, Err: errors.New("connect: connection refused")}
	d := apiErrorDiagnostic("read organization o", fmt.Errorf("wrapped: %w", err))
	for _, want := range []string{"connection refused", "`endpoint`", EnvEndpoint, "http://127.0.0.1:1"} {
		if !strings.Contains(d.Detail(), want) {
			t.Errorf("detail lacks %q: %s", want, d.Detail())
		}
	}
}
