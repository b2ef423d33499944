// Command orgs-onboard brings an existing organization under Terraform/OpenTofu in one step: it reads
// the organization and everything it holds (members, pending and expired invitations, API tokens,
// container registries, labels, environments, domains and their verifications, teams and their
// members, webhooks) and writes one file of
// import blocks, from which
// `tofu plan -generate-config-out=generated.tf` (or terraform's) writes HCL that applies as it is.
// Terraform 1.14 and later can do the same without it: `terraform query -generate-config-out` with the
// provider's list resources.
//
//	ORGS_ENDPOINT=http://127.0.0.1:8080 ORGS_TOKEN=... orgs-onboard -org org_... [-out onboard.tf]
//
// The credential comes from ORGS_TOKEN (or -token) and is never printed. The file is deterministic: the
// same organization gives the same file, so it can be regenerated and diffed.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
	"github.com/orgs-dev/terraform-provider-orgs/internal/client"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "orgs-onboard:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("orgs-onboard", flag.ContinueOnError)
	fs.SetOutput(stderr)
	orgID := fs.String("org", "", "id of the organization to onboard (required)")
	out := fs.String("out", "onboard.tf", "file to write the import blocks to (\"-\": standard output)")
	force := fs.Bool("force", false, "overwrite -out if it exists")
	endpoint := fs.String("endpoint", "", "API base URL (default: $ORGS_ENDPOINT)")
	token := fs.String("token", "", "API credential (default: $ORGS_TOKEN); prefer the environment, which stays out of the process list")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	if *orgID == "" {
		return errors.New("-org is required: the id of the organization to onboard")
	}
	if *endpoint == "" {
		*endpoint = getenv("ORGS_ENDPOINT")
	}
	if *token == "" {
		*token = getenv("ORGS_TOKEN")
	}
	if *endpoint == "" || *token == "" {
		return errors.New("set ORGS_ENDPOINT and ORGS_TOKEN (or -endpoint and -token)")
	}
	c, err := client.New(client.Config{
		Endpoint:   *endpoint,
		Token:      *token,
		UserAgent:  "orgs-onboard",
		MaxRetries: 4,
	})
	if err != nil {
		return err
	}
	h, err := discover(ctx, c, *orgID)
	if err != nil {
		return err
	}
	text := render(h)

	if *out == "-" {
		if _, err := io.WriteString(stdout, text); err != nil {
			return err
		}
	} else {
		flags := os.O_WRONLY | os.O_CREATE | os.O_EXCL
		if *force {
			flags = os.O_WRONLY | os.O_CREATE | os.O_TRUNC
		}
		f, err := os.OpenFile(*out, flags, 0o644)
		if errors.Is(err, os.ErrExist) {
			return fmt.Errorf("%s exists; remove it or pass -force to overwrite it", *out)
		}
		if err != nil {
			return err
		}
		_, werr := io.WriteString(f, text)
		if cerr := f.Close(); werr == nil {
			werr = cerr
		}
		if werr != nil {
			return fmt.Errorf("write %s: %w", *out, werr)
		}
	}
	printNextSteps(stderr, h, *out)
	return nil
}

// holdings is what an organization holds that the provider manages.
type holdings struct {
	org         api.Organization
	members     []api.Member
	invitations []api.Invitation // pending and expired: an accepted one is a member, imported as such
	tokens      []api.APIToken
	registries  []api.ContainerRegistry
	labels      []api.Label
	// environments include the default one: it imports and renames like the others.
	environments []api.Environment
	// caller is the address of the credential's user, whose own membership is among the members;
	// "" for an organization API token, which is nobody's.
	caller string
	// domains are verified and pending; a verified one is also imported as its verification.
	domains []api.Domain
	teams   []api.Team
	// teamMembers are every team's memberships, each imported as an orgs_team_member.
	teamMembers []api.TeamMember
	// webhooks are imported without their signing secret, which the API never returns.
	webhooks []api.Webhook
}

