package provider

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/list"
	listschema "github.com/hashicorp/terraform-plugin-framework/list/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
	"github.com/orgs-dev/terraform-provider-orgs/internal/provider/domaintype"
)

// List resources (Terraform 1.14 and later: `list` blocks in .tfquery.hcl files and `terraform query`)
// find the objects that exist, so that `terraform query -generate-config-out` can write import blocks
// and configuration for them. There is one per resource type, all made by listResource from a table: the
// objects come from the same shared listings as every Read, and a result's state is what an import of
// the object followed by a Read would hold, so the generated configuration plans with no changes.

// listResourceUsage closes every list resource's description.
const listResourceUsage = "\n\nFor `list` blocks in `.tfquery.hcl` files, with Terraform 1.14 and later: `terraform query` shows what exists, and " +
	"`terraform query -generate-config-out=generated.tf` writes an import block and the configuration of each, which applies with no changes. " +
	"OpenTofu has no list resources: use the `orgs-onboard` program there (see the provider's page)."

// listResource is the list resource of one resource type, for objects of API type T and resource
// model M.
type listResource[T any, M any] struct {
	resourceBase
	typeName    string // after the provider's: "_member"
	description string
	// inOrganization says the objects live in an organization: the list block takes organization_id.
	inOrganization bool
	filters        []listFilter[T]
	all            func(ctx context.Context, d providerData, orgID string) ([]T, error)
	// state is the resource's state of an object, as import and Read would write it; noTimeouts is the
	// resource's timeouts block as an import leaves it (null).
	state    func(obj *T, noTimeouts timeouts.Value) M
	display  func(*T) string
	identity resourceIdentity
}

// listFilter is an optional argument of a list block that keeps only the objects whose field has the
// given value.
type listFilter[T any] struct {
	name        string
	description string
	values      []string
	field       func(*T) string
}

var (
	_ list.ListResource              = (*listResource[api.Member, memberModel])(nil)
	_ list.ListResourceWithConfigure = (*listResource[api.Member, memberModel])(nil)
)

func (l *listResource[T, M]) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + l.typeName
}

func (l *listResource[T, M]) ListResourceConfigSchema(_ context.Context, _ list.ListResourceSchemaRequest, resp *list.ListResourceSchemaResponse) {
	attrs := map[string]listschema.Attribute{}
	if l.inOrganization {
		attrs["organization_id"] = listschema.StringAttribute{
			MarkdownDescription: "The organization whose objects are listed." + organizationIDDefaultNote,
			Optional:            true,
			Validators:          []validator.String{stringvalidator.UTF8LengthAtLeast(1)},
		}
	}
	for _, f := range l.filters {
		attrs[f.name] = listschema.StringAttribute{
			MarkdownDescription: f.description + ": " + markdownList(f.values) + ". Lists all when left out.",
			Optional:            true,
			Validators:          []validator.String{stringvalidator.OneOf(f.values...)},
		}
	}
	resp.Schema = listschema.Schema{MarkdownDescription: l.description + listResourceUsage, Attributes: attrs}
}

func (l *listResource[T, M]) List(ctx context.Context, req list.ListRequest, stream *list.ListResultsStream) {
	orgID := ""
	if l.inOrganization {
		var v types.String
		diags := req.Config.GetAttribute(ctx, path.Root("organization_id"), &v)
		if !diags.HasError() {
			orgID = l.organizationID(v, &diags)
		}
		if diags.HasError() {
			stream.Results = list.ListResultsStreamDiagnostics(diags)
			return
		}
	}
	wanted, diags := wantedValues(ctx, req.Config, l.filters)
	if diags.HasError() {
		stream.Results = list.ListResultsStreamDiagnostics(diags)
		return
	}

	objects, err := l.all(ctx, l.providerData, orgID)
	if err != nil {
		what := "list " + strings.TrimPrefix(l.typeName, "_") + "s"
		if orgID != "" {
			what += " of organization " + orgID
		}
		stream.Results = list.ListResultsStreamDiagnostics(diagsOf(apiErrorDiagnostic(what, err)))
		return
	}

	stream.Results = func(push func(list.ListResult) bool) {
		sent := int64(0)
		for i := range objects {
			obj := &objects[i]
			if !filtersMatch(l.filters, obj, wanted) {
				continue
			}
			if req.Limit > 0 && sent >= req.Limit {
				return
			}
			sent++
			if !push(l.result(ctx, req, obj)) {
				return
			}
		}
	}
}

