package main

// The operator's subcommands: what someone running a local or CI server does by hand, done directly on
// the database file (-db), also while the server runs on it. Exit codes: 0 done, 1 the task failed (the
// message says why), 2 the command line was wrong.

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
	"github.com/orgs-dev/terraform-provider-orgs/internal/server"
	"github.com/orgs-dev/terraform-provider-orgs/internal/server/seal"
)

// adminCommand is one subcommand, "GROUP ACTION".
type adminCommand struct {
	group, action string
	args          string // the positional arguments, for the usage line
	summary       string
	minArgs       int
	maxArgs       int // -1: any number
	// setup defines the command's own flags and returns what runs it with the positional arguments.
	setup func(fs *flag.FlagSet) adminRun
}

// adminRun runs a subcommand: results to out (what a script reads), explanations to log.
type adminRun func(ctx context.Context, a *server.Admin, env adminEnv, args []string) error

type adminEnv struct {
	out, log io.Writer
	dbPath   string
}

var adminCommands = []adminCommand{
	{group: "users", action: "add", args: "EMAIL...", minArgs: 1, maxArgs: -1,
		summary: "Add users, proven (you vouch for the addresses); a user who already holds an address is left as is.",
		setup:   usersAdd},
	{group: "users", action: "list", maxArgs: 0,
		summary: "List the users (unproven sign-ups too), with their personal tokens and memberships.",
		setup:   usersList},
	{group: "tokens", action: "create", args: "EMAIL", minArgs: 1, maxArgs: 1,
		summary: "Create a personal access token for a user and print it. It is shown this once: the database keeps only its hash.",
		setup:   tokensCreate},
	{group: "invitations", action: "list", maxArgs: 0,
		summary: "List pending invitations (-all: accepted and expired ones too). Their codes cannot be shown: the database keeps only their hashes; `invitations resend` makes a new one.",
		setup:   invitationsList},
	{group: "invitations", action: "resend", args: "INVITATION_ID", minArgs: 1, maxArgs: 1,
		summary: "Give an invitation a new code and a new expiry, and print the code. The code sent before stops working; nothing is emailed.",
		setup:   invitationsResend},
	{group: "invitations", action: "accept", args: "INVITATION_ID", minArgs: 1, maxArgs: 1,
		summary: "Accept a pending invitation on the invitee's behalf: they become a member, and a user (proven, without a token) is created if none holds the address. You vouch that the address is theirs.",
		setup:   invitationsAccept},
	{group: "memberships", action: "list", args: "[EMAIL]", maxArgs: 1,
		summary: "List pending memberships (of one user when EMAIL is given; -all: active ones too).",
		setup:   membershipsList},
	{group: "memberships", action: "accept", args: "ORG_ID EMAIL", minArgs: 2, maxArgs: 2,
		summary: "Accept, on the user's behalf, a pending membership someone added them to.",
		setup:   membershipsAccept},
	{group: "orgs", action: "create", args: "NAME", minArgs: 1, maxArgs: 1,
		summary: "Create an organization owned by -owner (a proven user), with the API's defaults and rules (plan member limits, the five-organization cap), and print its id, to import it.",
		setup:   orgsCreate},
	{group: "orgs", action: "list", maxArgs: 0,
		summary: "List the organizations with their plan, active and pending members and pending invitations.",
		setup:   orgsList},
	{group: "domains", action: "verify", args: "ORG_ID DOMAIN", minArgs: 2, maxArgs: 2,
		summary: "Mark an organization's claimed domain verified without its DNS record, for local setups (you vouch that the organization owns it). It is taken from any other organization that had verified it.",
		setup:   domainsVerify},
	{group: "keys", action: "rotate", maxArgs: 0,
		summary: "Re-seal every sealed secret with a new server key, in one transaction, and replace the key file (or print the new key when the key comes from ORGS_SECRET_KEY). Stop the server first; stored idempotent responses are dropped.",
		setup:   keysRotate},
}

// isAdminGroup says whether the first argument names a subcommand group rather than a server flag.
func isAdminGroup(arg string) bool {
	return slices.ContainsFunc(adminCommands, func(c adminCommand) bool { return c.group == arg })
}

func adminGroups() []string {
	var groups []string
	for _, c := range adminCommands {
		if !slices.Contains(groups, c.group) {
			groups = append(groups, c.group)
		}
	}
	return groups
}

