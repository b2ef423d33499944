package provider

import (
	"context"
	"fmt"
	"strconv"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
	"github.com/orgs-dev/terraform-provider-orgs/internal/client"
	"github.com/orgs-dev/terraform-provider-orgs/internal/provider/domaintype"
)

var (
	_ resource.Resource                = (*domainResource)(nil)
	_ resource.ResourceWithConfigure   = (*domainResource)(nil)
	_ resource.ResourceWithImportState = (*domainResource)(nil)
	_ resource.ResourceWithIdentity    = (*domainResource)(nil)
	_ resource.ResourceWithModifyPlan  = (*domainResource)(nil)
)

// NewDomainResource is the constructor the provider registers for orgs_domain.
func NewDomainResource() resource.Resource { return &domainResource{} }

type domainResource struct {
	resourceBase
}

type domainModel struct {
	ID                      types.String     `tfsdk:"id"`
	OrganizationID          types.String     `tfsdk:"organization_id"`
	Domain                  domaintype.Value `tfsdk:"domain"`
	VerificationRecordName  types.String     `tfsdk:"verification_record_name"`
	VerificationRecordValue types.String     `tfsdk:"verification_record_value"`
	Status                  types.String     `tfsdk:"status"`
	VerifiedAt              types.String     `tfsdk:"verified_at"`
	CreatedAt               types.String     `tfsdk:"created_at"`
	Timeouts                timeouts.Value   `tfsdk:"timeouts"`
}

func (r *domainResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_domain"
}

// domainDescription is the resource's page: above all, how a claimed domain gets to verified.
var domainDescription = "An email domain the organization claims. Once the domain is verified, a user with a proven address in it " +
	"joins the organization at once when added with `orgs_member`, without having to accept first. Nothing else is granted by a domain, " +
	"and removing one demotes no one. A domain is verified for one organization at a time: when another organization proves it, " +
	"this claim goes back to `pending`. An organization may claim up to " + strconv.Itoa(api.MaxDomainsPerOrganization) + " domains.\n\n" +
	"**From `pending` to `verified`.** The claim names a DNS TXT record that proves the organization owns the domain: " +
	"publish `verification_record_value` at `verification_record_name`, by hand or with your DNS provider's resource fed from these attributes. Then:\n\n" +
	"- the server checks pending domains by itself (about once a minute), so a later refresh shows `status = \"verified\"`. " +
	"That is a change made outside Terraform, shown by the refresh, never a diff to apply;\n" +
	"- to have an apply wait until the domain is verified (before members who should join through it are added), " +
	"add an `orgs_domain_verification` that depends on the DNS record, and make those members depend on it.\n\n" +
	"Import with `<organization_id>/<domain>`, or by identity (`organization_id` and `domain`) with OpenTofu or Terraform 1.12 and later."

func (r *domainResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	stable := []planmodifier.String{stringplanmodifier.UseStateForUnknown()}
	resp.Schema = schema.Schema{
		MarkdownDescription: domainDescription,
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "The claim's id.",
				Computed:            true,
				PlanModifiers:       stable,
			},
			"organization_id": organizationIDAttribute("The organization that claims the domain."),
			"domain": schema.StringAttribute{
				MarkdownDescription: "The domain, such as `example.com`; an address is in it when it ends in `@` and the domain. " +
					"Its Unicode form (`bücher.example`) works as well as its ASCII form (`xn--bcher-kva.example`), the one the API returns; " +
					"spellings of the same domain, in either form and any letter case, are no change. Changing the domain replaces the claim.",
				Required:   true,
				CustomType: domaintype.Type{},
				// The comparison by domain must come first, so another spelling never reaches RequiresReplace.
				PlanModifiers: []planmodifier.String{domaintype.KeepStateString(), stringplanmodifier.RequiresReplace()},
			},
			"verification_record_name": schema.StringAttribute{
				MarkdownDescription: "The DNS name of the TXT record that proves the domain: `_orgs-verification.` and the domain in its ASCII form.",
				Computed:            true,
				PlanModifiers:       stable,
			},
			"verification_record_value": schema.StringAttribute{
				MarkdownDescription: "The value the TXT record must hold. Each claim has its own: claiming the domain again (after the claim was removed) gives a new one.",
				Computed:            true,
				PlanModifiers:       stable,
			},
			"status": schema.StringAttribute{
				MarkdownDescription: "`pending` until the TXT record proves the domain, then `verified`. " +
					"A refresh shows the change (the server checks pending domains itself); it never plans one.",
				Computed:      true,
				PlanModifiers: stable,
			},
			"verified_at": schema.StringAttribute{
				MarkdownDescription: "When the domain was verified (RFC 3339); null while it is `pending`.",
				Computed:            true,
				PlanModifiers:       stable,
			},
			"created_at": schema.StringAttribute{
				MarkdownDescription: "When the domain was claimed (RFC 3339).",
				Computed:            true,
				PlanModifiers:       stable,
			},
		},
		Blocks: map[string]schema.Block{"timeouts": timeoutsBlock(false)},
	}
}

