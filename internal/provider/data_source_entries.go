package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
	"github.com/orgs-dev/terraform-provider-orgs/internal/provider/emailtype"
)

// The read-only data sources, made from the generic types in data_sources.go. Each API type's
// attributes are listed once (the ...Items tables), with the names and shapes of its resource's
// attributes, minus every secret: a data source never holds one.

// readDataSources are the data sources built from the tables below.
func readDataSources() []func() datasource.DataSource {
	return []func() datasource.DataSource{
		func() datasource.DataSource { return organizationsDataSource() },
		func() datasource.DataSource { return currentUserDataSource() },
		func() datasource.DataSource { return memberDataSource() },
		func() datasource.DataSource { return membersDataSource() },
		func() datasource.DataSource { return invitationsDataSource() },
		func() datasource.DataSource { return apiTokensDataSource() },
		func() datasource.DataSource { return containerRegistriesDataSource() },
		func() datasource.DataSource { return labelsDataSource() },
		func() datasource.DataSource { return environmentsDataSource() },
		func() datasource.DataSource { return domainsDataSource() },
		func() datasource.DataSource { return teamDataSource() },
		func() datasource.DataSource { return teamsDataSource() },
		func() datasource.DataSource { return webhookDataSource() },
		func() datasource.DataSource { return webhooksDataSource() },
	}
}

// ---- Organizations ----

var organizationItems = []itemAttr[api.Organization]{
	stringItem("id", "The organization's id.", func(o *api.Organization) string { return o.ID }),
	stringItem("name", "The organization's display name.", func(o *api.Organization) string { return o.Name }),
	stringItem("description", "A free-text description; `\"\"` for none.", func(o *api.Organization) string { return o.Description }),
	stringItem("website", "The organization's website; `\"\"` for none.", func(o *api.Organization) string { return o.Website }),
	valueItem("admin_contact_emails",
		schema.ListAttribute{MarkdownDescription: orgDescEmails, Computed: true, ElementType: emailtype.Type{}},
		func(o *api.Organization) attr.Value { return organizationState(o).AdminContactEmails }),
	stringItem("plan", "The subscription plan: "+markdownList(api.Plans)+".", func(o *api.Organization) string { return string(o.Plan) }),
	valueItem("settings",
		schema.SingleNestedAttribute{
			MarkdownDescription: "Organization settings.",
			Computed:            true,
			Attributes: map[string]schema.Attribute{
				"artifacts_storage_limit_gb": schema.Int64Attribute{MarkdownDescription: "Artifacts storage limit in GB.", Computed: true},
				"ai_hints_enabled":           schema.BoolAttribute{MarkdownDescription: "Whether AI hints are shown.", Computed: true},
				"mask_webhook_urls":          schema.BoolAttribute{MarkdownDescription: "Whether webhook URLs are masked in the UI and logs.", Computed: true},
			},
		},
		func(o *api.Organization) attr.Value { return settingsObject(o.Settings) }),
	nullableStringItem("created_at", orgDescCreatedAt, func(o *api.Organization) types.String { return timeValue(o.CreatedAt) }),
}

func organizationsDataSource() *collectionDataSource[api.Organization] {
	return &collectionDataSource[api.Organization]{
		typeName: "_organizations",
		description: "The organizations the provider's credential can see: every organization a personal token's user belongs to, " +
			"or an organization API token's own. To look up one by name or id, use the `orgs_organization` data source.",
		attribute: "organizations",
		noun:      "organization",
		plural:    "organizations",
		itemsDoc:  "The organizations, in the order the API lists them (oldest first).",
		filters:   []listFilter[api.Organization]{organizationPlanFilter},
		items:     organizationItems,
		all: func(ctx context.Context, d providerData, _ string) ([]api.Organization, error) {
			return d.client.ListOrganizations(ctx)
		},
	}
}

// ---- The current user ----

func currentUserDataSource() *objectDataSource[api.User] {
	return &objectDataSource[api.User]{
		typeName: "_current_user",
		description: "The user the provider's personal access token acts as. An organization API token acts as no user: " +
			"the server refuses this read with one.",
		noun: "current user",
		items: []itemAttr[api.User]{
			stringItem("id", "The user's id; activity entries (`orgs_activity`) name it as `actor_id`.", func(u *api.User) string { return u.ID }),
			valueItem("email", schema.StringAttribute{MarkdownDescription: "The user's email address.", Computed: true, CustomType: emailtype.Type{}},
				func(u *api.User) attr.Value { return emailtype.NewValue(u.Email) }),
			stringItem("name", "The user's name; `\"\"` when they gave none.", func(u *api.User) string { return u.Name }),
			nullableStringItem("created_at", "When the user signed up (RFC 3339).", func(u *api.User) types.String { return timeValue(u.CreatedAt) }),
		},
		read: func(ctx context.Context, d providerData, _, _ string) (*api.User, error) {
			return d.client.CurrentUser(ctx)
		},
	}
}

