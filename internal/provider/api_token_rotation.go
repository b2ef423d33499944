package provider

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
	"github.com/orgs-dev/terraform-provider-orgs/internal/client"
)

// The rotation of an orgs_api_token: its settings, when a token is due, the replacement planned then,
// and the overlap during which the replaced token keeps working.

// apiTokenRotationTypes are the attributes of rotation.
var apiTokenRotationTypes = map[string]attr.Type{
	"expire_after":  types.StringType,
	"rotate_before": types.StringType,
	"overlap":       types.StringType,
}

type apiTokenRotationModel struct {
	ExpireAfter  types.String `tfsdk:"expire_after"`
	RotateBefore types.String `tfsdk:"rotate_before"`
	Overlap      types.String `tfsdk:"overlap"`
}

// rotationPolicy is rotation with its durations parsed.
type rotationPolicy struct {
	expireAfter, rotateBefore, overlap time.Duration
}

// rotation reads the rotation settings: nil without rotation; known is false while any part of them is
// unknown (a value from another resource, before apply). The validators report bad durations.
func (m apiTokenModel) rotation(ctx context.Context, diags *diag.Diagnostics) (policy *rotationPolicy, known bool) {
	if m.Rotation.IsNull() {
		return nil, true
	}
	if m.Rotation.IsUnknown() {
		return &rotationPolicy{}, false
	}
	var rm apiTokenRotationModel
	diags.Append(m.Rotation.As(ctx, &rm, basetypes.ObjectAsOptions{})...)
	if diags.HasError() {
		return nil, false
	}
	p := &rotationPolicy{}
	for _, f := range []struct {
		v   types.String
		dst *time.Duration
	}{{rm.ExpireAfter, &p.expireAfter}, {rm.RotateBefore, &p.rotateBefore}, {rm.Overlap, &p.overlap}} {
		if f.v.IsUnknown() {
			return p, false
		}
		if f.v.IsNull() {
			continue
		}
		d, err := time.ParseDuration(f.v.ValueString())
		if err != nil {
			return p, false
		}
		*f.dst = d
	}
	return p, true
}

// dueAt is when a token with this expiry and creation time is due for rotation: rotate_before ahead of
// its end, which is its expiry or expire_after from its creation, whichever comes first (a token that
// existed before rotation was set may have another expiry, or none).
func (p rotationPolicy) dueAt(expiresAt, createdAt types.String) (time.Time, error) {
	created, err := time.Parse(time.RFC3339, createdAt.ValueString())
	if err != nil {
		return time.Time{}, fmt.Errorf("the token's created_at %q is not an RFC 3339 timestamp", createdAt.ValueString())
	}
	end := created.Add(p.expireAfter)
	if !expiresAt.IsNull() {
		at, err := time.Parse(time.RFC3339, expiresAt.ValueString())
		if err != nil {
			return time.Time{}, fmt.Errorf("the token's expires_at %q is not an RFC 3339 timestamp", expiresAt.ValueString())
		}
		if at.Before(end) {
			end = at
		}
	}
	return end.Add(-p.rotateBefore), nil
}

// setRotationDue sets rotation_due_at from the rotation settings and what the server returned.
func (m *apiTokenModel) setRotationDue(ctx context.Context, diags *diag.Diagnostics) {
	rot, known := m.rotation(ctx, diags)
	switch {
	case rot == nil:
		m.RotationDueAt = types.StringNull()
		return
	case !known:
		return // keep what the state holds
	}
	due, err := rot.dueAt(m.ExpiresAt, m.CreatedAt)
	if err != nil {
		diags.AddError("Cannot compute the rotation of the API token", err.Error())
		return
	}
	m.RotationDueAt = types.StringValue(due.UTC().Format(time.RFC3339))
}

// planRotation sets rotation_due_at, and plans the token's replacement when the server's clock has
// reached it. Terraform shows a replacement only for an attribute whose planned value differs from the
// state, so the due time becomes unknown (the new token's) and is the attribute that forces it.
func (r *apiTokenResource) planRotation(ctx context.Context, plan *apiTokenModel, state *apiTokenModel, resp *resource.ModifyPlanResponse) {
	rot, known := plan.rotation(ctx, &resp.Diagnostics)
	switch {
	case resp.Diagnostics.HasError():
		return
	case rot == nil:
		plan.RotationDueAt = types.StringNull()
		return
	case !known || state == nil || plan.ExpiresAt.IsUnknown():
		plan.RotationDueAt = types.StringUnknown() // a new token's, or not known until apply
		return
	}
	due, err := rot.dueAt(plan.ExpiresAt, state.CreatedAt)
	if err != nil {
		resp.Diagnostics.AddError("Cannot plan the rotation of the API token", err.Error())
		return
	}
	now, err := r.serverNow(ctx, state.OrganizationID.ValueString())
	if err != nil {
		addAPIError(&resp.Diagnostics, fmt.Sprintf("read the server's time to plan the rotation of API token %s", state.ID.ValueString()), err)
		return
	}
	if now.Before(due) {
		plan.RotationDueAt = types.StringValue(due.UTC().Format(time.RFC3339))
		return
	}
	tflog.Info(ctx, "API token due for rotation", map[string]any{"token_id": state.ID.ValueString(), "due_at": due.UTC().Format(time.RFC3339), "server_time": now.UTC().Format(time.RFC3339)})
	plan.RotationDueAt = types.StringUnknown()
	resp.RequiresReplace = append(resp.RequiresReplace, path.Root("rotation_due_at"))
}

