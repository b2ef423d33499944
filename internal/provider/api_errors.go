package provider

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"syscall"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/orgs-dev/terraform-provider-orgs/internal/client"
)

// removeIfNotFound handles an error from the read in a resource's Read, the one place where the provider
// decides that an object is gone. An object that no longer exists (client.IsNotFound: missing from an
// organization the credential can see, or held by an organization that was deleted) is removed from
// state, without a diagnostic, so Terraform plans to create it again. Anything else is an error and
// leaves the state as it was: above all an organization the credential cannot see, which is what losing
// access looks like and must never be taken for a deletion (apiErrorDiagnostic says so). Call it only
// with a non-nil err, and return after it.
func removeIfNotFound(ctx context.Context, err error, resp *resource.ReadResponse) {
	if client.IsNotFound(err) {
		msg := "object no longer exists on the server; removing it from state"
		if client.IsOrganizationDeleted(err) {
			msg = "the object's organization was deleted; removing the object from state"
		}
		tflog.Info(ctx, msg, map[string]any{"error": err.Error()})
		resp.State.RemoveResource(ctx)
		return
	}
	resp.Diagnostics.Append(apiErrorDiagnostic("read", err))
}

// addAPIError reports a failed API call; action says what the provider was doing ("create member").
func addAPIError(diags *diag.Diagnostics, action string, err error) {
	diags.Append(apiErrorDiagnostic(action, err))
}

// apiErrorDiagnostic turns an API error into a diagnostic. A refusal by the server carries the server's
// own message verbatim (it names the limit, the plan, the last owner...); anything else (a connection
// that kept failing, a timeout) says what happened and that it was retried.
func apiErrorDiagnostic(action string, err error) diag.Diagnostic {
	summary := "Failed to " + action
	var expired timeoutExpired
	if errors.As(err, &expired) {
		return diag.NewErrorDiagnostic("Timed out: "+action,
			fmt.Sprintf("Could not %s: %s before the server answered (retries included). "+
				"If the server is slow rather than down, raise timeouts.%s in the resource's timeouts block. Nothing of this operation was recorded in the state.\n\nLast error: %s",
				action, expired, expired.op, err))
	}
	var apiErr *client.Error
	if errors.As(err, &apiErr) && client.IsOrganizationNotVisible(err) {
		return organizationNotVisibleDiagnostic(action, apiErr)
	}
	if errors.As(err, &apiErr) {
		// 429 and 5xx reach here only once retries ran out: the server did not refuse, it kept failing.
		verb := "refused to"
		if apiErr.StatusCode == http.StatusTooManyRequests || apiErr.StatusCode >= 500 {
			verb = "kept failing to"
		}
		detail := fmt.Sprintf("The server %s %s (HTTP %d %s): %s",
			verb, action, apiErr.StatusCode, http.StatusText(apiErr.StatusCode), apiErr.Error())
		if hint := statusHint(apiErr.StatusCode); hint != "" {
			detail += "\n\n" + hint
		}
		return diag.NewErrorDiagnostic(summary, detail)
	}
	var connErr *client.ConnectionError
	if errors.As(err, &connErr) && connErr.Lost {
		return lostServerDiagnostic(action, connErr)
	}
	if errors.As(err, &connErr) {
		return diag.NewErrorDiagnostic(summary, fmt.Sprintf("Could not %s: the orgs API did not answer: %s\n\n"+
			"Check the provider's `endpoint` (or the %s environment variable): the server must be running there, "+
			"and the scheme must match it (http:// for a plain server, https:// for TLS).", action, err, EnvEndpoint))
	}
	return diag.NewErrorDiagnostic(summary, fmt.Sprintf("Could not %s: %s", action, err))
}

// Summaries of the errors of a run that lost its server: one says what happened and what to do, the
// others point to it by its summary (the CLIs list errors in no promised order, and fold none).
const (
	lostServerSummary   = "The orgs API server stopped answering"
	lostServerNotDone   = "Not done: the orgs API server stopped answering"
	lostServerMaybeDone = "Maybe done: the orgs API server stopped answering"
)