func discover(ctx context.Context, c *client.Client, orgID string) (*holdings, error) {
	org, err := c.GetOrganization(ctx, orgID)
	if err != nil {
		switch {
		case client.IsOrganizationNotVisible(err):
			return nil, fmt.Errorf("organization %q not found, or the credential cannot see it", orgID)
		case client.IsOrganizationDeleted(err):
			return nil, fmt.Errorf("organization %q was deleted", orgID)
		}
		return nil, fmt.Errorf("read organization: %w", err)
	}
	h := &holdings{org: *org}
	if u, err := c.CurrentUser(ctx); err == nil {
		h.caller = u.Email
	}
	// The same listings the provider reads through.
	listings := client.NewListings(c, client.ListingsConfig{})
	if h.members, err = listings.Members.All(ctx, orgID); err != nil {
		return nil, fmt.Errorf("list members: %w", err)
	}
	invitations, err := listings.Invitations.All(ctx, orgID)
	if err != nil {
		return nil, fmt.Errorf("list invitations: %w", err)
	}
	for _, inv := range invitations {
		if inv.Status != api.InvitationAccepted {
			h.invitations = append(h.invitations, inv)
		}
	}
	if h.tokens, err = listings.APITokens.All(ctx, orgID); err != nil {
		return nil, fmt.Errorf("list API tokens: %w", err)
	}
	if h.registries, err = listings.ContainerRegistries.All(ctx, orgID); err != nil {
		return nil, fmt.Errorf("list container registries: %w", err)
	}
	if h.labels, err = listings.Labels.All(ctx, orgID); err != nil {
		return nil, fmt.Errorf("list labels: %w", err)
	}
	if h.environments, err = listings.Environments.All(ctx, orgID); err != nil {
		return nil, fmt.Errorf("list environments: %w", err)
	}
	if h.domains, err = listings.Domains.All(ctx, orgID); err != nil {
		return nil, fmt.Errorf("list domains: %w", err)
	}
	if h.teams, err = listings.Teams.All(ctx, orgID); err != nil {
		return nil, fmt.Errorf("list teams: %w", err)
	}
	if h.teamMembers, err = listings.TeamMembers.All(ctx, orgID); err != nil {
		return nil, fmt.Errorf("list team memberships: %w", err)
	}
	if h.webhooks, err = listings.Webhooks.All(ctx, orgID); err != nil {
		return nil, fmt.Errorf("list webhooks: %w", err)
	}
	return h, nil
}

// importBlock is one object to import: resource type, name in the configuration, import id, and a
// note for the reader.
type importBlock struct {
	typ, name, id, note string
}

// namedObject is an object before it gets its resource name: base is the name it would like, id its
// import id (unique, so it orders objects that want the same name).
type namedObject struct {
	base, id, note string
}

// name assigns each object a valid, unique resource name derived from base, and returns the import
// blocks sorted by name. Objects wanting the same name are told apart by a numeric suffix in the order
// of their import ids, so the same objects always get the same names.
func name(typ, fallback string, objs []namedObject) []importBlock {
	sort.Slice(objs, func(i, j int) bool {
		if objs[i].base != objs[j].base {
			return objs[i].base < objs[j].base
		}
		return objs[i].id < objs[j].id
	})
	// Reserve every base first, so that a suffixed name never takes another object's own base name
	// (labels "a" and "a" would otherwise give "a_2", clashing with a label whose key is "a_2").
	taken := map[string]bool{}
	for i := range objs {
		objs[i].base = identifier(objs[i].base, fallback)
		taken[objs[i].base] = true
	}
	blocks := make([]importBlock, 0, len(objs))
	first := map[string]bool{}
	for _, o := range objs {
		n := o.base
		if first[n] {
			for i := 2; ; i++ {
				if c := n + "_" + strconv.Itoa(i); !taken[c] {
					n = c
					break
				}
			}
		}
		first[o.base] = true
		taken[n] = true
		blocks = append(blocks, importBlock{typ: typ, name: n, id: o.id, note: o.note})
	}
	sort.Slice(blocks, func(i, j int) bool { return blocks[i].name < blocks[j].name })
	return blocks
}