// adminUsage lists the subcommands (of one group, or all).
func adminUsage(w io.Writer, group string) {
	fmt.Fprintln(w, "Operator subcommands (they work on the database file, also while the server runs on it):")
	for _, c := range adminCommands {
		if group == "" || c.group == group {
			fmt.Fprintf(w, "  %s\n      %s\n", strings.TrimSpace("orgs-apiserver "+c.group+" "+c.action+" -db FILE "+c.args), c.summary)
		}
	}
	fmt.Fprintln(w, "Run one with -h for its flags.")
}

// usageError is a wrong command line: exit code 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

// runAdmin runs "GROUP ACTION [flags] [args]" and returns the exit code.
func runAdmin(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	err := dispatchAdmin(ctx, args, stdout, stderr)
	var usage usageError
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &usage):
		fmt.Fprintf(stderr, "orgs-apiserver: %v\n", err)
		return 2
	}
	fmt.Fprintf(stderr, "orgs-apiserver %s: %v\n", strings.Join(args[:min(2, len(args))], " "), err)
	return 1
}

func dispatchAdmin(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	group := args[0]
	if len(args) < 2 || args[1] == "-h" || args[1] == "-help" || args[1] == "--help" || args[1] == "help" {
		adminUsage(stderr, group)
		if len(args) < 2 {
			return usagef("%s: name an action", group)
		}
		return flag.ErrHelp
	}
	action := args[1]
	i := slices.IndexFunc(adminCommands, func(c adminCommand) bool { return c.group == group && c.action == action })
	if i < 0 {
		adminUsage(stderr, group)
		return usagef("%s: unknown action %q", group, action)
	}
	cmd := adminCommands[i]
	name := "orgs-apiserver " + group + " " + action
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	dbPath := fs.String("db", "orgs.db", "the server's SQLite database file (it must exist)")
	run := cmd.setup(fs)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: %s -db FILE [flags] %s\n\n%s\n\nFlags:\n", name, cmd.args, cmd.summary)
		fs.PrintDefaults()
	}
	positional, err := parseInterspersed(fs, args[2:])
	if errors.Is(err, flag.ErrHelp) {
		return err
	}
	if err != nil {
		return usageError{fmt.Sprintf("%s: %v", name, err)} // the flag package has printed the usage
	}
	switch {
	case len(positional) < cmd.minArgs:
		fs.Usage()
		return usagef("%s: missing %s", name, cmd.args)
	case cmd.maxArgs >= 0 && len(positional) > cmd.maxArgs:
		fs.Usage()
		return usagef("%s: unexpected arguments: %s", name, strings.Join(positional[cmd.maxArgs:], " "))
	}
	ttl := adminInvitationTTL(fs)
	if ttl < 0 {
		return usagef("%s: -invitation-ttl must not be negative", name)
	}
	admin, err := server.OpenAdmin(ctx, server.AdminConfig{DBPath: *dbPath, InvitationTTL: ttl})
	if err != nil {
		return err
	}
	defer admin.Close()
	if err := run(ctx, admin, adminEnv{out: stdout, log: stderr, dbPath: *dbPath}, positional); err != nil {
		return err
	}
	return admin.Close()
}

// adminInvitationTTL is the -invitation-ttl flag of the commands that have it (0: the default).
func adminInvitationTTL(fs *flag.FlagSet) time.Duration {
	if f := fs.Lookup("invitation-ttl"); f != nil {
		if d, ok := f.Value.(flag.Getter).Get().(time.Duration); ok {
			return d
		}
	}
	return 0
}

// parseInterspersed parses flags wherever they stand among the positional arguments, so that both
// "users add -db orgs.db alice@example.com" and "users add alice@example.com -db orgs.db" work.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return positional, nil
		}
		// After "--" everything is positional.
		if len(args) > len(rest) && args[len(args)-len(rest)-1] == "--" {
			return append(positional, rest...), nil
		}
		positional = append(positional, rest[0])
		args = rest[1:]
	}
}

func checkEmails(emails ...string) error {
	for _, e := range emails {
		if err := api.ValidateEmail(e); err != nil {
			return usagef("%q is not an email address: %v", e, err)
		}
	}
	return nil
}

// jsonFlag adds -json to a list command.
func jsonFlag(fs *flag.FlagSet) *bool {
	return fs.Bool("json", false, "print JSON instead of a table")
}

func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func table(w io.Writer, header string, rows func(tw io.Writer)) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, header)
	rows(tw)
	return tw.Flush()
}

func formatTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func usersAdd(fs *flag.FlagSet) adminRun {
	name := fs.String("name", "", "the user's display name (new users only; with one EMAIL)")
	return func(ctx context.Context, a *server.Admin, env adminEnv, emails []string) error {
		if err := checkEmails(emails...); err != nil {
			return err
		}
		if *name != "" && len(emails) > 1 {
			return usagef("-name names one user; give one EMAIL with it")
		}
		for _, email := range emails {
			u, created, err := a.AddUser(ctx, email, *name)
			if err != nil {
				return fmt.Errorf("add %s: %w", email, err)
			}
			status := "already present"
			if created {
				status = "added"
			}
			fmt.Fprintf(env.out, "%s\t%s\t%s\n", u.ID, u.Email, status)
		}
		return nil
	}
}

func usersList(fs *flag.FlagSet) adminRun {
	asJSON := jsonFlag(fs)
	return func(ctx context.Context, a *server.Admin, env adminEnv, _ []string) error {
		users, err := a.Users(ctx)
		if err != nil {
			return err
		}
		if *asJSON {
			return printJSON(env.out, nonNil(users))
		}
		return table(env.out, "ID\tEMAIL\tPROVEN\tPERSONAL TOKENS\tACTIVE MEMBERSHIPS\tPENDING MEMBERSHIPS\tCREATED", func(tw io.Writer) {
			for _, u := range users {
				fmt.Fprintf(tw, "%s\t%s\t%t\t%d\t%d\t%d\t%s\n", u.ID, u.Email, u.EmailVerified, u.PersonalTokens, u.ActiveMemberships, u.PendingMemberships, formatTime(u.CreatedAt))
			}
		})
	}
}

func tokensCreate(fs *flag.FlagSet) adminRun {
	name := fs.String("name", "created by orgs-apiserver tokens create", "the token's name")
	expiresIn := fs.Duration("expires-in", 0, "how long the token works, e.g. 720h (0: it does not expire)")
	return func(ctx context.Context, a *server.Admin, env adminEnv, args []string) error {
		if err := checkEmails(args[0]); err != nil {
			return err
		}
		if *expiresIn < 0 {
			return usagef("-expires-in must not be negative")
		}
		var expiresAt *time.Time
		if *expiresIn > 0 {
			t := time.Now().Add(*expiresIn)
			expiresAt = &t
		}
		tok, err := a.CreatePersonalToken(ctx, args[0], *name, expiresAt)
		if err != nil {
			return err
		}
		fmt.Fprintln(env.out, tok.Token)
		expiry := "it does not expire"
		if tok.ExpiresAt != nil {
			expiry = "it expires at " + formatTime(*tok.ExpiresAt)
		}
		fmt.Fprintf(env.log, "created personal token %s (%q) for %s; %s. It is shown this once: the database keeps only its hash.\n",
			tok.ID, tok.Name, args[0], expiry)
		return nil
	}
}

func invitationsList(fs *flag.FlagSet) adminRun {
	org := fs.String("org", "", "only this organization's invitations (an organization id)")
	email := fs.String("email", "", "only the invitations to this address")
	all := fs.Bool("all", false, "accepted and expired invitations too")
	asJSON := jsonFlag(fs)
	return func(ctx context.Context, a *server.Admin, env adminEnv, _ []string) error {
		if *email != "" {
			if err := checkEmails(*email); err != nil {
				return err
			}
		}
		invs, err := a.Invitations(ctx, server.InvitationFilter{OrganizationID: *org, Email: *email, All: *all})
		if err != nil {
			return err
		}
		if *asJSON {
			return printJSON(env.out, nonNil(invs))
		}
		err = table(env.out, "ID\tORGANIZATION\tEMAIL\tROLE\tSTATUS\tEXPIRES\tINVITED BY", func(tw io.Writer) {
			for _, inv := range invs {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", inv.ID, inv.OrganizationID, inv.Email, inv.Role, inv.Status, formatTime(inv.ExpiresAt), inv.InvitedBy)
			}
		})
		if err == nil && len(invs) > 0 {
			fmt.Fprintf(env.log, "Codes are kept only as hashes and cannot be shown. To accept one: orgs-apiserver invitations accept -db %s ID,\n"+
				"or give the invitee a new code: orgs-apiserver invitations resend -db %s ID (the code sent before stops working).\n", env.dbPath, env.dbPath)
		}
		return err
	}
}

