package provider_test

// Resource identity through the provider protocol, where the CLI cannot reach: state written before the
// provider had identities, and identities the CLI would never send.

import (
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/orgs-dev/terraform-provider-orgs/internal/acctest"
	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
)

// wantIdentities is the identity of every resource, as the product promises it.
var wantIdentities = map[string][]string{
	"orgs_organization":        {"id"},
	"orgs_member":              {"organization_id", "email"},
	"orgs_invitation":          {"organization_id", "id"},
	"orgs_api_token":           {"organization_id", "id"},
	"orgs_container_registry":  {"organization_id", "id"},
	"orgs_label":               {"organization_id", "key"},
	"orgs_environment":         {"organization_id", "id"},
	"orgs_domain":              {"organization_id", "domain"},
	"orgs_domain_verification": {"organization_id", "domain"},
	"orgs_team":                {"organization_id", "slug"},
	"orgs_team_member":         {"organization_id", "team_slug", "email"},
	"orgs_team_members":        {"organization_id", "team_slug"},
	"orgs_members":             {"organization_id"},
	"orgs_webhook":             {"organization_id", "id"},
}

// protoProvider is the provider over protocol 6, configured against env's server, with the schemas
// its messages are built and read with.
type protoProvider struct {
	server     tfprotov6.ProviderServer
	resources  map[string]*tfprotov6.Schema
	identities map[string]*tfprotov6.ResourceIdentitySchema
}

func newProtoProvider(t *testing.T, env *acctest.Env) *protoProvider {
	t.Helper()
	ctx := t.Context()
	server, err := acctest.ProtoV6ProviderFactories["orgs"]()
	if err != nil {
		t.Fatal(err)
	}
	schemas, err := server.GetProviderSchema(ctx, &tfprotov6.GetProviderSchemaRequest{})
	if err != nil {
		t.Fatal(err)
	}
	identities, err := server.GetResourceIdentitySchemas(ctx, &tfprotov6.GetResourceIdentitySchemasRequest{})
	if err != nil {
		t.Fatal(err)
	}
	noErrors(t, "get identity schemas", identities.Diagnostics)
	resp, err := server.ConfigureProvider(ctx, &tfprotov6.ConfigureProviderRequest{
		Config: objectValue(t, schemas.Provider.ValueType(), map[string]string{"endpoint": env.Endpoint, "token": env.Token}),
	})
	if err != nil {
		t.Fatal(err)
	}
	noErrors(t, "configure provider", resp.Diagnostics)
	return &protoProvider{server: server, resources: schemas.ResourceSchemas, identities: identities.IdentitySchemas}
}

// read refreshes a resource whose state holds only attrs and no identity, as state written by a
// provider without identities does. It returns the new state's string attributes (nil when the
// resource was removed) and the identity.
func (p *protoProvider) read(t *testing.T, typeName string, attrs map[string]string) (state, identity map[string]string) {
	t.Helper()
	resp, err := p.server.ReadResource(t.Context(), &tfprotov6.ReadResourceRequest{
		TypeName:     typeName,
		CurrentState: objectValue(t, p.resources[typeName].ValueType(), attrs),
	})
	if err != nil {
		t.Fatal(err)
	}
	noErrors(t, "read "+typeName, resp.Diagnostics)
	if resp.NewIdentity == nil {
		t.Fatalf("read %s returned no identity", typeName)
	}
	return stringAttrs(t, resp.NewState, p.resources[typeName].ValueType()),
		stringAttrs(t, resp.NewIdentity.IdentityData, p.identities[typeName].ValueType())
}