// ---- Members ----

var memberItems = []itemAttr[api.Member]{
	stringItem("id", "`<organization_id>/<email>`, as `orgs_member` has it.", func(m *api.Member) string { return m.OrganizationID + "/" + m.Email }),
	valueItem("email", schema.StringAttribute{MarkdownDescription: "The member's email address.", Computed: true, CustomType: emailtype.Type{}},
		func(m *api.Member) attr.Value { return emailtype.NewValue(m.Email) }),
	stringItem("role", "The member's role: "+markdownList(api.Roles)+".", func(m *api.Member) string { return string(m.Role) }),
	valueItem("environment_roles",
		schema.MapAttribute{
			MarkdownDescription: "What the member may do in each environment: environment id to " + markdownList(api.EnvironmentRoles) + ".",
			Computed:            true,
			ElementType:         types.StringType,
		},
		func(m *api.Member) attr.Value { return memberRefreshed(memberModel{}, m).EnvironmentRoles }),
	stringItem("user_id", "The id of the member's user.", func(m *api.Member) string { return m.UserID }),
	stringItem("status", "`active`, or `pending` until the user accepts a membership someone else added.", func(m *api.Member) string { return string(m.Status) }),
	stringItem("name", "The user's name; `\"\"` when they gave none.", func(m *api.Member) string { return m.Name }),
	nullableStringItem("created_at", "When the user became a member (RFC 3339).", func(m *api.Member) types.String { return timeValue(m.CreatedAt) }),
}

func memberDataSource() *objectDataSource[api.Member] {
	return &objectDataSource[api.Member]{
		typeName:       "_member",
		description:    "One member of an organization, found by email address. Reading a user who is not a member fails.",
		inOrganization: true,
		orgDescription: "The organization the member belongs to.",
		key:            "email",
		keyArg: schema.StringAttribute{
			MarkdownDescription: "The member's email address, compared regardless of letter case; it keeps the spelling given here.",
			Required:            true,
			CustomType:          emailtype.Type{},
		},
		noun:  "member",
		items: memberItems,
		read: func(ctx context.Context, d providerData, orgID, email string) (*api.Member, error) {
			return d.listings.Members.Get(ctx, orgID, email)
		},
	}
}

func membersDataSource() *collectionDataSource[api.Member] {
	return &collectionDataSource[api.Member]{
		typeName:       "_members",
		description:    "The members of an organization, optionally only those with one role.",
		inOrganization: true,
		orgDescription: "The organization whose members to read.",
		attribute:      "members",
		noun:           "member",
		plural:         "members",
		itemsDoc:       "The members, in the order the API lists them (oldest membership first).",
		filters:        []listFilter[api.Member]{memberRoleFilter},
		items:          memberItems,
		all: func(ctx context.Context, d providerData, orgID string) ([]api.Member, error) {
			return d.listings.Members.All(ctx, orgID)
		},
	}
}

// ---- Invitations ----

func invitationsDataSource() *collectionDataSource[api.Invitation] {
	return &collectionDataSource[api.Invitation]{
		typeName: "_invitations",
		description: "The invitations of an organization (pending, accepted and expired), optionally only those in one status or for one role. " +
			"An invitation's acceptance code is never read: the server only emails it.",
		inOrganization: true,
		orgDescription: "The organization whose invitations to read.",
		attribute:      "invitations",
		noun:           "invitation",
		plural:         "invitations",
		itemsDoc:       "The invitations, in the order the API lists them (oldest first).",
		filters:        []listFilter[api.Invitation]{invitationStatusFilter, invitationRoleFilter},
		items: []itemAttr[api.Invitation]{
			stringItem("id", "The invitation's id.", func(i *api.Invitation) string { return i.ID }),
			valueItem("email", schema.StringAttribute{MarkdownDescription: "The invitee's email address.", Computed: true, CustomType: emailtype.Type{}},
				func(i *api.Invitation) attr.Value { return emailtype.NewValue(i.Email) }),
			stringItem("role", "The role the invitee gets on accepting: "+markdownList(api.Roles)+".", func(i *api.Invitation) string { return string(i.Role) }),
			stringItem("status", "Where the invitation stands: "+markdownList(api.InvitationStatuses)+".", func(i *api.Invitation) string { return string(i.Status) }),
			stringItem("invited_by", "The id of the user who sent the invitation.", func(i *api.Invitation) string { return i.InvitedBy }),
			nullableStringItem("expires_at", "When the invitation stops being acceptable (RFC 3339).", func(i *api.Invitation) types.String { return timeValue(i.ExpiresAt) }),
			nullableStringItem("created_at", "When the invitation was created (RFC 3339).", func(i *api.Invitation) types.String { return timeValue(i.CreatedAt) }),
			nullableStringItem("accepted_at", "When the invitee accepted (RFC 3339); null until then.", func(i *api.Invitation) types.String {
				if i.AcceptedAt == nil {
					return types.StringNull()
				}
				return timeValue(*i.AcceptedAt)
			}),
		},
		all: func(ctx context.Context, d providerData, orgID string) ([]api.Invitation, error) {
			return d.listings.Invitations.All(ctx, orgID)
		},
	}
}