func invitationsResend(fs *flag.FlagSet) adminRun {
	fs.Duration("invitation-ttl", server.DefaultInvitationTTL, "how long the new code can be accepted")
	return func(ctx context.Context, a *server.Admin, env adminEnv, args []string) error {
		inv, code, err := a.ResendInvitation(ctx, args[0])
		if err != nil {
			return err
		}
		fmt.Fprintln(env.out, code)
		fmt.Fprintf(env.log, "invitation %s (%s to organization %s as %s) has a new code, valid until %s; the code sent before no longer works.\n"+
			"The invitee accepts with POST %s and the body {\"code\": \"<the code>\"} (no credential needed).\n",
			inv.ID, inv.Email, inv.OrganizationID, inv.Role, formatTime(inv.ExpiresAt), api.PathInvitationAccept)
		return nil
	}
}

func invitationsAccept(fs *flag.FlagSet) adminRun {
	name := fs.String("name", "", "the display name of the user, when one is created")
	return func(ctx context.Context, a *server.Admin, env adminEnv, args []string) error {
		acc, err := a.AcceptInvitation(ctx, args[0], *name)
		if err != nil {
			return err
		}
		fmt.Fprintf(env.out, "%s\t%s\t%s\t%s\n", acc.Member.OrganizationID, acc.Member.Email, acc.Member.Role, acc.Member.Status)
		fmt.Fprintf(env.log, "%s is now a member of organization %s with role %s. To give them a personal token: orgs-apiserver tokens create -db %s %s\n",
			acc.Member.Email, acc.Member.OrganizationID, acc.Member.Role, env.dbPath, acc.Member.Email)
		return nil
	}
}

func membershipsList(fs *flag.FlagSet) adminRun {
	all := fs.Bool("all", false, "active memberships too")
	asJSON := jsonFlag(fs)
	return func(ctx context.Context, a *server.Admin, env adminEnv, args []string) error {
		email := ""
		if len(args) == 1 {
			email = args[0]
			if err := checkEmails(email); err != nil {
				return err
			}
		}
		members, err := a.Memberships(ctx, email, *all)
		if err != nil {
			return err
		}
		if *asJSON {
			return printJSON(env.out, nonNil(members))
		}
		return table(env.out, "ORGANIZATION\tEMAIL\tROLE\tSTATUS\tADDED", func(tw io.Writer) {
			for _, m := range members {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", m.OrganizationID, m.Email, m.Role, m.Status, formatTime(m.CreatedAt))
			}
		})
	}
}

func membershipsAccept(fs *flag.FlagSet) adminRun {
	return func(ctx context.Context, a *server.Admin, env adminEnv, args []string) error {
		orgID, email := args[0], args[1]
		if err := checkEmails(email); err != nil {
			return err
		}
		m, err := a.AcceptMembership(ctx, orgID, email)
		if err != nil {
			return err
		}
		fmt.Fprintf(env.out, "%s\t%s\t%s\t%s\n", m.OrganizationID, m.Email, m.Role, m.Status)
		return nil
	}
}

func orgsList(fs *flag.FlagSet) adminRun {
	asJSON := jsonFlag(fs)
	return func(ctx context.Context, a *server.Admin, env adminEnv, _ []string) error {
		orgs, err := a.Organizations(ctx)
		if err != nil {
			return err
		}
		if *asJSON {
			return printJSON(env.out, nonNil(orgs))
		}
		return table(env.out, "ID\tNAME\tPLAN\tMEMBERS\tPENDING MEMBERS\tPENDING INVITATIONS\tCREATED", func(tw io.Writer) {
			for _, o := range orgs {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%d\t%s\n", o.ID, o.Name, o.Plan, o.ActiveMembers, o.PendingMembers, o.PendingInvitations, formatTime(o.CreatedAt))
			}
		})
	}
}

// listFlag is a flag that may be given several times, each adding one value.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }

func (l *listFlag) Set(v string) error {
	*l = append(*l, v)
	return nil
}