// domainIdentity: the API addresses a domain by its organization and name. The name keeps the
// spelling first stored (see domainState), so the identity does not change with it.
var domainIdentity = resourceIdentity{
	kind:         "domain",
	activityType: "domain",
	activityIDs:  domainActivityIDs,
	attrs: []identityAttribute{
		{name: "organization_id", description: "The id of the organization that claims the domain."},
		{name: "domain", description: "The domain, in its ASCII or Unicode form."},
	},
	importHelp: "A domain imports by `<organization_id>/<domain>` (its ASCII or Unicode form).",
	quoteKey:   true,
}

func (r *domainResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = domainIdentity.schema()
}

func (r *domainResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	r.planOrganizationID(ctx, req, resp)
}

// Create claims the domain, then asks the server to check its record at once, so that a record
// already in place verifies the claim in the same apply. Since each claim's value is new, that is
// rare (the record usually follows from the claim's outputs, later in the apply); the check is best
// effort: the claim is made either way, and the server checks pending domains itself.
func (r *domainResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan domainModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := withTimeout(ctx, plan.Timeouts, opCreate, &resp.Diagnostics)
	defer cancel()
	orgID := plan.OrganizationID.ValueString()
	d, err := r.client.CreateDomain(ctx, orgID, api.DomainCreate{Domain: plan.Domain.ValueString()})
	if err != nil {
		addAPIError(&resp.Diagnostics, fmt.Sprintf("claim domain %q for organization %s", plan.Domain.ValueString(), orgID), err)
		return
	}
	if verified, err := r.client.VerifyDomain(ctx, orgID, d.Domain); err == nil {
		d = verified
	} else if !client.IsDomainNotVerified(err) {
		resp.Diagnostics.AddWarning("Domain claimed, not checked yet",
			fmt.Sprintf("Domain %s was claimed for organization %s, but asking the server to check its TXT record failed: %s\n\n"+
				"Nothing needs doing: the server checks pending domains itself, and a later refresh shows when the domain is verified.",
				d.Domain, orgID, err))
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, domainState(plan.Domain, d, plan.Timeouts))...)
	resp.Diagnostics.Append(domainIdentity.set(ctx, resp.State, resp.Identity)...)
}

func (r *domainResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state domainModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := withTimeout(ctx, state.Timeouts, opRead, &resp.Diagnostics)
	defer cancel()
	d, err := r.listings.Domains.Get(ctx, state.OrganizationID.ValueString(), state.Domain.ValueString())
	if err != nil {
		domainIdentity.removeIfNotFound(ctx, r.providerData, err, req, resp)
		return
	}
	domainIdentity.refreshed(ctx, r.providerData, state, domainState(state.Domain, d, state.Timeouts), resp)
}

// Update can only change the timeouts: every argument replaces the claim, and what the server changes
// (the status) is refreshed, never planned.
func (r *domainResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan domainModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
	resp.Diagnostics.Append(domainIdentity.set(ctx, resp.State, resp.Identity)...)
}

func (r *domainResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state domainModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := withTimeout(ctx, state.Timeouts, opDelete, &resp.Diagnostics)
	defer cancel()
	err := r.client.DeleteDomain(ctx, state.OrganizationID.ValueString(), state.Domain.ValueString())
	if err != nil && !client.IsNotFound(err) {
		addAPIError(&resp.Diagnostics, fmt.Sprintf("remove domain %q of organization %s", state.Domain.ValueString(), state.OrganizationID.ValueString()), err)
	}
}

func (r *domainResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	domainIdentity.importState(ctx, req, resp)
}

// domainState is the state of a domain the server returned. It keeps spelled, the plan's or the
// state's spelling of the domain, when that names the same domain (the server answers in the ASCII
// form); otherwise, and when spelled is unknown or null (a list result), the server's.
func domainState(spelled domaintype.Value, d *api.Domain, t timeouts.Value) domainModel {
	name := domaintype.NewValue(d.Domain)
	if !spelled.IsNull() && !spelled.IsUnknown() && domaintype.Equivalent(spelled.ValueString(), d.Domain) {
		name = spelled
	}
	return domainModel{
		ID:                      types.StringValue(d.ID),
		OrganizationID:          types.StringValue(d.OrganizationID),
		Domain:                  name,
		VerificationRecordName:  types.StringValue(d.VerificationRecordName),
		VerificationRecordValue: types.StringValue(d.VerificationRecordValue),
		Status:                  types.StringValue(string(d.Status)),
		VerifiedAt:              domainVerifiedAt(d),
		CreatedAt:               timeValue(d.CreatedAt),
		Timeouts:                t,
	}
}

// domainVerifiedAt is when d was verified, or null while it is pending.
func domainVerifiedAt(d *api.Domain) types.String {
	if d.VerifiedAt == nil {
		return types.StringNull()
	}
	return timeValue(*d.VerifiedAt)
}
