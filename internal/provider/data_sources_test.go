package provider_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	tfjson "github.com/hashicorp/terraform-json"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/orgs-dev/terraform-provider-orgs/internal/acctest"
	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
)

// dataBlock is a data block of type typ named name with the given argument lines.
func dataBlock(typ, name string, args ...string) string {
	return fmt.Sprintf("\ndata %q %q {\n  %s\n}\n", typ, name, strings.Join(args, "\n  "))
}

func orgArg(orgID string) string { return fmt.Sprintf("organization_id = %q", orgID) }

// rfc3339 is how the provider writes a server timestamp: UTC, to the second.
func rfc3339(t time.Time) knownvalue.Check {
	return knownvalue.StringExact(t.UTC().Format(time.RFC3339))
}

// stringOrNull is the check for an optional value the API leaves empty.
func stringOrNull(s string) knownvalue.Check {
	if s == "" {
		return knownvalue.Null()
	}
	return knownvalue.StringExact(s)
}

// listOf is ListExact of the checks of objects, in order.
func listOf[T any](objects []T, check func(T) knownvalue.Check) knownvalue.Check {
	checks := make([]knownvalue.Check, 0, len(objects))
	for _, o := range objects {
		checks = append(checks, check(o))
	}
	return knownvalue.ListExact(checks)
}

// where keeps the objects for which keep is true.
func where[T any](objects []T, keep func(T) bool) []T {
	var out []T
	for _, o := range objects {
		if keep(o) {
			out = append(out, o)
		}
	}
	return out
}

// noSecretsInState fails when any of secrets appears anywhere in the state.
func noSecretsInState(secrets []string) statecheck.StateCheck {
	return serverCheck(func(_ context.Context, s *tfjson.State) error {
		if len(secrets) == 0 {
			return errors.New("no secrets to look for: the check would pass having checked nothing")
		}
		raw, err := json.Marshal(s)
		if err != nil {
			return err
		}
		if s == nil || s.Values == nil || len(s.Values.RootModule.Resources) == 0 {
			return errors.New("the state is empty")
		}
		for i, secret := range secrets {
			if strings.Contains(string(raw), secret) {
				return fmt.Errorf("secret %d of %d is in the state", i+1, len(secrets))
			}
		}
		return nil
	})
}

func memberValue(m api.Member) knownvalue.Check {
	roles := map[string]knownvalue.Check{}
	for env, role := range m.EnvironmentRoles {
		roles[env] = knownvalue.StringExact(string(role))
	}
	return knownvalue.ObjectExact(map[string]knownvalue.Check{
		"id":                knownvalue.StringExact(m.OrganizationID + "/" + m.Email),
		"email":             knownvalue.StringExact(m.Email),
		"role":              knownvalue.StringExact(string(m.Role)),
		"environment_roles": knownvalue.MapExact(roles),
		"user_id":           knownvalue.StringExact(m.UserID),
		"status":            knownvalue.StringExact(string(m.Status)),
		"name":              knownvalue.StringExact(m.Name),
		"created_at":        rfc3339(m.CreatedAt),
	})
}