func orgsCreate(fs *flag.FlagSet) adminRun {
	owner := fs.String("owner", "", "the address of the user who owns the organization (required; a proven user: orgs-apiserver users add)")
	plan := fs.String("plan", string(api.PlanHobby), "the plan: "+fmt.Sprint(api.Plans))
	description := fs.String("description", "", "what the organization is for")
	website := fs.String("website", "", "its website, an http or https URL")
	var contacts listFlag
	fs.Var(&contacts, "admin-contact", "an address that receives important notices; repeat for more (default: the owner's)")
	storage := fs.Int64("artifacts-storage-limit-gb", api.DefaultOrganizationSettings.ArtifactsStorageLimitGB, "the artifacts storage limit in GB")
	hints := fs.Bool("ai-hints", api.DefaultOrganizationSettings.AIHintsEnabled, "show AI hints")
	mask := fs.Bool("mask-webhook-urls", api.DefaultOrganizationSettings.MaskWebhookURLs, "mask webhook URLs")
	return func(ctx context.Context, a *server.Admin, env adminEnv, args []string) error {
		if *owner == "" {
			return usagef("-owner is required: the address of the user who owns the organization")
		}
		if err := checkEmails(append([]string{*owner}, contacts...)...); err != nil {
			return err
		}
		if len(contacts) == 0 {
			contacts = listFlag{*owner}
		}
		// Only the settings given are sent, as the API's partial settings: the rest take their defaults.
		var settings api.OrganizationSettingsUpdate
		fs.Visit(func(f *flag.Flag) {
			switch f.Name {
			case "artifacts-storage-limit-gb":
				settings.ArtifactsStorageLimitGB = storage
			case "ai-hints":
				settings.AIHintsEnabled = hints
			case "mask-webhook-urls":
				settings.MaskWebhookURLs = mask
			}
		})
		org, err := a.CreateOrganization(ctx, *owner, api.OrganizationCreate{
			Name: args[0], Description: *description, Website: *website, AdminContactEmails: contacts,
			Plan: api.Plan(*plan), Settings: &settings,
		})
		if err != nil {
			return err
		}
		fmt.Fprintln(env.out, org.ID)
		fmt.Fprintf(env.log, "created organization %s (%q, plan %s), owned by %s. To manage it with the provider, import it:\n"+
			"  import {\n    to = orgs_organization.this\n    id = %q\n  }\n"+
			"or bring in everything it holds: orgs-onboard -org %s -out onboard.tf\n",
			org.ID, org.Name, org.Plan, *owner, org.ID, org.ID)
		return nil
	}
}

// nonNil makes an empty list print as [] rather than null.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func keysRotate(fs *flag.FlagSet) adminRun {
	keyFile := fs.String("key-file", "", "the server key file (default: the database path + .key); not read when ORGS_SECRET_KEY is set")
	return func(ctx context.Context, a *server.Admin, env adminEnv, _ []string) error {
		newKey := seal.NewKey()
		if encoded := os.Getenv("ORGS_SECRET_KEY"); encoded != "" {
			oldKey, err := seal.ParseKey(encoded)
			if err != nil {
				return fmt.Errorf("ORGS_SECRET_KEY: %w", err)
			}
			n, err := a.RotateKey(ctx, oldKey, newKey)
			if err != nil {
				return err
			}
			fmt.Fprintln(env.out, seal.EncodeKey(newKey))
			fmt.Fprintf(env.log, "re-sealed %d container registries with a new server key (id %s), printed above and shown this once: "+
				"set ORGS_SECRET_KEY to it before starting the server, and keep it with the database's backups\n", n, seal.KeyID(newKey))
			return nil
		}
		path := *keyFile
		if path == "" {
			path = env.dbPath + ".key"
		}
		oldKey, err := seal.ReadKeyFile(path)
		if err != nil {
			return err
		}
		// The new key is on disk before the database needs it, and replaces the old one only after the
		// commit: an interruption leaves either the old key in use, or the new one in path.new (the
		// server then says to move it over).
		pending := path + ".new"
		if err := seal.WriteKeyFile(pending, newKey); err != nil {
			return fmt.Errorf("%w (a file left by an interrupted rotation? If the server starts with %s, delete it)", err, path)
		}
		n, err := a.RotateKey(ctx, oldKey, newKey)
		if err != nil {
			return errors.Join(err, os.Remove(pending))
		}
		if err := os.Rename(pending, path); err != nil {
			return fmt.Errorf("the database now expects the new key, which is in %s: move it over %s: %w", pending, path, err)
		}
		fmt.Fprintf(env.log, "re-sealed %d container registries with a new server key (id %s), now in %s; back it up with the database\n", n, seal.KeyID(newKey), path)
		return nil
	}
}

func domainsVerify(*flag.FlagSet) adminRun {
	return func(ctx context.Context, a *server.Admin, env adminEnv, args []string) error {
		d, err := a.VerifyDomain(ctx, args[0], args[1])
		if err != nil {
			return err
		}
		fmt.Fprintf(env.out, "%s\t%s\t%s\n", d.OrganizationID, d.Domain, d.Status)
		return nil
	}
}