// result is one object as the CLI wants it: its identity, a name for people, and, when asked for, the
// whole state.
func (l *listResource[T, M]) result(ctx context.Context, req list.ListRequest, obj *T) list.ListResult {
	result := req.NewListResult(ctx)
	result.DisplayName = l.display(obj)
	noTimeouts, diags := nullTimeouts(ctx, req.ResourceSchema)
	result.Diagnostics.Append(diags...)
	state := tfsdk.State{Schema: req.ResourceSchema, Raw: result.Resource.Raw.Copy()}
	result.Diagnostics.Append(state.Set(ctx, l.state(obj, noTimeouts))...)
	if result.Diagnostics.HasError() {
		return result
	}
	result.Diagnostics.Append(l.identity.set(ctx, state, result.Identity)...)
	if req.IncludeResource {
		result.Resource.Raw = state.Raw
	}
	return result
}

// nullTimeouts is a null timeouts block of the type the resource schema gives it.
func nullTimeouts(ctx context.Context, resourceSchema interface {
	TypeAtPath(context.Context, path.Path) (attr.Type, diag.Diagnostics)
},
) (timeouts.Value, diag.Diagnostics) {
	t, diags := resourceSchema.TypeAtPath(ctx, path.Root("timeouts"))
	if diags.HasError() {
		return timeouts.Value{}, diags
	}
	tt, ok := t.(timeouts.Type)
	if !ok {
		diags.AddError("Unexpected timeouts type", fmt.Sprintf("The resource's timeouts block is a %T. This is a bug in the provider; please report it.", t))
		return timeouts.Value{}, diags
	}
	return timeouts.Value{Object: types.ObjectNull(tt.AttrTypes)}, diags
}

// The filters of the list resources and of the data sources that read the same objects.
var (
	organizationPlanFilter = listFilter[api.Organization]{
		name: "plan", description: "Only organizations on this plan", values: stringsOf(api.Plans),
		field: func(o *api.Organization) string { return string(o.Plan) },
	}
	memberRoleFilter = listFilter[api.Member]{
		name: "role", description: "Only members with this role", values: stringsOf(api.Roles),
		field: func(m *api.Member) string { return string(m.Role) },
	}
	invitationStatusFilter = listFilter[api.Invitation]{
		name: "status", description: "Only invitations in this status", values: stringsOf(api.InvitationStatuses),
		field: func(i *api.Invitation) string { return string(i.Status) },
	}
	invitationRoleFilter = listFilter[api.Invitation]{
		name: "role", description: "Only invitations for this role", values: stringsOf(api.Roles),
		field: func(i *api.Invitation) string { return string(i.Role) },
	}
	apiTokenRoleFilter = listFilter[api.APIToken]{
		name: "role", description: "Only tokens with this role", values: stringsOf(api.TokenRoles),
		field: func(t *api.APIToken) string { return string(t.Role) },
	}
	apiTokenStatusFilter = listFilter[api.APIToken]{
		name: "status", description: "Only tokens that work (`active`) or that do not (`inactive`: expired, or their creator left)",
		values: []string{"active", "inactive"},
		field:  func(t *api.APIToken) string { return map[bool]string{true: "active", false: "inactive"}[t.Active] },
	}
	containerRegistryKindFilter = listFilter[api.ContainerRegistry]{
		name: "kind", description: "Only registries of this kind", values: stringsOf(api.RegistryKinds),
		field: func(r *api.ContainerRegistry) string { return string(r.Kind) },
	}
	domainStatusFilter = listFilter[api.Domain]{
		name: "status", description: "Only domains in this status", values: stringsOf(api.DomainStatuses),
		field: func(d *api.Domain) string { return string(d.Status) },
	}
	environmentStatusFilter = listFilter[api.Environment]{
		name: "status", description: "Only environments whose agent is in this state", values: stringsOf(environmentStatuses),
		field: func(e *api.Environment) string { return string(e.Status) },
	}
)

// environmentStatuses are the agent connection states an environment can be in.
var environmentStatuses = []api.EnvironmentStatus{api.EnvironmentConnected, api.EnvironmentDisconnected}