func TestAccMembersDataSources(t *testing.T) {
	t.Parallel()
	e := acctest.NewEstate(t)
	org := e.Org.ID
	members, err := e.Env.Client.ListMembers(t.Context(), org)
	if err != nil {
		t.Fatal(err)
	}
	bea, err := e.Env.Client.GetMember(t.Context(), org, "bea@example.com")
	if err != nil {
		t.Fatal(err)
	}
	envs, err := e.Env.Client.ListEnvironments(t.Context(), org)
	if err != nil || len(envs) != 1 {
		t.Fatalf("the estate should have one environment: %+v, %v", envs, err)
	}
	config := e.Env.ProviderBlock() +
		dataBlock("orgs_members", "all", orgArg(org)) +
		dataBlock("orgs_members", "billers", orgArg(org), `role = "biller"`) +
		dataBlock("orgs_members", "owners", orgArg(org), `role = "owner"`) +
		// Another letter case than the server's: found all the same, and kept as written.
		dataBlock("orgs_member", "bea", orgArg(org), `email = "BEA@Example.com"`)

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: config,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("data.orgs_members.all", tfjsonpath.New("members"), listOf(members, memberValue)),
					statecheck.ExpectKnownValue("data.orgs_members.all", tfjsonpath.New("members"), knownvalue.ListSizeExact(e.Count["orgs_member"])),
					statecheck.ExpectKnownValue("data.orgs_members.billers", tfjsonpath.New("members"), knownvalue.ListExact([]knownvalue.Check{
						knownvalue.ObjectPartial(map[string]knownvalue.Check{"email": knownvalue.StringExact("cyd@example.com"), "role": knownvalue.StringExact("biller")}),
					})),
					statecheck.ExpectKnownValue("data.orgs_members.owners", tfjsonpath.New("members"), knownvalue.ListExact([]knownvalue.Check{
						knownvalue.ObjectPartial(map[string]knownvalue.Check{"email": knownvalue.StringExact(e.Env.OwnerEmail)}),
					})),
					statecheck.ExpectKnownValue("data.orgs_member.bea", tfjsonpath.New("email"), knownvalue.StringExact("BEA@Example.com")),
					statecheck.ExpectKnownValue("data.orgs_member.bea", tfjsonpath.New("role"), knownvalue.StringExact("member")),
					statecheck.ExpectKnownValue("data.orgs_member.bea", tfjsonpath.New("user_id"), knownvalue.StringExact(bea.UserID)),
					statecheck.ExpectKnownValue("data.orgs_member.bea", tfjsonpath.New("environment_roles"), knownvalue.MapExact(map[string]knownvalue.Check{
						envs[0].ID: knownvalue.StringExact("run"),
					})),
				},
			},
			{
				// ada left the organization: reading her is an error, not an empty result.
				Config:      config + dataBlock("orgs_member", "ada", orgArg(org), `email = "ada@example.com"`),
				ExpectError: wrappedText(`Failed to read member ada@example.com of organization ` + org),
			},
		},
	})
}

func invitationValue(i api.Invitation) knownvalue.Check {
	var accepted knownvalue.Check = knownvalue.Null()
	if i.AcceptedAt != nil {
		accepted = rfc3339(*i.AcceptedAt)
	}
	return knownvalue.ObjectExact(map[string]knownvalue.Check{
		"id":          knownvalue.StringExact(i.ID),
		"email":       knownvalue.StringExact(i.Email),
		"role":        knownvalue.StringExact(string(i.Role)),
		"status":      knownvalue.StringExact(string(i.Status)),
		"invited_by":  knownvalue.StringExact(i.InvitedBy),
		"expires_at":  rfc3339(i.ExpiresAt),
		"created_at":  rfc3339(i.CreatedAt),
		"accepted_at": accepted,
	})
}

func TestAccInvitationsDataSource(t *testing.T) {
	t.Parallel()
	e := acctest.NewEstate(t)
	org := e.Org.ID
	invitations, err := e.Env.Client.ListInvitations(t.Context(), org)
	if err != nil {
		t.Fatal(err)
	}
	statuses := map[api.InvitationStatus]int{}
	for _, i := range invitations {
		statuses[i.Status]++
	}
	if statuses[api.InvitationPending] != 1 || statuses[api.InvitationExpired] != 1 || statuses[api.InvitationAccepted] != 1 {
		t.Fatalf("the estate should hold one invitation in each status: %+v", invitations)
	}
	withStatus := func(s api.InvitationStatus) []api.Invitation {
		return where(invitations, func(i api.Invitation) bool { return i.Status == s })
	}

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: e.Env.ProviderBlock() +
				dataBlock("orgs_invitations", "all", orgArg(org)) +
				dataBlock("orgs_invitations", "expired", orgArg(org), `status = "expired"`) +
				dataBlock("orgs_invitations", "pending", orgArg(org), `status = "pending"`) +
				dataBlock("orgs_invitations", "pending_members", orgArg(org), `status = "pending"`, `role = "member"`),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("data.orgs_invitations.all", tfjsonpath.New("invitations"), listOf(invitations, invitationValue)),
				statecheck.ExpectKnownValue("data.orgs_invitations.expired", tfjsonpath.New("invitations"), listOf(withStatus(api.InvitationExpired), invitationValue)),
				statecheck.ExpectKnownValue("data.orgs_invitations.expired", tfjsonpath.New("invitations").AtSliceIndex(0).AtMapKey("id"),
					knownvalue.StringExact(e.ExpiredInvitation)),
				statecheck.ExpectKnownValue("data.orgs_invitations.pending", tfjsonpath.New("invitations"), knownvalue.ListExact([]knownvalue.Check{
					knownvalue.ObjectPartial(map[string]knownvalue.Check{
						"email": knownvalue.StringExact("Pending.Person@Example.com"), "role": knownvalue.StringExact("admin"),
					}),
				})),
				// The pending invitation is for an admin: both filters together keep nothing.
				statecheck.ExpectKnownValue("data.orgs_invitations.pending_members", tfjsonpath.New("invitations"), knownvalue.ListExact([]knownvalue.Check{})),
			},
		}},
	})
}

