package provider

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
	"github.com/orgs-dev/terraform-provider-orgs/internal/client"
	"github.com/orgs-dev/terraform-provider-orgs/internal/provider/domaintype"
)

// orgs_domain_verification is the step of an apply that waits for a claimed domain to be verified, as
// a certificate validation waits for a certificate. orgs_domain cannot wait itself: the DNS record that
// proves the domain is made from its outputs, so it can only exist after the claim.

var (
	_ resource.Resource                = (*domainVerificationResource)(nil)
	_ resource.ResourceWithConfigure   = (*domainVerificationResource)(nil)
	_ resource.ResourceWithImportState = (*domainVerificationResource)(nil)
	_ resource.ResourceWithIdentity    = (*domainVerificationResource)(nil)
	_ resource.ResourceWithModifyPlan  = (*domainVerificationResource)(nil)
)

// Waiting for a domain's record: the server is asked again after each pause, which doubles from the
// first to the longest. DNS changes take seconds to minutes to show; the default timeout leaves room
// for a resolver that remembers, for a while, that the record did not exist.
const (
	defaultVerificationTimeout = 30 * time.Minute
	verificationFirstPause     = time.Second
	verificationLongestPause   = 30 * time.Second
)

// NewDomainVerificationResource is the constructor the provider registers for orgs_domain_verification.
func NewDomainVerificationResource() resource.Resource { return &domainVerificationResource{} }

type domainVerificationResource struct {
	resourceBase
}

type domainVerificationModel struct {
	ID             types.String     `tfsdk:"id"`
	OrganizationID types.String     `tfsdk:"organization_id"`
	Domain         domaintype.Value `tfsdk:"domain"`
	VerifiedAt     types.String     `tfsdk:"verified_at"`
	Timeouts       timeouts.Value   `tfsdk:"timeouts"`
}

func (r *domainVerificationResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_domain_verification"
}

func (r *domainVerificationResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Waits, during an apply, until a domain claimed with `orgs_domain` is verified: the server has found the TXT record that proves it. " +
			"Make it depend on the DNS record, and make what needs the domain verified depend on it, such as the members who should join " +
			"through the domain at once (a member added while the domain is still pending must accept the membership first).\n\n" +
			fmt.Sprintf("Creating it asks the server to check the record, again and again with growing pauses (up to %s), until the domain is verified "+
				"or `timeouts.create` runs out (`%s` unless set). ", shortDuration(verificationLongestPause), shortDuration(defaultVerificationTimeout)) +
			"A refresh that finds the domain no longer verified (another organization " +
			"proved it, or the claim was removed and made again) removes this resource from the state, so the next plan waits again. " +
			"Destroying it changes nothing on the server: a verified domain stays verified until its `orgs_domain` is destroyed.\n\n" +
			"Import with `<organization_id>/<domain>` (a verified domain), or by identity (`organization_id` and `domain`) with OpenTofu or Terraform 1.12 and later.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "The id of the verified claim: the `id` of its `orgs_domain`.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"organization_id": organizationIDAttribute("The organization that claims the domain."),
			"domain": schema.StringAttribute{
				MarkdownDescription: "The domain to wait for, as claimed: `orgs_domain.<name>.domain`. " +
					"Spellings of the same domain (Unicode or ASCII form, any letter case) are no change; another domain replaces this resource.",
				Required:      true,
				CustomType:    domaintype.Type{},
				PlanModifiers: []planmodifier.String{domaintype.KeepStateString(), stringplanmodifier.RequiresReplace()},
			},
			"verified_at": schema.StringAttribute{
				MarkdownDescription: "When the domain was verified (RFC 3339).",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
		},
		Blocks: map[string]schema.Block{"timeouts": timeouts.Block(ctx, timeouts.Opts{
			Create: true,
			CreateDescription: fmt.Sprintf("How long to wait for the server to find the record, as a Go duration such as `10m`. Defaults to `%s`.",
				shortDuration(defaultVerificationTimeout)),
			Read: true,
			ReadDescription: fmt.Sprintf("How long a refresh may take, retries included, as a Go duration such as `30s` or `5m`. Defaults to `%s`.",
				shortDuration(defaultReadTimeout)),
		})},
	}
}

// domainVerificationIdentity is the domain's: a verification is found by what it verified.
var domainVerificationIdentity = resourceIdentity{
	kind: "domain verification",
	attrs: []identityAttribute{
		{name: "organization_id", description: "The id of the organization that claims the domain."},
		{name: "domain", description: "The verified domain, in its ASCII or Unicode form."},
	},
	importHelp: "A domain verification imports by `<organization_id>/<domain>`, once the domain is verified.",
	quoteKey:   true,
}

func (r *domainVerificationResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = domainVerificationIdentity.schema()
}

func (r *domainVerificationResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	r.planOrganizationID(ctx, req, resp)
}