// identifier makes s a resource name: lower case, every character outside [a-z0-9_] replaced by '_',
// and fallback in front when it would not start with a letter.
func identifier(s, fallback string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_' {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	id := strings.Trim(b.String(), "_")
	if id == "" {
		return fallback
	}
	if id[0] < 'a' || id[0] > 'z' {
		return fallback + "_" + id
	}
	return id
}

// resource types, in the order the file lists them.
const (
	typeOrganization = "orgs_organization"
	typeMember       = "orgs_member"
	typeInvitation   = "orgs_invitation"
	typeAPIToken     = "orgs_api_token"
	typeRegistry     = "orgs_container_registry"
	typeLabel        = "orgs_label"
	typeEnvironment  = "orgs_environment"
	typeDomain       = "orgs_domain"
	// typeVerification is orgs_domain_verification.
	typeVerification = "orgs_domain_verification"
	typeTeam         = "orgs_team"
	typeTeamMember   = "orgs_team_member"
	typeWebhook      = "orgs_webhook"
)

// webhookSecretNote is what the file says beside every webhook, and the next steps once: its signing
// secret cannot be read, so the imported webhook goes on signing with the secret the server holds, and
// the configuration does not manage it until it is set there.
const webhookSecretNote = "Its signing secret cannot be read back: the webhook keeps the secret the server holds, which this\n" +
	"configuration does not manage until you set secret_wo and secret_wo_version on it in generated.tf\n" +
	"(the next apply then sends that secret: give it to the receiver first)."

func blocks(h *holdings) [][]importBlock {
	orgID := h.org.ID
	sub := func(id string) string { return orgID + "/" + id }

	org := name(typeOrganization, "organization", []namedObject{{base: h.org.Name, id: orgID}})

	var members []namedObject
	for _, m := range h.members {
		note := "role " + string(m.Role)
		if h.caller != "" && api.EmailKey(m.Email) == api.EmailKey(h.caller) {
			note = ownMembershipNote(m, h.members)
		}
		members = append(members, namedObject{base: m.Email, id: sub(m.Email), note: note})
	}
	var invitations []namedObject
	for _, inv := range h.invitations {
		note := fmt.Sprintf("%s as %s, expires %s", inv.Email, inv.Role, inv.ExpiresAt.UTC().Format(time.RFC3339))
		if inv.Status == api.InvitationExpired {
			note = fmt.Sprintf("%s as %s, expired %s; set resend_when_expired = true to send it again",
				inv.Email, inv.Role, inv.ExpiresAt.UTC().Format(time.RFC3339))
		}
		invitations = append(invitations, namedObject{base: inv.Email, id: sub(inv.ID), note: note})
	}
	var tokens []namedObject
	for _, t := range h.tokens {
		note := fmt.Sprintf("%q, role %s; its secret cannot be read back", t.Name, t.Role)
		if !t.Active {
			note += "; inactive"
		}
		tokens = append(tokens, namedObject{base: t.Name, id: sub(t.ID), note: note})
	}
	var registries []namedObject
	for _, r := range h.registries {
		registries = append(registries, namedObject{base: r.Name, id: sub(r.ID),
			note: fmt.Sprintf("%q (%s); its secret cannot be read back and stays as the server holds it (set secret_wo and secret_wo_version to rotate it)", r.Name, r.Kind)})
	}
	var labels []namedObject
	for _, l := range h.labels {
		labels = append(labels, namedObject{base: l.Key, id: sub(l.Key)})
	}
	var environments []namedObject
	for _, e := range h.environments {
		note := fmt.Sprintf("%q (%s)", e.Name, e.Status)
		if e.Default {
			note += "; the default environment: destroying it only removes it from the state"
		}
		environments = append(environments, namedObject{base: e.Slug, id: sub(e.ID), note: note})
	}
	var domains, verifications []namedObject
	for _, d := range h.domains {
		note := fmt.Sprintf("pending until a TXT record %s holds %q", d.VerificationRecordName, d.VerificationRecordValue)
		if d.Status == api.DomainVerified {
			note = "verified"
			if d.VerifiedAt != nil {
				note += " " + d.VerifiedAt.UTC().Format(time.RFC3339)
			}
			verifications = append(verifications, namedObject{base: d.Domain, id: sub(d.Domain)})
		}
		domains = append(domains, namedObject{base: d.Domain, id: sub(d.Domain), note: note})
	}
	var teams, teamMembers []namedObject
	for _, t := range h.teams {
		note := fmt.Sprintf("%q, grants no organization role", t.Name)
		if t.Role != "" {
			note = fmt.Sprintf("%q, grants its members role %s", t.Name, t.Role)
		}
		teams = append(teams, namedObject{base: t.Slug, id: sub(t.Slug), note: note})
	}
	for _, m := range h.teamMembers {
		teamMembers = append(teamMembers, namedObject{base: m.TeamSlug + "_" + m.Email, id: sub(m.TeamSlug + "/" + m.Email),
			note: fmt.Sprintf("%s in team %s, role %s", m.Email, m.TeamSlug, m.Role)})
	}
	var webhooks []namedObject
	for _, w := range h.webhooks {
		state := "active"
		if !w.Active {
			state = "inactive"
		}
		webhooks = append(webhooks, namedObject{base: webhookHost(w.URL), id: sub(w.ID),
			note: fmt.Sprintf("%s, %s, events %s.\n%s", webhookHost(w.URL), state, strings.Join(w.Events, ", "), webhookSecretNote)})
	}
	return [][]importBlock{
		org,
		name(typeMember, "member", members),
		name(typeInvitation, "invitation", invitations),
		name(typeAPIToken, "token", tokens),
		name(typeRegistry, "registry", registries),
		name(typeLabel, "label", labels),
		name(typeEnvironment, "environment", environments),
		name(typeDomain, "domain", domains),
		name(typeVerification, "domain", verifications),
		name(typeTeam, "team", teams),
		name(typeTeamMember, "team_member", teamMembers),
		name(typeWebhook, "webhook", webhooks),
	}
}