// ---- API tokens ----

func apiTokensDataSource() *collectionDataSource[api.APIToken] {
	return &collectionDataSource[api.APIToken]{
		typeName: "_api_tokens",
		description: "The API tokens of an organization, optionally only those with one role or status. " +
			"A token's secret is never read: the API shows it only once, to whoever creates the token.",
		inOrganization: true,
		orgDescription: "The organization whose API tokens to read.",
		attribute:      "api_tokens",
		noun:           "API token",
		plural:         "API tokens",
		itemsDoc:       "The tokens, in the order the API lists them (oldest first). None holds its secret.",
		filters:        []listFilter[api.APIToken]{apiTokenRoleFilter, apiTokenStatusFilter},
		items: []itemAttr[api.APIToken]{
			stringItem("id", "The token's id (not its secret).", func(t *api.APIToken) string { return t.ID }),
			stringItem("name", "What the token is for.", func(t *api.APIToken) string { return t.Name }),
			stringItem("role", "The role the token acts with: "+markdownList(api.TokenRoles)+".", func(t *api.APIToken) string { return string(t.Role) }),
			nullableStringItem("expires_at", "When the token stops working (RFC 3339); null when it never does.", func(t *api.APIToken) types.String {
				var m apiTokenModel
				m.fill(t)
				return m.ExpiresAt
			}),
			nullableStringItem("created_at", "When the token was created (RFC 3339).", func(t *api.APIToken) types.String { return timeValue(t.CreatedAt) }),
			stringItem("created_by", "The id of the user who created the token.", func(t *api.APIToken) string { return t.CreatedBy }),
			boolItem("active", "Whether the token works now: false after it expires, or while its creator is not a member.", func(t *api.APIToken) bool { return t.Active }),
			nullableStringItem("last_used_at", "When the token last authenticated a request (RFC 3339), up to a minute behind; null if never.", func(t *api.APIToken) types.String {
				if t.LastUsedAt == nil {
					return types.StringNull()
				}
				return timeValue(*t.LastUsedAt)
			}),
		},
		all: func(ctx context.Context, d providerData, orgID string) ([]api.APIToken, error) {
			return d.listings.APITokens.All(ctx, orgID)
		},
	}
}

// ---- Container registries ----

func containerRegistriesDataSource() *collectionDataSource[api.ContainerRegistry] {
	return &collectionDataSource[api.ContainerRegistry]{
		typeName: "_container_registries",
		description: "The container registry credentials of an organization, optionally only those of one kind. " +
			"Their secrets (`password`, `secret_access_key`) are never read: the API does not return them.",
		inOrganization: true,
		orgDescription: "The organization whose container registries to read.",
		attribute:      "container_registries",
		noun:           "container registry",
		plural:         "container registries",
		itemsDoc:       "The registries, in the order the API lists them (oldest first). None holds a secret.",
		filters:        []listFilter[api.ContainerRegistry]{containerRegistryKindFilter},
		items: []itemAttr[api.ContainerRegistry]{
			stringItem("id", "The registry's id.", func(r *api.ContainerRegistry) string { return r.ID }),
			stringItem("name", "The registry's name.", func(r *api.ContainerRegistry) string { return r.Name }),
			stringItem("kind", "The kind of registry: "+markdownList(api.RegistryKinds)+".", func(r *api.ContainerRegistry) string { return string(r.Kind) }),
			stringItem("url", "The registry's address.", func(r *api.ContainerRegistry) string { return r.URL }),
			stringItem("description", "What the registry is for; `\"\"` for nothing.", func(r *api.ContainerRegistry) string { return r.Description }),
			nullableStringItem("username", "The user name it logs in with; null for kind `ecr`.", func(r *api.ContainerRegistry) types.String { return optionalString(r.Username) }),
			nullableStringItem("access_key_id", "The access key id; null for every kind but `ecr`.", func(r *api.ContainerRegistry) types.String { return optionalString(r.AccessKeyID) }),
		},
		all: func(ctx context.Context, d providerData, orgID string) ([]api.ContainerRegistry, error) {
			return d.listings.ContainerRegistries.All(ctx, orgID)
		},
	}
}

