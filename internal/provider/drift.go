package provider

import (
	"context"
	"fmt"
	"sort"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
	"github.com/orgs-dev/terraform-provider-orgs/internal/client"
)

// Drift attributed: when a refresh finds that an object changed or vanished outside Terraform, its Read
// adds a warning that says what changed and who changed it when, from the organization's activity log.
// The two places every Read ends (resourceIdentity.refreshed and removeIfNotFound) call it, so every
// resource with an identity gets it from its identity table (activityType, activityIDs), with no code
// of its own.
//
// Only drift asks the log anything: a refresh that finds the object as the state holds it makes no
// request. The questions of the reads that find drift in one organization at about the same time share
// one filtered request (client.LastChanges). A caller that may not read the log (403) gets the warning
// without a name.

// driftChanges are the changes between the state a Read started from and the state it wrote, one phrase
// each ("role changed from \"admin\" to \"member\""), for the attributes a configuration sets (required
// or optional): computed values that move on their own (a token's last use, an agent's status) are not
// drift. A sensitive attribute's values are never shown.
func driftChanges(ctx context.Context, prior, refreshed tfsdk.State) []string {
	var changes []string
	for name, a := range refreshed.Schema.GetAttributes() {
		if !a.IsRequired() && !a.IsOptional() {
			continue
		}
		var before, after attr.Value
		if prior.GetAttribute(ctx, path.Root(name), &before).HasError() || refreshed.GetAttribute(ctx, path.Root(name), &after).HasError() {
			continue
		}
		if before == nil || after == nil || before.IsUnknown() || before.Equal(after) {
			continue
		}
		switch {
		case a.IsSensitive():
			changes = append(changes, name+" changed")
		case before.IsNull():
			changes = append(changes, fmt.Sprintf("%s set to %s", name, after))
		case after.IsNull():
			changes = append(changes, fmt.Sprintf("%s removed (was %s)", name, before))
		default:
			changes = append(changes, fmt.Sprintf("%s changed from %s to %s", name, before, after))
		}
	}
	sort.Strings(changes)
	return changes
}

// warnDrift adds the warning for the object in state (as the Read found it in state), which changed as
// what says ("role changed from ...", "was deleted") outside Terraform.
func (ri resourceIdentity) warnDrift(ctx context.Context, pd providerData, state tfsdk.State, what string, organizationDeleted bool, diags *diag.Diagnostics) {
	values := ri.values(ctx, state)
	detail := fmt.Sprintf("%s: %s outside Terraform", ri.name(values), what)
	if by := ri.lastChange(ctx, pd, state, values, organizationDeleted); by != "" {
		detail += " " + by
	}
	// A summary of its own: the CLIs fold warnings of one summary into the first ("and 3 more similar
	// warnings"), which would hide who changed the others.
	diags.AddWarning(ri.kind+" "+ri.keyText(values[ri.key()])+" changed outside Terraform", detail+".")
}

// lastChange says who made the latest change to the object and when ("by bob@example.com at
// 2030-01-02T15:04:05Z"), from the activity log; "" when the log cannot tell: the caller may not read
// it, it holds nothing about the object, or it went with its deleted organization.
func (ri resourceIdentity) lastChange(ctx context.Context, pd providerData, state tfsdk.State, values map[string]string, organizationDeleted bool) string {
	if ri.activityType == "" || pd.lastChanges == nil || organizationDeleted {
		return ""
	}
	orgID, ok := values["organization_id"]
	if !ok {
		orgID = values[ri.key()]
	}
	ids := []string{values[ri.key()]}
	if ri.activityIDs != nil {
		ids = ri.activityIDs(ctx, state, values)
	}
	if len(ids) == 0 || ids[0] == "" {
		return ""
	}
	e, err := pd.lastChanges.Last(ctx, orgID, client.ActivityObject{Type: ri.activityType, IDs: ids})
	switch {
	case client.IsForbidden(err):
		return ""
	case err != nil:
		return fmt.Sprintf("(who made the change could not be read from the activity log: %v)", err)
	case e == nil:
		return ""
	}
	return changedBy(*e)
}

// changedBy says who made the change of entry e and when: "by bob@example.com at
// 2030-01-02T15:04:05Z (member.update)".
func changedBy(e api.ActivityEntry) string {
	return fmt.Sprintf("by %s at %s (%s)", actorText(e), e.At.UTC().Format("2006-01-02T15:04:05Z07:00"), e.Action)
}

// actorText names an entry's actor as a reviewer knows them: a member by address, a token by name and
// role, else by id.
func actorText(e api.ActivityEntry) string {
	switch {
	case e.ActorEmail != "":
		return e.ActorEmail
	case e.ActorType == api.ActorToken && e.ActorName != "":
		return fmt.Sprintf("API token %q (role %s)", e.ActorName, e.ActorRole)
	case e.ActorType == api.ActorToken:
		return "API token " + e.ActorID
	case e.ActorID == "operator":
		return "an operator of the server"
	case e.ActorID == "server":
		return "the server"
	}
	return "user " + e.ActorID
}

// memberActivityIDs are the ids the log names a membership by: its user's id, and its address (folded)
// while it was invited.
func memberActivityIDs(ctx context.Context, state tfsdk.State, values map[string]string) []string {
	ids := []string{api.EmailKey(values["email"])}
	if userID := stateString(ctx, state, "user_id"); userID != "" {
		ids = append(ids, userID)
	}
	return ids
}

// stateString is the string attribute name of state, "" when null, unknown or absent.
func stateString(ctx context.Context, state tfsdk.State, name string) string {
	var v types.String
	if state.GetAttribute(ctx, path.Root(name), &v).HasError() {
		return ""
	}
	return v.ValueString()
}

// stateOf is the state a Read started from, with raw as its value.
func stateOf(schemaState tfsdk.State, raw tftypes.Value) tfsdk.State {
	return tfsdk.State{Schema: schemaState.Schema, Raw: raw}
}

// domainActivityIDs: the log names a domain claim by its id, not by the domain.
func domainActivityIDs(ctx context.Context, state tfsdk.State, _ map[string]string) []string {
	if id := stateString(ctx, state, "id"); id != "" {
		return []string{id}
	}
	return nil
}