// ListResources are the list resources, one per resource type.
func listResources() []func() list.ListResource {
	return []func() list.ListResource{
		func() list.ListResource { return organizationListResource() },
		func() list.ListResource { return memberListResource() },
		func() list.ListResource { return invitationListResource() },
		func() list.ListResource { return apiTokenListResource() },
		func() list.ListResource { return containerRegistryListResource() },
		func() list.ListResource { return labelListResource() },
		func() list.ListResource { return environmentListResource() },
		func() list.ListResource { return domainListResource() },
		func() list.ListResource { return domainVerificationListResource() },
		func() list.ListResource { return teamListResource() },
		func() list.ListResource { return teamMemberListResource() },
		func() list.ListResource { return teamMembersListResource() },
		func() list.ListResource { return webhookListResource() },
		func() list.ListResource { return membersListResource() },
	}
}

func organizationListResource() *listResource[api.Organization, organizationResourceModel] {
	return &listResource[api.Organization, organizationResourceModel]{
		typeName:    "_organization",
		description: "Lists the organizations the provider's credential can see (an organization API token sees its own).",
		filters:     []listFilter[api.Organization]{organizationPlanFilter},
		all: func(ctx context.Context, d providerData, _ string) ([]api.Organization, error) {
			return d.client.ListOrganizations(ctx)
		},
		state: func(o *api.Organization, noTimeouts timeouts.Value) organizationResourceModel {
			return organizationResourceModel{organizationState(o), noTimeouts}
		},
		display:  func(o *api.Organization) string { return fmt.Sprintf("%s (%s)", o.Name, o.ID) },
		identity: organizationIdentity,
	}
}

func memberListResource() *listResource[api.Member, memberModel] {
	return &listResource[api.Member, memberModel]{
		typeName:       "_member",
		description:    "Lists the members of an organization.",
		inOrganization: true,
		filters:        []listFilter[api.Member]{memberRoleFilter},
		all: func(ctx context.Context, d providerData, orgID string) ([]api.Member, error) {
			members, err := d.listings.Members.All(ctx, orgID)
			if err != nil {
				return nil, err
			}
			return d.withEnvironmentSlugs(ctx, orgID, members)
		},
		state: func(m *api.Member, noTimeouts timeouts.Value) memberModel {
			return memberRefreshed(memberModel{Timeouts: noTimeouts}, m)
		},
		display:  func(m *api.Member) string { return fmt.Sprintf("%s (%s)", m.Email, m.Role) },
		identity: memberIdentity,
	}
}

func invitationListResource() *listResource[api.Invitation, invitationModel] {
	return &listResource[api.Invitation, invitationModel]{
		typeName:       "_invitation",
		description:    "Lists the invitations of an organization: pending, accepted and expired.",
		inOrganization: true,
		filters:        []listFilter[api.Invitation]{invitationStatusFilter, invitationRoleFilter},
		all: func(ctx context.Context, d providerData, orgID string) ([]api.Invitation, error) {
			return d.listings.Invitations.All(ctx, orgID)
		},
		state: func(i *api.Invitation, noTimeouts timeouts.Value) invitationModel {
			return invitationRefreshed(invitationModel{Timeouts: noTimeouts}, i)
		},
		display:  func(i *api.Invitation) string { return fmt.Sprintf("%s as %s (%s)", i.Email, i.Role, i.Status) },
		identity: invitationIdentity,
	}
}

func apiTokenListResource() *listResource[api.APIToken, apiTokenModel] {
	return &listResource[api.APIToken, apiTokenModel]{
		typeName:       "_api_token",
		description:    "Lists the API tokens of an organization. A token's secret is never listed: the API shows it only once, when the token is created.",
		inOrganization: true,
		filters:        []listFilter[api.APIToken]{apiTokenRoleFilter, apiTokenStatusFilter},
		all: func(ctx context.Context, d providerData, orgID string) ([]api.APIToken, error) {
			return d.listings.APITokens.All(ctx, orgID)
		},
		state: func(t *api.APIToken, noTimeouts timeouts.Value) apiTokenModel {
			m := apiTokenModel{Timeouts: noTimeouts}
			m.fill(t)
			return m
		},
		display:  func(t *api.APIToken) string { return fmt.Sprintf("%s (%s)", t.Name, t.Role) },
		identity: apiTokenIdentity,
	}
}