func apiTokenValue(tok api.APIToken) knownvalue.Check {
	var expires knownvalue.Check = knownvalue.Null()
	if tok.ExpiresAt != nil {
		expires = knownvalue.StringExact(tok.ExpiresAt.UTC().Format(time.RFC3339Nano))
	}
	var lastUsed knownvalue.Check = knownvalue.Null()
	if tok.LastUsedAt != nil {
		lastUsed = rfc3339(*tok.LastUsedAt)
	}
	// ObjectExact: there is no attribute for the secret at all.
	return knownvalue.ObjectExact(map[string]knownvalue.Check{
		"id":           knownvalue.StringExact(tok.ID),
		"name":         knownvalue.StringExact(tok.Name),
		"role":         knownvalue.StringExact(string(tok.Role)),
		"expires_at":   expires,
		"created_at":   rfc3339(tok.CreatedAt),
		"created_by":   knownvalue.StringExact(tok.CreatedBy),
		"active":       knownvalue.Bool(tok.Active),
		"last_used_at": lastUsed,
	})
}

func TestAccAPITokensDataSource(t *testing.T) {
	t.Parallel()
	e := acctest.NewEstate(t)
	org := e.Org.ID
	ctx := t.Context()
	// A token that expires, to see its expiry read back.
	expiry := time.Now().Add(90 * 24 * time.Hour).UTC().Truncate(time.Second)
	expiring, err := e.Env.Client.CreateAPIToken(ctx, org, api.APITokenCreate{Name: "nightly", Role: api.RoleBiller, ExpiresAt: &expiry})
	if err != nil {
		t.Fatal(err)
	}
	secrets := append([]string{expiring.Token}, e.Secrets...)
	// Uses of the tokens so far are written now, so the listing below is what the data source reads.
	if err := e.Env.Server.FlushLastUsed(ctx); err != nil {
		t.Fatal(err)
	}
	tokens, err := e.Env.Client.ListAPITokens(ctx, org)
	if err != nil {
		t.Fatal(err)
	}
	inactive := where(tokens, func(tok api.APIToken) bool { return !tok.Active })
	if len(inactive) != 1 || inactive[0].ID != e.InactiveToken {
		t.Fatalf("the estate should hold one inactive token, %s: %+v", e.InactiveToken, tokens)
	}

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: e.Env.ProviderBlock() +
				dataBlock("orgs_api_tokens", "all", orgArg(org)) +
				dataBlock("orgs_api_tokens", "inactive", orgArg(org), `status = "inactive"`) +
				dataBlock("orgs_api_tokens", "billers", orgArg(org), `role = "biller"`),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("data.orgs_api_tokens.all", tfjsonpath.New("api_tokens"), listOf(tokens, apiTokenValue)),
				statecheck.ExpectKnownValue("data.orgs_api_tokens.all", tfjsonpath.New("api_tokens"), knownvalue.ListSizeExact(e.Count["orgs_api_token"]+1)),
				statecheck.ExpectKnownValue("data.orgs_api_tokens.inactive", tfjsonpath.New("api_tokens"), listOf(inactive, apiTokenValue)),
				statecheck.ExpectKnownValue("data.orgs_api_tokens.billers", tfjsonpath.New("api_tokens"), knownvalue.ListExact([]knownvalue.Check{
					knownvalue.ObjectPartial(map[string]knownvalue.Check{
						"id":         knownvalue.StringExact(expiring.ID),
						"expires_at": knownvalue.StringExact(expiry.Format(time.RFC3339)),
					}),
				})),
				noSecretsInState(secrets),
			},
		}},
	})
}

func containerRegistryValue(r api.ContainerRegistry) knownvalue.Check {
	// ObjectExact: there is no attribute for a password or a secret key at all.
	return knownvalue.ObjectExact(map[string]knownvalue.Check{
		"id":            knownvalue.StringExact(r.ID),
		"name":          knownvalue.StringExact(r.Name),
		"kind":          knownvalue.StringExact(string(r.Kind)),
		"url":           knownvalue.StringExact(r.URL),
		"description":   knownvalue.StringExact(r.Description),
		"username":      stringOrNull(r.Username),
		"access_key_id": stringOrNull(r.AccessKeyID),
	})
}

