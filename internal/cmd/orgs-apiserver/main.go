// Command orgs-apiserver runs the reference organizations API server on a SQLite database.
//
//	orgs-apiserver -listen 127.0.0.1:8080 -db orgs.db
//
// On every start, ORGS_BOOTSTRAP_EMAIL (and ORGS_BOOTSTRAP_TOKEN, that user's personal token, at least
// 32 characters) makes sure that user exists and holds that token, and ORGS_SEED_USERS (comma-separated
// emails) makes sure those users exist (without tokens), so that demos and CI start without a human; the
// operator vouches for these addresses, so they count as proven. On an existing database only what is
// missing is added (a new token next to the old ones, new seed users), and the log says what was added
// and what was already there, never the token.
//
// Registry secrets are sealed with the server key: ORGS_SECRET_KEY (32 bytes in base64), or else the
// key file (-key-file, default: the database path + ".key"), which the server creates with mode 0600
// and a random key on first start. Keep the key file with the database and back both up: without the
// key the sealed secrets cannot be opened. The database files are created readable by their owner only.
//
// -auto-accept-memberships (or ORGS_AUTO_ACCEPT_MEMBERSHIPS=true) makes members added by someone else
// active at once instead of pending until they accept: for local and CI setups only, as it gives up
// the protection pending memberships are for (see contributing/threat-model.md).
//
// -allow-private-webhook-targets (or ORGS_ALLOW_PRIVATE_WEBHOOK_TARGETS=true) lets webhooks deliver to
// loopback, private and other non-public addresses, which are refused otherwise: for local setups and
// tests only, as it lets anyone who may create a webhook make the server send requests into its network.
//
// Operator subcommands work on the database file, also while the server runs on it (see README.md):
//
//	orgs-apiserver users add -db orgs.db alice@example.com
//	orgs-apiserver users list -db orgs.db
//	orgs-apiserver tokens create -db orgs.db alice@example.com
//	orgs-apiserver invitations list -db orgs.db
//	orgs-apiserver invitations resend -db orgs.db inv_...
//	orgs-apiserver invitations accept -db orgs.db inv_...
//	orgs-apiserver memberships list -db orgs.db alice@example.com
//	orgs-apiserver memberships accept -db orgs.db org_... alice@example.com
//	orgs-apiserver orgs list -db orgs.db
//
// The server logs to stderr and never prints a secret unless -print-invitation-codes asks it to print
// invitation and sign-up verification codes. It proves it can write its database before it prints
// "listening on http://ADDR" to stdout, and exits non-zero naming the path otherwise; SIGINT or SIGTERM
// shut it down cleanly.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
	"github.com/orgs-dev/terraform-provider-orgs/internal/server"
	"github.com/orgs-dev/terraform-provider-orgs/internal/server/ratelimit"
	"github.com/orgs-dev/terraform-provider-orgs/internal/server/seal"
)