// lostServerDiagnostic is the error of a call that got no answer from a server that answered earlier
// in the run: the server was stopped or crashed. The first such error of the run explains; the rest,
// one per object in flight or still to do, are short and point to it.
func lostServerDiagnostic(action string, connErr *client.ConnectionError) diag.Diagnostic {
	outcome, summary := "The request never reached the server, so nothing of it was done.", lostServerNotDone
	switch {
	case connErr.Method == http.MethodGet:
		outcome = "" // a read changes nothing either way
	case connErr.Reached:
		outcome, summary = "The request reached the server, but no answer came back: it may have been done. "+
			"Before applying again, check whether it was, and import what it made.", lostServerMaybeDone
	}
	if !connErr.FirstReportOfLoss() {
		return diag.NewErrorDiagnostic(summary, sentences(
			fmt.Sprintf("Could not %s: the server stopped answering (%s).", action, connectionCause(connErr)),
			outcome,
			fmt.Sprintf("See the error %q for what to do.", lostServerSummary)))
	}
	server := connErr.URL
	if u, err := url.Parse(connErr.URL); err == nil {
		server = u.Scheme + "://" + u.Host
	}
	return diag.NewErrorDiagnostic(lostServerSummary, sentences(
		fmt.Sprintf("Could not %s: the orgs API at %s answered earlier in this run, then stopped answering (%s).", action, server, connErr),
		outcome)+
		"\n\nApplying again is safe: what this run finished is in the state, and what never reached the server was not done, "+
		"so the next apply does only what is left. Start the server again (or wait until it answers), then run the same command again. "+
		"The other errors that end with \"the orgs API server stopped answering\" have this same cause.")
}

// sentences joins the non-empty ones with a space.
func sentences(s ...string) string {
	return strings.Join(slices.DeleteFunc(s, func(x string) bool { return x == "" }), " ")
}

// connectionCause is the last words of a connection failure ("connection refused"), for the short errors.
func connectionCause(connErr *client.ConnectionError) string {
	switch {
	case errors.Is(connErr, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(connErr, syscall.ECONNRESET):
		return "connection reset"
	case errors.Is(connErr, io.EOF), errors.Is(connErr, io.ErrUnexpectedEOF):
		return "connection closed"
	}
	return connErr.Err.Error()
}

// organizationNotVisibleDiagnostic is the error for an organization the credential cannot see. The
// server gives that one answer for an organization the credential's user was removed from, another
// account's, and one that never existed, so the provider cannot tell them apart and must not guess: it
// leaves the state alone and says how to find out. A deleted organization is a different answer (410),
// given to whoever could see it when it was deleted; that one plans re-creation.
func organizationNotVisibleDiagnostic(action string, apiErr *client.Error) diag.Diagnostic {
	orgID := apiErr.OrganizationID
	return diag.NewErrorDiagnostic("Cannot see organization "+orgID,
		fmt.Sprintf("The server refused to %s (HTTP %d %s): %s\n\n"+
			"The credential in use cannot see organization %q. This is the server's answer when the credential's user "+
			"was removed from the organization, when the credential belongs to another account, or when no such organization "+
			"exists; it is not a deletion, so the provider removed nothing from the state: the state was left unchanged.\n\n"+
			"Check the provider's `token` (or the %s environment variable): it must be a credential of a current member of "+
			"organization %q. If the organization was deleted, a credential of one of its members at that time shows it, and "+
			"the plan then creates it again. If it is gone for good and should no longer be managed here, remove its "+
			"resources from the state (`terraform state rm` or `tofu state rm`).",
			action, apiErr.StatusCode, http.StatusText(apiErr.StatusCode), apiErr.Error(), orgID, EnvToken, orgID))
}

// statusHint tells the user what to do about a refusal whose cause is usually outside the configuration.
func statusHint(status int) string {
	switch status {
	case http.StatusUnauthorized:
		return "Check the provider's `token` (or the " + EnvToken + " environment variable). An organization API token " +
			"also stops working when it expires or is revoked, when the user who created it leaves the organization, and " +
			"when its organization is deleted (with everything it held); the provider cannot tell these apart, so it " +
			"removed nothing from the state."
	case http.StatusForbidden:
		return "The token's role does not allow this; use a token of an owner or admin (billing changes need an owner or biller)."
	}
	return ""
}

// withHint adds what to do to an error diagnostic.
func withHint(d diag.Diagnostic, hint string) diag.Diagnostic {
	return diag.NewErrorDiagnostic(d.Summary(), d.Detail()+"\n\n"+hint)
}

func diagsOf(d ...diag.Diagnostic) diag.Diagnostics { return diag.Diagnostics(d) }
