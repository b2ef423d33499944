package acctest

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
	"github.com/orgs-dev/terraform-provider-orgs/internal/server/servertest"
)

// Estate is an organization that holds every kind of object in every state the API can produce,
// including the ones no ordinary test creates: an expired invitation, an accepted one, an inactive
// token (its creator left), registries whose secrets cannot be read back, a member with environment
// roles, labels whose keys hold '/', a verified domain and a pending one claimed in its Unicode form,
// a team that grants a role and environment roles and one that grants nothing, with a maintainer and a
// member, and two webhooks (an active one and an inactive one, with other events; their signing secrets
// cannot be read back). Configuration generation (orgs-onboard, -generate-config-out,
// terraform query) must round-trip all of it.
type Estate struct {
	Env *Env
	Org api.Organization
	// Count is how many objects of each resource type the organization holds ("orgs_member": 4), the
	// organization itself included.
	Count map[string]int
	// Secrets are values that must never appear in generated configuration or output.
	Secrets []string
	// ExpiredInvitation, InactiveToken and InactiveWebhook are the ids of the objects in those states.
	ExpiredInvitation, InactiveToken, InactiveWebhook string
	// Webhooks is the loopback receiver the organization's webhooks deliver to; WebhookSecret signs
	// the deliveries of the active one.
	Webhooks      *servertest.WebhookReceiver
	WebhookSecret string
}