func main() {
	if len(os.Args) > 1 && isAdminGroup(os.Args[1]) {
		os.Exit(runAdmin(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
	}
	err := run(context.Background(), os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	var usage usageError
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
	case errors.As(err, &usage):
		fmt.Fprintln(os.Stderr, "orgs-apiserver:", err)
		os.Exit(2)
	default:
		fmt.Fprintln(os.Stderr, "orgs-apiserver:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("orgs-apiserver", flag.ContinueOnError)
	fs.SetOutput(stderr)
	listen := fs.String("listen", "127.0.0.1:8080", "address to listen on (loopback unless told otherwise; port 0 picks a free port)")
	dbPath := fs.String("db", "orgs.db", "SQLite database file (created if missing)")
	rate := fs.Float64("rate-limit", ratelimit.DefaultPerSecond, "requests per second allowed per user (all their credentials), or per client address without a valid credential")
	burst := fs.Int("rate-burst", ratelimit.DefaultBurst, "requests allowed at once per user or client address")
	noRate := fs.Bool("no-rate-limit", false, "turn the rate limit off")
	f429 := fs.Float64("fault-429", 0, "fraction of requests answered 429 (with Retry-After) before doing anything")
	f503 := fs.Float64("fault-503", 0, "fraction of requests answered 503 before doing anything")
	fCommit := fs.Float64("fault-commit-503", 0, "fraction of successful writes committed and then answered 503")
	latency := fs.Duration("latency", 0, "latency added to every request")
	seed := fs.Int64("fault-seed", 1, "seed of the fault injection")
	ttl := fs.Duration("invitation-ttl", server.DefaultInvitationTTL, "how long an invitation can be accepted")
	printCodes := fs.Bool("print-invitation-codes", false, "log invitation and sign-up verification codes (secrets) so a person can use them by hand")
	keyFile := fs.String("key-file", "", "file holding the server key that seals registry secrets (default: the -db path + \".key\"; created with mode 0600 if missing; ORGS_SECRET_KEY takes precedence)")
	autoAccept := fs.Bool("auto-accept-memberships", envBool(getenv("ORGS_AUTO_ACCEPT_MEMBERSHIPS")),
		"make members added by someone else active at once instead of pending until they accept (local and CI setups only: it gives up that protection; env ORGS_AUTO_ACCEPT_MEMBERSHIPS)")
	dnsResolver := fs.String("dns-resolver", "", "the DNS server (host:port) that domain verification resolves TXT records through (default: the system's resolver)")
	domainCheck := fs.Duration("domain-check-interval", server.DefaultDomainCheckInterval, "how often pending domains are checked for their TXT record")
	privateWebhooks := fs.Bool("allow-private-webhook-targets", envBool(getenv("ORGS_ALLOW_PRIVATE_WEBHOOK_TARGETS")),
		"let webhooks deliver to loopback, private, link-local and other non-public addresses (local setups and tests only; env ORGS_ALLOW_PRIVATE_WEBHOOK_TARGETS)")
	verbose := fs.Bool("v", false, "log every request")
	writeOpenAPI := fs.String("write-openapi", "", "write the OpenAPI document to this file and exit (\"-\": standard output)")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: orgs-apiserver [flags]   (runs the server)\n\nFlags:\n")
		fs.PrintDefaults()
		fmt.Fprintln(fs.Output())
		adminUsage(fs.Output(), "")
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err.Error()}
	}
	if fs.NArg() > 0 {
		if isAdminGroup(fs.Arg(0)) {
			// orgs-apiserver -db orgs.db users list: the subcommand comes first, its flags after it.
			return usagef("the subcommand %q must come first, its flags after it: orgs-apiserver %s -db FILE ...", strings.Join(fs.Args()[:min(2, fs.NArg())], " "),
				strings.Join(fs.Args()[:min(2, fs.NArg())], " "))
		}
		return usagef("unknown subcommand or argument %q; the subcommands are %s (orgs-apiserver -h lists them)", fs.Arg(0), strings.Join(adminGroups(), ", "))
	}
	if *writeOpenAPI != "" {
		doc, err := server.OpenAPI()
		if err != nil {
			return err
		}
		if *writeOpenAPI == "-" {
			_, err = stdout.Write(doc)
			return err
		}
		return os.WriteFile(*writeOpenAPI, doc, 0o644)
	}
	// Catch the signals from the start, so that one arriving during start-up also stops us cleanly.
	sigCtx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()

	level := slog.LevelInfo
	if *verbose {
		level = slog.LevelDebug
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))

	cfg := server.Config{
		DBPath:                *dbPath,
		KeyFile:               *keyFile,
		DNSResolver:           *dnsResolver,
		DomainCheckInterval:   *domainCheck,
		RateLimit:             server.RateLimit{Disabled: *noRate, PerSecond: *rate, Burst: *burst},
		Faults:                server.Faults{Fraction429: *f429, Fraction503: *f503, FractionCommitThen503: *fCommit, Latency: *latency, Seed: *seed},
		InvitationTTL:         *ttl,
		AutoAcceptMemberships: *autoAccept,
		Webhooks:              server.WebhookDelivery{AllowPrivateTargets: *privateWebhooks},
		Logger:                logger,
	}
	if k := getenv("ORGS_SECRET_KEY"); k != "" {
		key, err := seal.ParseKey(k)
		if err != nil {
			return fmt.Errorf("ORGS_SECRET_KEY: %w", err)
		}
		cfg.SecretKey = key
	}
	if *autoAccept {
		logger.Warn("members added by someone else are active at once (-auto-accept-memberships): anyone who can add a user can use up their organization cap; for local and CI setups only")
	}
	if *privateWebhooks {
		logger.Warn("webhooks may deliver to private and loopback addresses (-allow-private-webhook-targets): anyone who can create a webhook can reach this server's network; for local setups and tests only")
	}
	if *printCodes {
		cfg.OnInvitation = func(e api.InvitationEmail) {
			logger.Info("invitation code (accept with POST "+api.PathInvitationAccept+")",
				"to", e.To, "organization_id", e.OrganizationID, "invitation_id", e.InvitationID, "code", e.Code)
		}
		cfg.OnVerification = func(e api.VerificationEmail) {
			logger.Info("sign-up verification code (prove the address with POST "+api.PathVerifyEmail+")",
				"to", e.To, "user_id", e.UserID, "code", e.Code)
		}
	}
	srv, err := server.New(cfg)
	if err != nil {
		return err
	}
	defer srv.Close()

	if email := getenv("ORGS_BOOTSTRAP_EMAIL"); email != "" {
		var seeds []string
		for _, e := range strings.Split(getenv("ORGS_SEED_USERS"), ",") {
			if e = strings.TrimSpace(e); e != "" {
				seeds = append(seeds, e)
			}
		}
		if err := srv.Bootstrap(ctx, email, getenv("ORGS_BOOTSTRAP_TOKEN"), seeds); err != nil {
			return err
		}
	} else if getenv("ORGS_BOOTSTRAP_TOKEN") != "" {
		return errors.New("ORGS_BOOTSTRAP_TOKEN is set but ORGS_BOOTSTRAP_EMAIL is not; set both")
	}

	ln, err := new(net.ListenConfig).Listen(ctx, "tcp", *listen)
	if err != nil {
		return err
	}
	ln = server.Listener(ln)
	var handler http.Handler = srv
	if *verbose {
		handler = logRequests(logger, srv)
	}
	hs := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       time.Minute,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	serveErr := make(chan error, 1)
	go func() { serveErr <- hs.Serve(ln) }()
	fmt.Fprintf(stdout, "listening on http://%s\n", ln.Addr())
	logger.Info("serving", "addr", ln.Addr().String(), "db", *dbPath)

	select {
	case err := <-serveErr:
		return err
	case <-sigCtx.Done():
	}
	logger.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := hs.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := srv.Close(); err != nil {
		return fmt.Errorf("close database: %w", err)
	}
	logger.Info("stopped")
	return nil
}

// envBool reads a boolean environment variable; anything but a true value (1, t, true, ...) is false.
func envBool(v string) bool {
	b, err := strconv.ParseBool(strings.TrimSpace(v))
	return err == nil && b
}

// logRequests logs method, path and status of every request; never headers, which carry credentials.
func logRequests(logger *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(sw, r)
		logger.Debug("request", "method", r.Method, "path", r.URL.Path, "status", sw.status, "duration", time.Since(start))
	})
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(status int) {
	w.status = status
	w.ResponseWriter.WriteHeader(status)
}