func (r *domainVerificationResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan domainVerificationModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	limit, diags := plan.Timeouts.Create(ctx, defaultVerificationTimeout)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeoutCause(ctx, limit, timeoutExpired{op: opCreate, after: limit})
	defer cancel()
	orgID, domain := plan.OrganizationID.ValueString(), plan.Domain.ValueString()

	pause := verificationFirstPause
	var notYet error // the server's last answer that the record does not prove the domain yet
	for {
		d, err := r.client.VerifyDomain(ctx, orgID, domain)
		switch {
		case err == nil:
			resp.Diagnostics.Append(resp.State.Set(ctx, domainVerificationState(plan.Domain, d, plan.Timeouts))...)
			resp.Diagnostics.Append(domainVerificationIdentity.set(ctx, resp.State, resp.Identity)...)
			return
		case client.IsDomainNotVerified(err):
			notYet = err
		case ctx.Err() != nil && notYet != nil:
			// The time ran out during a check: what the checks before it found is the news.
			resp.Diagnostics.Append(notVerifiedInTime(ctx, domain, orgID, notYet))
			return
		default:
			d := apiErrorDiagnostic(fmt.Sprintf("verify domain %q of organization %s", domain, orgID), err)
			if client.IsNotFound(err) {
				d = withHint(d, "Claim the domain with orgs_domain first, and refer to it here (domain = orgs_domain.<name>.domain) so that the claim is made before.")
			}
			resp.Diagnostics.Append(d)
			return
		}
		select {
		case <-ctx.Done():
			resp.Diagnostics.Append(notVerifiedInTime(ctx, domain, orgID, notYet))
			return
		case <-time.After(pause):
		}
		pause = min(2*pause, verificationLongestPause)
	}
}

// notVerifiedInTime is the error of a wait that ended (ctx is done) before the domain was verified;
// notYet is the server's last answer, which names the record and what the lookup found.
func notVerifiedInTime(ctx context.Context, domain, orgID string, notYet error) diag.Diagnostic {
	var expired timeoutExpired
	if !errors.As(context.Cause(ctx), &expired) {
		// Interrupted: the CLI says so itself.
		return diag.NewAttributeErrorDiagnostic(path.Root("domain"), "Stopped waiting for domain verification",
			fmt.Sprintf("Stopped waiting for domain %q of organization %s to be verified (%s). The server's last answer: %s", domain, orgID, context.Cause(ctx), notYet))
	}
	return diag.NewAttributeErrorDiagnostic(path.Root("domain"), "Domain not verified in time",
		fmt.Sprintf("Domain %q of organization %s was not verified before %s. The server's last answer: %s\n\n"+
			"Publish the TXT record that the domain's orgs_domain names (verification_record_name holding verification_record_value), "+
			"and make this resource depend on it. If the record is published and DNS is slow to show it, raise timeouts.create. "+
			"The claim stays pending meanwhile, and the server keeps checking it by itself.",
			domain, orgID, expired, notYet))
}

func (r *domainVerificationResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state domainVerificationModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := withTimeout(ctx, state.Timeouts, opRead, &resp.Diagnostics)
	defer cancel()
	d, err := r.listings.Domains.Get(ctx, state.OrganizationID.ValueString(), state.Domain.ValueString())
	if err != nil {
		domainVerificationIdentity.removeIfNotFound(ctx, r.providerData, err, req, resp)
		return
	}
	if d.Status != api.DomainVerified {
		// Verification can be lost; like a vanished object, it is then planned again (and waited for).
		resp.Diagnostics.Append(domainVerificationIdentity.set(ctx, req.State, resp.Identity)...)
		resp.Diagnostics.AddWarning("Domain no longer verified",
			fmt.Sprintf("Domain %s of organization %s is %s now: another organization proved it, or its claim was removed and made again. "+
				"The verification was removed from the state; the next apply waits for the domain to be verified again.",
				d.Domain, d.OrganizationID, d.Status))
		resp.State.RemoveResource(ctx)
		return
	}
	domainVerificationIdentity.refreshed(ctx, r.providerData, state, domainVerificationState(state.Domain, d, state.Timeouts), resp)
}

// Update can only change the timeouts: every argument replaces the resource.
func (r *domainVerificationResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan domainVerificationModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
	resp.Diagnostics.Append(domainVerificationIdentity.set(ctx, resp.State, resp.Identity)...)
}

// Delete leaves the server as it is: the API cannot take a verification back, and it goes with the
// claim (orgs_domain).
func (r *domainVerificationResource) Delete(context.Context, resource.DeleteRequest, *resource.DeleteResponse) {
}

func (r *domainVerificationResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	domainVerificationIdentity.importState(ctx, req, resp)
}

// domainVerificationState is the state of a verified domain the server returned, keeping spelled (as
// domainState does).
func domainVerificationState(spelled domaintype.Value, d *api.Domain, t timeouts.Value) domainVerificationModel {
	claim := domainState(spelled, d, t)
	return domainVerificationModel{
		ID:             claim.ID,
		OrganizationID: claim.OrganizationID,
		Domain:         claim.Domain,
		VerifiedAt:     claim.VerifiedAt,
		Timeouts:       t,
	}
}