func TestAccContainerRegistriesDataSource(t *testing.T) {
	t.Parallel()
	e := acctest.NewEstate(t)
	org := e.Org.ID
	registries, err := e.Env.Client.ListContainerRegistries(t.Context(), org)
	if err != nil {
		t.Fatal(err)
	}

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: e.Env.ProviderBlock() +
				dataBlock("orgs_container_registries", "all", orgArg(org)) +
				dataBlock("orgs_container_registries", "ecr", orgArg(org), `kind = "ecr"`) +
				dataBlock("orgs_container_registries", "gitlab", orgArg(org), `kind = "gitlab"`),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("data.orgs_container_registries.all", tfjsonpath.New("container_registries"), listOf(registries, containerRegistryValue)),
				statecheck.ExpectKnownValue("data.orgs_container_registries.all", tfjsonpath.New("container_registries"), knownvalue.ListSizeExact(e.Count["orgs_container_registry"])),
				statecheck.ExpectKnownValue("data.orgs_container_registries.ecr", tfjsonpath.New("container_registries"), knownvalue.ListExact([]knownvalue.Check{
					knownvalue.ObjectPartial(map[string]knownvalue.Check{
						"name": knownvalue.StringExact("ecr"), "access_key_id": knownvalue.StringExact("AKIAESTATE"), "username": knownvalue.Null(),
					}),
				})),
				statecheck.ExpectKnownValue("data.orgs_container_registries.gitlab", tfjsonpath.New("container_registries"), knownvalue.ListExact([]knownvalue.Check{})),
				noSecretsInState(e.Secrets),
			},
		}},
	})
}

func TestAccLabelsDataSource(t *testing.T) {
	t.Parallel()
	e := acctest.NewEstate(t)
	org := e.Org.ID
	labels, err := e.Env.Client.ListLabels(t.Context(), org)
	if err != nil {
		t.Fatal(err)
	}
	empty := e.Env.CreateOrganization(t, api.PlanHobby)

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: e.Env.ProviderBlock() +
				dataBlock("orgs_labels", "all", orgArg(org)) +
				dataBlock("orgs_labels", "none", orgArg(empty.ID)),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("data.orgs_labels.all", tfjsonpath.New("labels"), listOf(labels, func(l api.Label) knownvalue.Check {
					return knownvalue.ObjectExact(map[string]knownvalue.Check{
						"id":                          knownvalue.StringExact(org + "/" + l.Key),
						"key":                         knownvalue.StringExact(l.Key),
						"value":                       knownvalue.StringExact(l.Value),
						"propagate_to_cloud_provider": knownvalue.Bool(l.PropagateToCloudProvider),
					})
				})),
				statecheck.ExpectKnownValue("data.orgs_labels.all", tfjsonpath.New("labels"), knownvalue.ListSizeExact(e.Count["orgs_label"])),
				// An organization without labels reads as an empty list, not null.
				statecheck.ExpectKnownValue("data.orgs_labels.none", tfjsonpath.New("labels"), knownvalue.ListExact([]knownvalue.Check{})),
			},
		}},
	})
}