// serverNow is the server's time, from the Date of its latest response. A run that has not talked to
// the server yet (a plan with -refresh=false, or a create before any read) asks it about the
// organization: every answer carries the server's Date, a refusal included.
func (r *apiTokenResource) serverNow(ctx context.Context, orgID string) (time.Time, error) {
	if now, ok := r.client.ServerTime(); ok {
		return now, nil
	}
	_, err := r.client.GetOrganization(ctx, orgID)
	if now, ok := r.client.ServerTime(); ok {
		return now, nil
	}
	if err != nil {
		return time.Time{}, err
	}
	return time.Time{}, errors.New("the server's responses carry no Date header, so the provider cannot tell its time")
}

// endAfterOverlap moves the token's expiry to overlap from now by the server's clock, unless it ends
// sooner anyway. It reports false when the token should be revoked instead (it has already expired).
func (r *apiTokenResource) endAfterOverlap(ctx context.Context, orgID, id string, overlap time.Duration, diags *diag.Diagnostics) bool {
	token, err := r.client.GetAPIToken(ctx, orgID, id)
	switch {
	case client.IsNotFound(err):
		return true
	case err != nil:
		addAPIError(diags, fmt.Sprintf("read API token %s of organization %s to end it after its overlap", id, orgID), err)
		return true
	}
	now, ok := r.client.ServerTime()
	if !ok {
		return false // no way to tell the server's time: revoke rather than guess
	}
	end := now.Add(overlap).Truncate(time.Second)
	switch {
	case token.ExpiresAt != nil && !token.ExpiresAt.After(now):
		return false // expired: revoking only tidies up
	case token.ExpiresAt != nil && !token.ExpiresAt.After(end):
		end = *token.ExpiresAt // it ends within the overlap anyway
	default:
		if _, err := r.client.ShortenAPIToken(ctx, orgID, id, api.APITokenUpdate{ExpiresAt: end}); err != nil {
			if !client.IsNotFound(err) {
				addAPIError(diags, fmt.Sprintf("end API token %s of organization %s after its overlap", id, orgID), err)
			}
			return true
		}
	}
	diags.AddWarning("The API token keeps working for its overlap",
		fmt.Sprintf("API token %s of organization %s was not revoked at once: it keeps working until %s (rotation.overlap), so that its consumers can switch to its replacement. "+
			"To revoke a token at once, set rotation.overlap to \"0s\" and apply before destroying it.", id, orgID, end.UTC().Format(time.RFC3339)))
	return true
}

// expiresAtFromRotation plans expires_at when the configuration leaves it out: with rotation, the
// existing token keeps its expiry (a new one's is known after apply); without, the token never expires,
// so an expiry in the state means a replacement, as it always did.
type expiresAtFromRotation struct{}

func (expiresAtFromRotation) Description(context.Context) string {
	return "Without rotation, an absent expires_at means a token that never expires; with rotation, the token's own expiry."
}

func (m expiresAtFromRotation) MarkdownDescription(ctx context.Context) string {
	return m.Description(ctx)
}

func (expiresAtFromRotation) PlanModifyString(ctx context.Context, req planmodifier.StringRequest, resp *planmodifier.StringResponse) {
	if !req.ConfigValue.IsNull() {
		return
	}
	var rotation types.Object
	resp.Diagnostics.Append(req.Plan.GetAttribute(ctx, path.Root("rotation"), &rotation)...)
	switch {
	case resp.Diagnostics.HasError():
	case rotation.IsNull():
		resp.PlanValue = types.StringNull()
	case rotation.IsUnknown() || req.State.Raw.IsNull():
		resp.PlanValue = types.StringUnknown()
	default:
		resp.PlanValue = req.StateValue
	}
}

// durationOrZero checks a Go duration string that may be 0s.
func durationOrZero() validator.String {
	return stringCheck{desc: "must be a duration such as 168h or 0s", check: func(s string) error {
		d, err := time.ParseDuration(s)
		switch {
		case err != nil:
			return fmt.Errorf("%q is not a duration; write a number with a unit, such as 168h", s)
		case d < 0:
			return fmt.Errorf("%q is negative", s)
		}
		return nil
	}}
}

// overlapDuration checks rotation.overlap: 0s, or at least a minute, since the server's time is known to
// the second only.
func overlapDuration() validator.String {
	return stringCheck{desc: "must be 0s or a duration of at least 1m, such as 1h", check: func(s string) error {
		d, err := time.ParseDuration(s)
		switch {
		case err != nil:
			return fmt.Errorf("%q is not a duration; write a number with a unit, such as 1h", s)
		case d != 0 && d < time.Minute:
			return fmt.Errorf("%q is neither 0s nor at least 1m", s)
		}
		return nil
	}}
}