// ---- Labels ----

func labelsDataSource() *collectionDataSource[api.Label] {
	return &collectionDataSource[api.Label]{
		typeName:       "_labels",
		description:    "The labels of an organization.",
		inOrganization: true,
		orgDescription: "The organization whose labels to read.",
		attribute:      "labels",
		noun:           "label",
		plural:         "labels",
		itemsDoc:       "The labels, in the order the API lists them (oldest first).",
		items: []itemAttr[api.Label]{
			stringItem("id", "`<organization_id>/<key>`, as `orgs_label` has it.", func(l *api.Label) string { return labelID(l.OrganizationID, l.Key) }),
			stringItem("key", "The label key.", func(l *api.Label) string { return l.Key }),
			stringItem("value", "The label value; may be `\"\"`.", func(l *api.Label) string { return l.Value }),
			boolItem("propagate_to_cloud_provider", "Whether the platform copies the label onto the resources it creates at the cloud provider.",
				func(l *api.Label) bool { return l.PropagateToCloudProvider }),
		},
		all: func(ctx context.Context, d providerData, orgID string) ([]api.Label, error) {
			return d.listings.Labels.All(ctx, orgID)
		},
	}
}

// ---- Environments ----

var environmentItems = []itemAttr[api.Environment]{
	stringItem("id", "The environment's id.", func(e *api.Environment) string { return e.ID }),
	stringItem("name", "The environment's name.", func(e *api.Environment) string { return e.Name }),
	stringItem("slug", "The environment's slug, unique in the organization.", func(e *api.Environment) string { return e.Slug }),
	stringItem("status", "The agent's connection: `connected` (healthy) or `disconnected` (needs debugging).", func(e *api.Environment) string { return string(e.Status) }),
	boolItem("default", "Whether this is the environment the organization was created with.", func(e *api.Environment) bool { return e.Default }),
}

func environmentsDataSource() *collectionDataSource[api.Environment] {
	return &collectionDataSource[api.Environment]{
		typeName: "_environments",
		description: "The environments of an organization: where the platform's agents run. Every new organization starts with a default one; " +
			"more are made with the `orgs_environment` resource. Use their ids in `orgs_member.environment_roles`.",
		inOrganization: true,
		orgDescription: "The organization whose environments to list.",
		attribute:      "environments",
		noun:           "environment",
		plural:         "environments",
		itemsDoc:       "Every environment of the organization (or those with the given `status`), in the order the API lists them.",
		filters:        []listFilter[api.Environment]{environmentStatusFilter},
		items:          environmentItems,
		all: func(ctx context.Context, d providerData, orgID string) ([]api.Environment, error) {
			return d.listings.Environments.All(ctx, orgID)
		},
	}
}

// ---- Domains ----

func domainsDataSource() *collectionDataSource[api.Domain] {
	return &collectionDataSource[api.Domain]{
		typeName: "_domains",
		description: "The domains an organization claims, verified and pending, optionally only those in one status, " +
			"with the TXT record that proves each. Claim one with the `orgs_domain` resource.",
		inOrganization: true,
		orgDescription: "The organization whose domains to read.",
		attribute:      "domains",
		noun:           "domain",
		plural:         "domains",
		itemsDoc:       "The domains, in the order the API lists them (oldest claim first).",
		filters:        []listFilter[api.Domain]{domainStatusFilter},
		items: []itemAttr[api.Domain]{
			stringItem("id", "The claim's id, as `orgs_domain` has it.", func(d *api.Domain) string { return d.ID }),
			stringItem("domain", "The domain, in its ASCII form.", func(d *api.Domain) string { return d.Domain }),
			stringItem("status", "`pending` until the TXT record proves the domain, then `verified`.", func(d *api.Domain) string { return string(d.Status) }),
			stringItem("verification_record_name", "The DNS name of the TXT record that proves the domain.", func(d *api.Domain) string { return d.VerificationRecordName }),
			stringItem("verification_record_value", "The value the TXT record must hold.", func(d *api.Domain) string { return d.VerificationRecordValue }),
			nullableStringItem("verified_at", "When the domain was verified (RFC 3339); null while it is `pending`.", domainVerifiedAt),
			nullableStringItem("created_at", "When the domain was claimed (RFC 3339).", func(d *api.Domain) types.String { return timeValue(d.CreatedAt) }),
		},
		all: func(ctx context.Context, d providerData, orgID string) ([]api.Domain, error) {
			return d.listings.Domains.All(ctx, orgID)
		},
	}
}