// TestAccOrganizationsDataSource reads the organizations the credential can see, and the user it acts
// as: not another user's organization; with an organization API token, only its own organization.
func TestAccOrganizationsDataSource(t *testing.T) {
	t.Parallel()
	env := acctest.New(t)
	ctx := t.Context()
	team := env.CreateOrganization(t, api.PlanTeam)
	hobby := env.CreateOrganization(t, api.PlanHobby)
	_, otherToken := env.SignUp(t, "other@example.com")
	other, err := env.NewClient(t, otherToken).CreateOrganization(ctx, api.OrganizationCreate{
		Name: "someone else's", AdminContactEmails: []string{"other@example.com"},
	})
	if err != nil {
		t.Fatal(err)
	}
	me, err := env.Client.CurrentUser(ctx)
	if err != nil {
		t.Fatal(err)
	}
	orgToken, err := env.Client.CreateAPIToken(ctx, hobby.ID, api.APITokenCreate{Name: "reader", Role: api.RoleMember})
	if err != nil {
		t.Fatal(err)
	}
	orgIDs := func(ids ...string) knownvalue.Check {
		checks := make([]knownvalue.Check, len(ids))
		for i, id := range ids {
			checks[i] = knownvalue.ObjectPartial(map[string]knownvalue.Check{"id": knownvalue.StringExact(id)})
		}
		return knownvalue.ListExact(checks)
	}
	seen := func(name string) string { return "data.orgs_organizations." + name }

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: env.ProviderBlock() +
					dataBlock("orgs_organizations", "all") +
					dataBlock("orgs_organizations", "hobby", `plan = "hobby"`) +
					dataBlock("orgs_organizations", "enterprise", `plan = "enterprise"`) +
					dataBlock("orgs_current_user", "me"),
				ConfigStateChecks: []statecheck.StateCheck{
					// Not other's organization: the owner is no member of it.
					statecheck.ExpectKnownValue(seen("all"), tfjsonpath.New("organizations"), orgIDs(team.ID, hobby.ID)),
					statecheck.ExpectKnownValue(seen("all"), tfjsonpath.New("organizations").AtSliceIndex(0), knownvalue.ObjectExact(map[string]knownvalue.Check{
						"id":                   knownvalue.StringExact(team.ID),
						"name":                 knownvalue.StringExact(team.Name),
						"description":          knownvalue.StringExact(""),
						"website":              knownvalue.StringExact(""),
						"admin_contact_emails": knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact(env.OwnerEmail)}),
						"plan":                 knownvalue.StringExact("team"),
						"settings": knownvalue.ObjectExact(map[string]knownvalue.Check{
							"artifacts_storage_limit_gb": knownvalue.Int64Exact(team.Settings.ArtifactsStorageLimitGB),
							"ai_hints_enabled":           knownvalue.Bool(team.Settings.AIHintsEnabled),
							"mask_webhook_urls":          knownvalue.Bool(team.Settings.MaskWebhookURLs),
						}),
						"created_at": rfc3339(team.CreatedAt),
					})),
					statecheck.ExpectKnownValue(seen("hobby"), tfjsonpath.New("organizations"), orgIDs(hobby.ID)),
					statecheck.ExpectKnownValue(seen("enterprise"), tfjsonpath.New("organizations"), orgIDs()),
					statecheck.ExpectKnownValue("data.orgs_current_user.me", tfjsonpath.New("id"), knownvalue.StringExact(me.ID)),
					statecheck.ExpectKnownValue("data.orgs_current_user.me", tfjsonpath.New("email"), knownvalue.StringExact(env.OwnerEmail)),
					statecheck.ExpectKnownValue("data.orgs_current_user.me", tfjsonpath.New("created_at"), rfc3339(me.CreatedAt)),
					serverCheck(func(context.Context, *tfjson.State) error {
						if other.ID == team.ID || other.ID == hobby.ID {
							return errors.New("the other user's organization has the id of one of the owner's")
						}
						return nil
					}),
				},
			},
			{
				// An organization API token sees its own organization only.
				Config: env.ProviderBlockWithToken(orgToken.Token) + dataBlock("orgs_organizations", "all"),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(seen("all"), tfjsonpath.New("organizations"), orgIDs(hobby.ID)),
				},
			},
			{
				// ... and acts as no user: the server refuses to say who the current user is.
				Config:      env.ProviderBlockWithToken(orgToken.Token) + dataBlock("orgs_current_user", "me"),
				ExpectError: wrappedText("Failed to read current user"),
			},
		},
	})
}

// TestAccInvitationsDataSource_manyPages reads more invitations than one page of the API holds: every
// page is read, in a few list requests rather than one per invitation.
func TestAccInvitationsDataSource_manyPages(t *testing.T) {
	t.Parallel()
	env := acctest.New(t)
	org := env.CreateOrganization(t, api.PlanEnterprise)
	n := api.MaxPageSize + 1
	for i := range n {
		if _, err := env.Client.CreateInvitation(t.Context(), org.ID, api.InvitationCreate{Email: fmt.Sprintf("invitee-%04d@example.com", i), Role: api.RoleMember}); err != nil {
			t.Fatalf("invitation %d: %v", i, err)
		}
	}
	before, _ := env.Requests()

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: env.ProviderBlock() + dataBlock("orgs_invitations", "all", orgArg(org.ID), `status = "pending"`),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("data.orgs_invitations.all", tfjsonpath.New("invitations"), knownvalue.ListSizeExact(n)),
				// The last one made is on the second page.
				statecheck.ExpectKnownValue("data.orgs_invitations.all", tfjsonpath.New("invitations").AtSliceIndex(n-1).AtMapKey("email"),
					knownvalue.StringExact(fmt.Sprintf("invitee-%04d@example.com", n-1))),
				serverCheck(func(context.Context, *tfjson.State) error {
					// A read is two list requests (pages of 1,000); the CLI may read more than once in a
					// step. One request per invitation would be over a thousand.
					after, _ := env.Requests()
					if used := after - before; used > 10 {
						return fmt.Errorf("reading %d invitations took %d requests", n, used)
					}
					return nil
				}),
			},
		}},
	})
}