// NewEstate starts a server of its own (with a clock the fixture moves forward, to expire an
// invitation and a membership) and fills an organization on the team plan, with memberships in every
// state: active, invited, pending, declined and expired. The server allows webhooks on loopback, where
// the estate's receiver listens.
func NewEstate(t *testing.T) *Estate {
	t.Helper()
	var skew atomic.Int64
	var mu sync.Mutex
	codes := map[string]string{}
	// Started before the server, so that it is stopped after it: no delivery finds it gone.
	receiver := servertest.StartWebhookReceiver(t)
	env := New(t, WithPendingMemberships(), servertest.WithPrivateWebhookTargets(),
		servertest.WithClock(func() time.Time { return time.Now().Add(time.Duration(skew.Load())) }),
		servertest.WithInvitationHook(func(e api.InvitationEmail) {
			mu.Lock()
			defer mu.Unlock()
			codes[e.To] = e.Code
		}))
	ctx := t.Context()
	c := env.Client
	must := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("estate: %s: %v", what, err)
		}
	}
	org := env.CreateOrganization(t, api.PlanTeam)
	e := &Estate{Env: env, Org: org, Count: map[string]int{"orgs_organization": 1, "orgs_member": 1}, Webhooks: receiver}

	envs, err := c.ListEnvironments(ctx, org.ID)
	must("list environments", err)
	e.Count["orgs_environment"] = len(envs) // the default one
	tokens := map[string]string{}
	for email, role := range map[string]api.Role{"ada@example.com": api.RoleAdmin, "bea@example.com": api.RoleMember, "cyd@example.com": api.RoleBiller} {
		_, tokens[email] = env.SignUp(t, email)
		m := api.MemberCreate{Email: email, Role: role}
		if role == api.RoleMember {
			m.EnvironmentRoles = map[string]api.EnvironmentRole{envs[0].ID: api.EnvironmentRoleRun}
		}
		_, err := c.AddMember(ctx, org.ID, m)
		must("add member "+email, err)
		_, err = env.NewClient(t, tokens[email]).AcceptMembership(ctx, org.ID)
		must(email+" accepts", err)
		e.Count["orgs_member"]++
	}

	// A membership nobody accepts in time: it is expired once the clock moves on below.
	_, tokens["exp@example.com"] = env.SignUp(t, "exp@example.com")
	_, err = c.AddMember(ctx, org.ID, api.MemberCreate{Email: "exp@example.com", Role: api.RoleMember})
	must("add exp@", err)

	// An invitation that expires: the clock moves past its lifetime before the others are made.
	expired, err := c.CreateInvitation(ctx, org.ID, api.InvitationCreate{Email: "late@example.com", Role: api.RoleMember})
	must("invite late@", err)
	e.ExpiredInvitation = expired.ID
	skew.Add(int64(30 * 24 * time.Hour))

	// Memberships in the other states: an address without an account (invited), an account that has
	// not answered (pending), and one that said no (declined).
	_, err = c.AddMember(ctx, org.ID, api.MemberCreate{Email: "Invited.Person@Example.com", Role: api.RoleMember})
	must("add an address without an account", err)
	for _, email := range []string{"pen@example.com", "dec@example.com"} {
		_, tokens[email] = env.SignUp(t, email)
		_, err := c.AddMember(ctx, org.ID, api.MemberCreate{Email: email, Role: api.RoleMember})
		must("add "+email, err)
	}
	must("dec@ declines", env.NewClient(t, tokens["dec@example.com"]).DeclineMembership(ctx, org.ID))
	e.Count["orgs_member"] += 4
	_, err = c.CreateInvitation(ctx, org.ID, api.InvitationCreate{Email: "Pending.Person@Example.com", Role: api.RoleAdmin})
	must("invite pending@", err)
	_, err = c.CreateInvitation(ctx, org.ID, api.InvitationCreate{Email: "joined@example.com", Role: api.RoleMember})
	must("invite joined@", err)
	mu.Lock()
	code := codes["joined@example.com"]
	mu.Unlock()
	_, err = c.AcceptInvitation(ctx, api.InvitationAccept{Code: code})
	must("accept joined@'s invitation", err)
	e.Count["orgs_invitation"] = 3
	e.Count["orgs_member"]++ // joined@ is a member now

	// A token that works, and one whose creator left the organization.
	active, err := c.CreateAPIToken(ctx, org.ID, api.APITokenCreate{Name: "CI deploy", Role: api.RoleAdmin})
	must("create token", err)
	inactive, err := env.NewClient(t, tokens["ada@example.com"]).CreateAPIToken(ctx, org.ID, api.APITokenCreate{Name: "ada's script", Role: api.RoleMember})
	must("create ada's token", err)
	must("remove ada", c.RemoveMember(ctx, org.ID, "ada@example.com"))
	e.Count["orgs_member"]--
	e.InactiveToken = inactive.ID
	e.Count["orgs_api_token"] = 2
	e.Secrets = append(e.Secrets, active.Token, inactive.Token, env.Token)

	_, err = c.CreateContainerRegistry(ctx, org.ID, api.ContainerRegistryCreate{
		Name: "ghcr", Kind: api.RegistryGitHub, URL: "https://ghcr.io", Username: "bot", Password: "registry-password-1",
	})
	must("create ghcr registry", err)
	_, err = c.CreateContainerRegistry(ctx, org.ID, api.ContainerRegistryCreate{
		Name: "ecr", Kind: api.RegistryECR, URL: "https://123456789012.dkr.ecr.eu-west-1.amazonaws.com",
		AccessKeyID: "AKIAESTATE", SecretAccessKey: "registry-secret-key-1", Description: "images",
	})
	must("create ecr registry", err)
	e.Count["orgs_container_registry"] = 2
	e.Secrets = append(e.Secrets, "registry-password-1", "registry-secret-key-1")

	for key, value := range map[string]string{"example.com/team": "platform", "cost-center": "42", "example.com/a_b": ""} {
		_, err := c.CreateLabel(ctx, org.ID, api.LabelCreate{Key: key, Value: value, PropagateToCloudProvider: key == "cost-center"})
		must("create label "+key, err)
	}
	e.Count["orgs_label"] = 3

	// A domain verified through its published record, and one still pending (claimed as
	// "Bücher.Example", which the API holds as xn--bcher-kva.example).
	verified, err := c.CreateDomain(ctx, org.ID, api.DomainCreate{Domain: "example.com"})
	must("claim example.com", err)
	env.DNS.SetTXT(verified.VerificationRecordName, verified.VerificationRecordValue)
	_, err = c.VerifyDomain(ctx, org.ID, verified.Domain)
	must("verify example.com", err)
	_, err = c.CreateDomain(ctx, org.ID, api.DomainCreate{Domain: "Bücher.Example"})
	must("claim bücher.example", err)
	e.Count["orgs_domain"] = 2
	e.Count["orgs_domain_verification"] = 1

	// A team that grants admin and a role in the default environment, with a maintainer and a member;
	// and one that grants nothing, with a description and a slug of its own.
	admins, err := c.CreateTeam(ctx, org.ID, api.TeamCreate{
		Name: "Platform Admins", Role: api.RoleAdmin, EnvironmentRoles: map[string]api.EnvironmentRole{envs[0].ID: api.EnvironmentRoleAdmin},
	})
	must("create team Platform Admins", err)
	_, err = c.CreateTeam(ctx, org.ID, api.TeamCreate{Name: "Readers", Slug: "readers-eu", Description: "Read-only, for now"})
	must("create team Readers", err)
	e.Count["orgs_team"] = 2
	for email, role := range map[string]api.TeamRole{"bea@example.com": api.TeamRoleMaintainer, "cyd@example.com": api.TeamRoleMember} {
		_, err := c.AddTeamMember(ctx, org.ID, admins.Slug, api.TeamMemberCreate{Email: email, Role: role})
		must("add "+email+" to team Platform Admins", err)
	}
	e.Count["orgs_team_member"] = 2

	e.WebhookSecret = "webhook-secret-active-1"
	// A webhook that delivers some events, and one that is switched off, subscribed to all of them. Made
	// last, so that the estate's own making is not delivered.
	_, err = c.CreateWebhook(ctx, org.ID, api.WebhookCreate{
		URL: receiver.URL, Events: []string{"member.*", "label.update", "team.create"}, Secret: e.WebhookSecret,
	})
	must("create the active webhook", err)
	off := false
	paused, err := c.CreateWebhook(ctx, org.ID, api.WebhookCreate{
		URL: receiver.URL + "/paused", Events: []string{api.WebhookEventAll}, Active: &off, Secret: "webhook-secret-paused-1",
	})
	must("create the inactive webhook", err)
	e.InactiveWebhook = paused.ID
	e.Count["orgs_webhook"] = 2
	e.Secrets = append(e.Secrets, e.WebhookSecret, "webhook-secret-paused-1")
	return e
}