func containerRegistryListResource() *listResource[api.ContainerRegistry, containerRegistryModel] {
	return &listResource[api.ContainerRegistry, containerRegistryModel]{
		typeName:       "_container_registry",
		description:    "Lists the container registry credentials of an organization. Their secrets are never listed: the API does not return them.",
		inOrganization: true,
		filters:        []listFilter[api.ContainerRegistry]{containerRegistryKindFilter},
		all: func(ctx context.Context, d providerData, orgID string) ([]api.ContainerRegistry, error) {
			return d.listings.ContainerRegistries.All(ctx, orgID)
		},
		state: func(r *api.ContainerRegistry, noTimeouts timeouts.Value) containerRegistryModel {
			m := containerRegistryModel{Timeouts: noTimeouts}
			m.fill(r)
			return m
		},
		display:  func(r *api.ContainerRegistry) string { return fmt.Sprintf("%s (%s, %s)", r.Name, r.Kind, r.URL) },
		identity: containerRegistryIdentity,
	}
}

func labelListResource() *listResource[api.Label, labelModel] {
	return &listResource[api.Label, labelModel]{
		typeName:       "_label",
		description:    "Lists the labels of an organization.",
		inOrganization: true,
		all: func(ctx context.Context, d providerData, orgID string) ([]api.Label, error) {
			return d.listings.Labels.All(ctx, orgID)
		},
		state: func(l *api.Label, noTimeouts timeouts.Value) labelModel {
			m := labelModel{Timeouts: noTimeouts}
			m.fill(l)
			return m
		},
		display:  func(l *api.Label) string { return l.Key + "=" + l.Value },
		identity: labelIdentity,
	}
}

func environmentListResource() *listResource[api.Environment, environmentModel] {
	return &listResource[api.Environment, environmentModel]{
		typeName:       "_environment",
		description:    "Lists the environments of an organization, the default one included.",
		inOrganization: true,
		filters:        []listFilter[api.Environment]{environmentStatusFilter},
		all: func(ctx context.Context, d providerData, orgID string) ([]api.Environment, error) {
			return d.listings.Environments.All(ctx, orgID)
		},
		state:    environmentState,
		display:  func(e *api.Environment) string { return fmt.Sprintf("%s (%s, %s)", e.Name, e.Slug, e.Status) },
		identity: environmentIdentity,
	}
}

func domainListResource() *listResource[api.Domain, domainModel] {
	return &listResource[api.Domain, domainModel]{
		typeName:       "_domain",
		description:    "Lists the domains an organization claims, verified and pending.",
		inOrganization: true,
		filters:        []listFilter[api.Domain]{domainStatusFilter},
		all: func(ctx context.Context, d providerData, orgID string) ([]api.Domain, error) {
			return d.listings.Domains.All(ctx, orgID)
		},
		state: func(d *api.Domain, noTimeouts timeouts.Value) domainModel {
			return domainState(domaintype.NewNull(), d, noTimeouts)
		},
		display:  func(d *api.Domain) string { return fmt.Sprintf("%s (%s)", d.Domain, d.Status) },
		identity: domainIdentity,
	}
}

// domainVerificationListResource lists the verified domains: a pending one has no verification to
// import (an orgs_domain_verification of it would be created, waiting for the record).
func domainVerificationListResource() *listResource[api.Domain, domainVerificationModel] {
	return &listResource[api.Domain, domainVerificationModel]{
		typeName:       "_domain_verification",
		description:    "Lists the verified domains of an organization, as `orgs_domain_verification` has them. A pending domain is not listed: it has no verification yet.",
		inOrganization: true,
		all: func(ctx context.Context, d providerData, orgID string) ([]api.Domain, error) {
			all, err := d.listings.Domains.All(ctx, orgID)
			if err != nil {
				return nil, err
			}
			var verified []api.Domain
			for _, dom := range all {
				if dom.Status == api.DomainVerified {
					verified = append(verified, dom)
				}
			}
			return verified, nil
		},
		state: func(d *api.Domain, noTimeouts timeouts.Value) domainVerificationModel {
			return domainVerificationState(domaintype.NewNull(), d, noTimeouts)
		},
		display:  func(d *api.Domain) string { return d.Domain + " (verified)" },
		identity: domainVerificationIdentity,
	}
}