// webhookHost is the host a webhook delivers to, which names it: its path may hold a credential of the
// receiver's (many services put one there), which neither a name nor a comment should repeat.
func webhookHost(raw string) string {
	if u, err := url.Parse(raw); err == nil && u.Hostname() != "" {
		return u.Hostname()
	}
	return "webhook"
}

// ownMembershipNote says, next to the caller's own membership, what destroying it means: the
// configuration manages the membership of the credential it runs with.
func ownMembershipNote(m api.Member, members []api.Member) string {
	owners := 0
	for _, o := range members {
		if o.Role == api.RoleOwner && o.Status == api.MemberActive {
			owners++
		}
	}
	note := fmt.Sprintf("role %s. This is your own membership (the credential's user).\n", m.Role)
	if m.Role == api.RoleOwner && owners <= 1 {
		note += "Destroying it would remove the organization's last owner, which is refused, so a `destroy` of this\n" +
			"configuration fails at plan time. Before destroying, set downgrade_on_destroy = true on it in\n" +
			"generated.tf and apply: destroying it then keeps you in the organization as its owner."
	} else {
		note += "Destroying it removes you from the organization, and the credential loses its access. To stay,\n" +
			"set downgrade_on_destroy = true on it in generated.tf and apply before destroying: you are then kept as a member."
	}
	return note
}

func render(h *holdings) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# Import blocks for organization %s, written by orgs-onboard.\n", oneLine(h.org.ID))
	b.WriteString("# Run `tofu plan -generate-config-out=generated.tf` (or terraform's) to write the configuration of\n")
	b.WriteString("# every object; it applies as written. Secrets cannot be read back: API tokens are imported without\n")
	b.WriteString("# their secret, and container registries and webhooks keep the secret the server holds (a webhook's\n")
	b.WriteString("# signing secret is not under management until secret_wo and secret_wo_version are set on it).\n")
	for _, group := range blocks(h) {
		for _, ib := range group {
			b.WriteString("\n")
			if ib.note != "" {
				for _, line := range strings.Split(ib.note, "\n") {
					fmt.Fprintf(&b, "# %s\n", oneLine(line))
				}
			}
			fmt.Fprintf(&b, "import {\n  to = %s.%s\n  id = %s\n}\n", ib.typ, ib.name, quote(ib.id))
		}
	}
	return b.String()
}