func (p *protoProvider) importState(t *testing.T, typeName, id string, identity map[string]string) *tfprotov6.ImportResourceStateResponse {
	t.Helper()
	req := &tfprotov6.ImportResourceStateRequest{TypeName: typeName, ID: id}
	if identity != nil {
		req.Identity = &tfprotov6.ResourceIdentityData{IdentityData: objectValue(t, p.identities[typeName].ValueType(), identity)}
	}
	resp, err := p.server.ImportResourceState(t.Context(), req)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

func TestIdentitySchemas(t *testing.T) {
	t.Parallel()
	p := newProtoProvider(t, acctest.New(t))
	if got := len(p.identities); got != len(wantIdentities) {
		t.Errorf("%d resources have an identity schema, want %d", got, len(wantIdentities))
	}
	for typeName, want := range wantIdentities {
		s := p.identities[typeName]
		if s == nil {
			t.Errorf("%s has no identity schema", typeName)
			continue
		}
		var got []string
		for _, a := range s.IdentityAttributes {
			got = append(got, a.Name)
			if !a.RequiredForImport || a.OptionalForImport {
				t.Errorf("%s identity attribute %s is not required for import", typeName, a.Name)
			}
			if !a.Type.Is(tftypes.String) {
				t.Errorf("%s identity attribute %s is a %s, want a string", typeName, a.Name, a.Type)
			}
			if a.Description == "" {
				t.Errorf("%s identity attribute %s has no description", typeName, a.Name)
			}
		}
		if !sameSet(got, want) {
			t.Errorf("%s identity has %v, want %v", typeName, got, want)
		}
	}
}

// TestIdentityReadWithoutPriorIdentity refreshes state that has no identity, as a provider version
// before identities wrote it: the identity is filled in, and an object that has since vanished is
// removed from state (to be created again) rather than failing the refresh, which the framework does
// when a Read answers without an identity.
func TestIdentityReadWithoutPriorIdentity(t *testing.T) {
	t.Parallel()
	env := acctest.New(t)
	p := newProtoProvider(t, env)
	ctx := t.Context()
	org := env.CreateOrganization(t, api.PlanStarter)
	inv, err := env.Client.CreateInvitation(ctx, org.ID, api.InvitationCreate{Email: "invitee@example.com", Role: api.RoleMember})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := env.Client.CreateAPIToken(ctx, org.ID, api.APITokenCreate{Name: "ci", Role: api.RoleMember})
	if err != nil {
		t.Fatal(err)
	}
	reg, err := env.Client.CreateContainerRegistry(ctx, org.ID, api.ContainerRegistryCreate{
		Name: "hub", Kind: api.RegistryDockerHub, URL: "https://registry-1.docker.io", Username: "u", Password: "p",
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := env.Client.CreateLabel(ctx, org.ID, api.LabelCreate{Key: "example.com/team"}); err != nil {
		t.Fatal(err)
	}
	// A public address: the server need not allow private targets. No event it subscribes to happens.
	hook, err := env.Client.CreateWebhook(ctx, org.ID, api.WebhookCreate{URL: "https://93.184.215.14/hook", Events: []string{"webhook.delete"}, Secret: "identity-secret-0123"})
	if err != nil {
		t.Fatal(err)
	}
	envs, err := env.Client.ListEnvironments(ctx, org.ID)
	if err != nil || len(envs) == 0 {
		t.Fatalf("the new organization's environments: %v, %v", envs, err)
	}
	domain, err := env.Client.CreateDomain(ctx, org.ID, api.DomainCreate{Domain: "example.com"})
	if err != nil {
		t.Fatal(err)
	}
	env.DNS.SetTXT(domain.VerificationRecordName, domain.VerificationRecordValue)
	if _, err := env.Client.VerifyDomain(ctx, org.ID, domain.Domain); err != nil {
		t.Fatal(err)
	}
	team, err := env.Client.CreateTeam(ctx, org.ID, api.TeamCreate{Name: "SRE"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := env.Client.AddTeamMember(ctx, org.ID, team.Slug, api.TeamMemberCreate{Email: env.OwnerEmail}); err != nil {
		t.Fatal(err)
	}
	// A vanished organization is a deleted one: an id the credential cannot see is not a deletion.
	deleted := env.CreateOrganization(t, api.PlanHobby)
	if err := env.Client.DeleteOrganization(ctx, deleted.ID); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		typeName string
		existing map[string]string // the identifying attributes of an object on the server
		vanished map[string]string // ... of one that is not
	}{
		{"orgs_organization", map[string]string{"id": org.ID}, map[string]string{"id": deleted.ID}},
		{
			"orgs_member",
			// Spelled in another case than the server has it: the identity keeps the state's spelling,
			// so it does not change under an unchanged object.
			map[string]string{"organization_id": org.ID, "email": strings.ToUpper(env.OwnerEmail)},
			map[string]string{"organization_id": org.ID, "email": "nobody@example.com"},
		},
		{"orgs_invitation", map[string]string{"organization_id": org.ID, "id": inv.ID}, map[string]string{"organization_id": org.ID, "id": "inv_vanished"}},
		{"orgs_api_token", map[string]string{"organization_id": org.ID, "id": tok.ID}, map[string]string{"organization_id": org.ID, "id": "tok_vanished"}},
		{"orgs_container_registry", map[string]string{"organization_id": org.ID, "id": reg.ID}, map[string]string{"organization_id": org.ID, "id": "reg_vanished"}},
		{"orgs_label", map[string]string{"organization_id": org.ID, "key": "example.com/team"}, map[string]string{"organization_id": org.ID, "key": "vanished"}},
		{"orgs_environment", map[string]string{"organization_id": org.ID, "id": envs[0].ID}, map[string]string{"organization_id": org.ID, "id": "env_vanished"}},
		{"orgs_webhook", map[string]string{"organization_id": org.ID, "id": hook.ID}, map[string]string{"organization_id": org.ID, "id": "wh_vanished"}},
		{
			"orgs_domain",
			// Spelled in another case than the server has it, as for a member.
			map[string]string{"organization_id": org.ID, "domain": "Example.COM"},
			map[string]string{"organization_id": org.ID, "domain": "vanished.example"},
		},
		{
			"orgs_domain_verification",
			map[string]string{"organization_id": org.ID, "domain": "example.com"},
			map[string]string{"organization_id": org.ID, "domain": "vanished.example"},
		},
		{"orgs_members", map[string]string{"organization_id": org.ID}, map[string]string{"organization_id": deleted.ID}},
		{"orgs_team", map[string]string{"organization_id": org.ID, "slug": team.Slug}, map[string]string{"organization_id": org.ID, "slug": "vanished"}},
		{
			"orgs_team_member",
			// Spelled in another case than the server has it, as for a member.
			map[string]string{"organization_id": org.ID, "team_slug": team.Slug, "email": strings.ToUpper(env.OwnerEmail)},
			map[string]string{"organization_id": org.ID, "team_slug": team.Slug, "email": "nobody@example.com"},
		},
		{
			"orgs_team_members",
			map[string]string{"organization_id": org.ID, "team_slug": team.Slug},
			map[string]string{"organization_id": org.ID, "team_slug": "vanished"},
		},
	} {
		t.Run(tc.typeName, func(t *testing.T) {
			state, identity := p.read(t, tc.typeName, tc.existing)
			if state == nil {
				t.Fatalf("existing object removed from state")
			}
			for name, v := range tc.existing {
				if state[name] != v {
					t.Errorf("state %s = %q after read, want %q", name, state[name], v)
				}
			}
			if !maps.Equal(identity, tc.existing) {
				t.Errorf("identity after read: %v, want %v", identity, tc.existing)
			}

			state, identity = p.read(t, tc.typeName, tc.vanished)
			if state != nil {
				t.Errorf("vanished object kept in state: %v", state)
			}
			if !maps.Equal(identity, tc.vanished) {
				t.Errorf("identity with the removal: %v, want %v", identity, tc.vanished)
			}
		})
	}
}

// TestIdentityImport covers what an import hands Read: the identifying attributes and the identity,
// from either form, and a refusal of an identity with an empty value (which would address the API's
// collection instead of one object).
func TestIdentityImport(t *testing.T) {
	t.Parallel()
	p := newProtoProvider(t, acctest.New(t))
	want := map[string]string{"organization_id": "org_1", "key": "example.com/team"}
	for _, tc := range []struct {
		name     string
		id       string
		identity map[string]string
	}{
		{name: "by ID", id: "org_1/example.com/team"},
		{name: "by identity", identity: want},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp := p.importState(t, "orgs_label", tc.id, tc.identity)
			noErrors(t, "import", resp.Diagnostics)
			if len(resp.ImportedResources) != 1 {
				t.Fatalf("imported %d resources, want 1", len(resp.ImportedResources))
			}
			imported := resp.ImportedResources[0]
			state := stringAttrs(t, imported.State, p.resources["orgs_label"].ValueType())
			if state["organization_id"] != want["organization_id"] || state["key"] != want["key"] {
				t.Errorf("imported state %v, want organization_id and key of %v", state, want)
			}
			if imported.Identity == nil {
				t.Fatal("import returned no identity")
			}
			if got := stringAttrs(t, imported.Identity.IdentityData, p.identities["orgs_label"].ValueType()); !maps.Equal(got, want) {
				t.Errorf("imported identity %v, want %v", got, want)
			}
		})
	}

	resp := p.importState(t, "orgs_label", "", map[string]string{"organization_id": "org_1", "key": ""})
	if !hasError(resp.Diagnostics, "must give key a non-empty value") {
		t.Errorf("an identity with an empty key was not refused by name: %s", diagsString(resp.Diagnostics))
	}
}

// objectValue is a value of the object type typ with these string attributes, every other one null.
func objectValue(t *testing.T, typ tftypes.Type, attrs map[string]string) *tfprotov6.DynamicValue {
	t.Helper()
	objectType, ok := typ.(tftypes.Object)
	if !ok {
		t.Fatalf("%s is not an object type", typ)
	}
	values := map[string]tftypes.Value{}
	for name, at := range objectType.AttributeTypes {
		values[name] = tftypes.NewValue(at, nil)
	}
	for name, v := range attrs {
		at, ok := objectType.AttributeTypes[name]
		if !ok {
			t.Fatalf("no attribute %q in %s", name, typ)
		}
		values[name] = tftypes.NewValue(at, v)
	}
	dv, err := tfprotov6.NewDynamicValue(objectType, tftypes.NewValue(objectType, values))
	if err != nil {
		t.Fatal(err)
	}
	return &dv
}

// stringAttrs decodes an object of type typ into its non-null string attributes; a null object is nil.
func stringAttrs(t *testing.T, dv *tfprotov6.DynamicValue, typ tftypes.Type) map[string]string {
	t.Helper()
	if dv == nil {
		t.Fatal("no value")
	}
	v, err := dv.Unmarshal(typ)
	if err != nil {
		t.Fatal(err)
	}
	if v.IsNull() {
		return nil
	}
	var attrs map[string]tftypes.Value
	if err := v.As(&attrs); err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for name, a := range attrs {
		if !a.Type().Is(tftypes.String) || a.IsNull() || !a.IsKnown() {
			continue
		}
		var s string
		if err := a.As(&s); err != nil {
			t.Fatal(err)
		}
		out[name] = s
	}
	return out
}

func noErrors(t *testing.T, action string, diags []*tfprotov6.Diagnostic) {
	t.Helper()
	for _, d := range diags {
		if d.Severity == tfprotov6.DiagnosticSeverityError {
			t.Fatalf("%s: %s: %s", action, d.Summary, d.Detail)
		}
	}
}

// hasError reports whether an error diagnostic says text.
func hasError(diags []*tfprotov6.Diagnostic, text string) bool {
	for _, d := range diags {
		if d.Severity == tfprotov6.DiagnosticSeverityError && strings.Contains(d.Summary+" "+d.Detail, text) {
			return true
		}
	}
	return false
}

func diagsString(diags []*tfprotov6.Diagnostic) string {
	parts := make([]string, len(diags))
	for i, d := range diags {
		parts[i] = d.Summary + ": " + d.Detail
	}
	return "[" + strings.Join(parts, "; ") + "]"
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}