// quote is an HCL string literal of s: strconv.Quote's escapes where HCL has them, \u and \U for the
// rest, and the template sequences "${" and "%{" doubled so they stay literal text.
func quote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		rest := s[i+size:]
		i += size
		switch {
		case r == '"':
			b.WriteString(`\"`)
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case (r == '$' || r == '%') && strings.HasPrefix(rest, "{"):
			b.WriteRune(r)
			b.WriteRune(r)
		case r == utf8.RuneError && size == 1:
			// Not UTF-8; HCL files are, so the byte cannot be written as it is.
			b.WriteString(`\ufffd`)
		case unicode.IsPrint(r):
			b.WriteRune(r)
		case r <= 0xffff:
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			fmt.Fprintf(&b, `\U%08x`, r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// oneLine keeps a comment on its line whatever the server's strings hold.
func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
}

func printNextSteps(w io.Writer, h *holdings, out string) {
	where := out
	if out == "-" {
		where = "the import blocks"
	}
	verified := 0
	for _, d := range h.domains {
		if d.Status == api.DomainVerified {
			verified++
		}
	}
	fmt.Fprintf(w, "Wrote %s: 1 organization, %d members, %d invitations, %d API tokens, %d container registries, %d labels, %d environments, "+
		"%d domains (%d verified, each also imported as its orgs_domain_verification), %d teams, %d team memberships, %d webhooks.\n",
		where, len(h.members), len(h.invitations), len(h.tokens), len(h.registries), len(h.labels), len(h.environments), len(h.domains), verified,
		len(h.teams), len(h.teamMembers), len(h.webhooks))
	fmt.Fprintf(w, `
Next steps (tofu or terraform alike):
  1. Put %s in a directory with a provider configuration:
       terraform {
         required_providers {
           orgs = { source = "orgs-dev/orgs" }
         }
       }
       provider "orgs" {} # reads ORGS_ENDPOINT and ORGS_TOKEN
  2. tofu init
  3. tofu plan -generate-config-out=generated.tf
     This writes the configuration of every object into generated.tf, ready to apply as it is.
  4. tofu apply imports everything; the next plan is empty.
`, where)
	if len(h.registries) > 0 {
		fmt.Fprintf(w, "  Note: secrets cannot be read back. The %d container registries keep the secret the server holds;\n"+
			"  to rotate one, set secret_wo and secret_wo_version in generated.tf.\n", len(h.registries))
	}
	if len(h.tokens) > 0 {
		fmt.Fprintf(w, "  Note: the %d API tokens are imported without their secret (the token attribute stays empty).\n", len(h.tokens))
	}
	if len(h.webhooks) > 0 {
		fmt.Fprintf(w, "  Note: the %d webhooks are imported without their signing secret, which cannot be read back: each keeps\n"+
			"  the secret the server holds, and that secret is not under management until you set secret_wo and\n"+
			"  secret_wo_version on it in generated.tf (the next apply sends it: give it to the receiver first).\n", len(h.webhooks))
	}
	if own := ownMembershipAddress(h); own != "" {
		fmt.Fprintf(w, "  Note: %s is your own membership. Before destroying this configuration, set downgrade_on_destroy = true\n"+
			"  on it in generated.tf and apply (the comment above its import block says why).\n", own)
	}
}

// ownMembershipAddress is the resource address of the caller's own membership, or "".
func ownMembershipAddress(h *holdings) string {
	if h.caller == "" {
		return ""
	}
	for _, group := range blocks(h) {
		for _, ib := range group {
			if ib.typ == typeMember && api.EmailKey(strings.TrimPrefix(ib.id, h.org.ID+"/")) == api.EmailKey(h.caller) {
				return ib.typ + "." + ib.name
			}
		}
	}
	return ""
}
