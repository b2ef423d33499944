// Command scale is the scale harness (`make scale`, scripts/scale.sh): it runs the reference server
// in-process with its default rate limit, applies N orgs_member and then up to the plan's limit of
// orgs_label through a real OpenTofu or Terraform (two first applies, each measured next to the same
// apply through the floor provider), plans, applies a change of 10% of them, and plans again with 20ms
// of server latency. Beside
// those it measures two floors on the same machine in the same run: a plan of as many terraform_data
// (the CLI's own cost) and of as many resources of a minimal framework provider whose Read returns the
// state unchanged (the plugin-protocol floor, ./floor). It also plans the orgs working directory with
// the hollow provider (./hollow: the orgs schemas without the provider's code), which tells the
// provider's own cost from its schemas'. It prints one table: wall time, requests, 429s and the
// provider process's peak RSS, then the goals with PASS or FAIL.
//
// With -record it also keeps the run's rows in a record of runs (JSON, committed beside the charts), where
// it replaces the run of the same CLI and N, and redraws from every run recorded the charts of time
// against N and the figures section of the performance page (-page): a run at one N adds or refreshes
// that N's points and leaves the others as they were measured. -redraw only redraws, measuring nothing:
// `make generate` runs it so that charts and page never drift from the record.
//
// It is a tool, not a test: nothing runs it in the test command.
package main

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
	"github.com/orgs-dev/terraform-provider-orgs/internal/client"
)

const ownerEmail = "owner@example.com"

func main() {
	n := flag.Int("n", 1000, "number of orgs_member (the owner's membership, imported, is one of them)")
	cli := flag.String("cli", "", "path of the tofu or terraform binary (scripts/ensure-cli.sh prints it)")
	providerBin := flag.String("provider", "", "a prebuilt terraform-provider-orgs to measure (default: build this checkout's)")
	baselineBin := flag.String("baseline", "", "another prebuilt terraform-provider-orgs (an older commit) whose plans of the same organization are measured too, as the \"before\" rows")
	latency := flag.Duration("latency", 20*time.Millisecond, "server latency of the last plan")
	runs := flag.Int("runs", 3, "how many times each plan runs; the table shows the run of median wall time")
	keep := flag.Bool("keep", false, "keep the working directory (logs, configurations, state) and print its path")
	recordPath := flag.String("record", "", "the record of runs (JSON) that this run joins, replacing its run of the same CLI and N; the charts are redrawn beside it")
	pagePath := flag.String("page", "", "with -record: the Markdown page whose figures section is rewritten from the record")
	redrawOnly := flag.Bool("redraw", false, "measure nothing: redraw the charts beside -record and the figures of -page from the record")
	flag.Parse()
	if *redrawOnly {
		if err := redraw(*recordPath, *pagePath); err != nil {
			fmt.Fprintln(os.Stderr, "scale:", err)
			os.Exit(1)
		}
		return
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, options{n: *n, runs: *runs, cli: *cli, providerBin: *providerBin, baselineBin: *baselineBin,
		latency: *latency, keep: *keep, record: *recordPath, page: *pagePath})
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "scale:", err)
		os.Exit(1)
	}
}

// options are the harness's flags.
type options struct {
	n, runs                       int
	cli, providerBin, baselineBin string
	latency                       time.Duration
	keep                          bool
	record, page                  string // see -record and -page
}

func run(ctx context.Context, opt options) error {
	n, runs, cliPath, providerBin, baselineBin, latency, keep := opt.n, opt.runs, opt.cli, opt.providerBin, opt.baselineBin, opt.latency, opt.keep
	limits := api.PlanLimits[api.PlanEnterprise]
	if n < 1 || int64(n) > limits.Members {
		return fmt.Errorf("-n must be between 1 and %d (the enterprise plan's member limit)", limits.Members)
	}
	if runs < 1 {
		return errors.New("-runs must be at least 1")
	}
	if cliPath == "" {
		return errors.New("-cli is required (scripts/scale.sh passes the path scripts/ensure-cli.sh prints)")
	}
	if opt.page != "" && opt.record == "" {
		return errors.New("-page needs -record: the page's figures are drawn from the record")
	}
	labels := min(n, int(limits.Labels))
	work, err := os.MkdirTemp("", "orgs-scale-")
	if err != nil {
		return err
	}
	if keep {
		defer fmt.Fprintln(os.Stderr, "kept", work)
	} else {
		defer os.RemoveAll(work)
	}

	h := &harness{ctx: ctx, cli: cliPath, work: work, runs: runs}
	say("building the providers into %s", filepath.Join(work, "bin"))
	if err := h.build(providerBin, baselineBin); err != nil {
		return err
	}
	rec, err := h.describeMachine()
	if err != nil {
		return err
	}
	rec.N, rec.Labels, rec.PlanRuns = n, labels, runs
	rec.Date = time.Now().UTC().Format(time.DateOnly)
	rec.Provider = describeProvider(ctx, providerBin)
	if baselineBin != "" {
		rec.Baseline = filepath.Base(baselineBin)
	}

	say("starting the reference server (default rate limit) with %d seeded users", n)
	seeds := make([]string, 0, n-1)
	for i := 1; i < n; i++ {
		seeds = append(seeds, memberEmail(i))
	}
	dbPath := filepath.Join(work, "orgs.db")
	token := "orgs_pat_scale_" + fmt.Sprint(time.Now().UnixNano())
	srv, err := startServer(dbPath, 0, func(s seeder) error { return s.Bootstrap(ctx, ownerEmail, token, seeds) })
	if err != nil {
		return err
	}
	defer func() { srv.stop() }()
	orgID, err := createOrganization(ctx, srv.url, token)
	if err != nil {
		return err
	}
	h.orgsEnv = []string{"ORGS_TOKEN=" + token}

	// The organization is built the way a team brings one under management: the members first, then the
	// labels, each a first apply measured; the plans below then refresh both.
	orgsDir, err := h.writeConfig("orgs", orgsConfig(orgID, n, 0, false))
	if err != nil {
		return err
	}
	// cliConfig, when not "", is the CLI configuration that takes orgs-dev/orgs from another binary.
	measureOrgs := func(r row, cliConfig string, args ...string) error {
		say("%s", r.Name)
		env := append(slices.Clone(h.orgsEnv), "ORGS_ENDPOINT="+srv.url)
		if cliConfig != "" {
			env = append(env, "TF_CLI_CONFIG_FILE="+filepath.Join(h.work, cliConfig))
		}
		err := h.median(&r, orgsDir, env, srv.count, args...)
		r.Resources = n + labels
		if r.Command == "apply" {
			r.RateFloor = srv.count.rateFloor(r.Requests)
		}
		rec.Rows = append(rec.Rows, r)
		return err
	}
	changed := n/10 + labels/10
	applies := []struct {
		row       row
		resources int
		orgs      string // the orgs configuration applied
		floor     string // the floor's configuration of the same apply
	}{
		{row{Key: keyApplyMembers, Series: "apply: first, N orgs_member", Name: fmt.Sprintf("apply: first, %d orgs_member", n)},
			n, orgsConfig(orgID, n, 0, false), floorConfig(n, 0, false)},
		{row{Key: keyApplyLabels, Series: "apply: first, the orgs_label (members refreshed)", Name: fmt.Sprintf("apply: first, %d orgs_label (%d members refreshed)", labels, n)},
			labels, orgsConfig(orgID, n, labels, false), floorConfig(n, labels, false)},
		{row{Key: keyApplyChange, Series: "apply: 10% of members and labels changed", Name: fmt.Sprintf("apply: %d of %d members and labels changed (10%%)", changed, n+labels)},
			changed, orgsConfig(orgID, n, labels, true), floorConfig(n, labels, true)},
	}
	// measureApply applies the i-th configuration through the orgs provider.
	measureApply := func(i int) error {
		a := applies[i]
		if err := os.WriteFile(filepath.Join(orgsDir, "main.tf"), []byte(a.orgs), 0o600); err != nil {
			return err
		}
		say("%s", a.row.Name)
		env := append(slices.Clone(h.orgsEnv), "ORGS_ENDPOINT="+srv.url)
		r := a.row
		err := h.measure(&r, orgsDir, env, srv.count, applyArgs...)
		r.Command, r.Resources = "apply", a.resources
		r.RateFloor = srv.count.rateFloor(r.Requests)
		rec.Rows = append(rec.Rows, r)
		return err
	}
	for i := range 2 {
		if err := measureApply(i); err != nil {
			return err
		}
	}
	if err := measureOrgs(row{Key: keyPlan, Series: "plan", Name: "plan"}, "", planArgs...); err != nil {
		return err
	}
	if baselineBin != "" {
		// The same organization and state, refreshed by the older provider: the "before" of this run
		// (at the server's default limit, where a provider that reads object by object waits). Its
		// failure is a result, not the harness's: a provider without pacing can run out of retries on a
		// large organization. The row says FAILED and the run goes on.
		baseline := row{Key: keyBaseline, Series: "plan, baseline provider", Name: "plan, baseline provider"}
		if err := measureOrgs(baseline, baselineCLIConfig, planArgs...); err != nil {
			say("the baseline provider's plan failed (its row says so): %v", err)
		}
	}
	// The same state and configuration with the orgs schemas and none of the provider's code.
	hollow := row{Key: keyHollow, Series: "hollow provider (the orgs schemas, no provider code)", Floor: true,
		Name: "plan, hollow provider (the orgs schemas, Reads that do nothing)"}
	if err := measureOrgs(hollow, hollowCLIConfig, planArgs...); err != nil {
		return err
	}
	if err := measureApply(2); err != nil {
		return err
	}
	srv.stop()
	if srv, err = startServer(dbPath, latency, nil); err != nil {
		return err
	}
	slow := fmt.Sprintf("plan, server latency %s", latency)
	if err := measureOrgs(row{Key: keyLatency, Series: slow, Name: slow}, "", planArgs...); err != nil {
		return err
	}
	srv.stop()

	// The same applies through the floor provider, in a working directory of its own that they build
	// up as the orgs applies build theirs.
	floorApplyDir, err := h.writeConfig("floor_item_apply", "")
	if err != nil {
		return err
	}
	for i, a := range applies {
		if err := os.WriteFile(filepath.Join(floorApplyDir, "main.tf"), []byte(a.floor), 0o600); err != nil {
			return err
		}
		r := row{Key: "floor-" + a.row.Key, Series: "floor: " + a.row.Series, Name: "floor: " + a.row.Name, Floor: true}
		say("%s", r.Name)
		r.Command = "apply"
		if err := h.measure(&r, floorApplyDir, nil, nil, applyArgs...); err != nil {
			return err
		}
		r.Resources = applies[i].resources
		rec.Rows = append(rec.Rows, r)
	}

	total := n + labels
	for _, f := range []struct {
		row    row
		typ    string // names the directory too
		config string
	}{
		{row{Key: keyTerraformData, Series: "floor: terraform_data (the CLI alone)", Name: fmt.Sprintf("floor: plan of %d terraform_data", total)},
			"terraform_data", dataConfig(n, labels)},
		{row{Key: keyFloorItem, Series: "floor: floor_item (a framework provider)", Name: fmt.Sprintf("floor: plan of %d floor_item (framework)", total)},
			"floor_item", floorConfig(n, labels, false)},
	} {
		dir, err := h.writeConfig(f.typ, f.config)
		if err != nil {
			return err
		}
		state, err := floorState(f.typ, n, labels, h.version, filepath.Base(h.cli))
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, "terraform.tfstate"), state, 0o600); err != nil {
			return err
		}
		say("%s", f.row.Name)
		r := f.row
		r.Floor = true
		if err := h.median(&r, dir, nil, nil, planArgs...); err != nil {
			return err
		}
		r.Resources = total
		rec.Rows = append(rec.Rows, r)
	}

	rec.LoadAfter = loadAverage()
	fmt.Printf("\n%s\n\n", rec.describe())
	printRun(os.Stdout, rec)
	if opt.record == "" {
		return nil
	}
	if err := addRun(opt.record, rec); err != nil {
		return err
	}
	if err := redraw(opt.record, opt.page); err != nil {
		return err
	}
	say("recorded the run in %s; charts redrawn beside it", opt.record)
	return nil
}

var (
	applyArgs = []string{"apply", "-auto-approve", "-input=false", "-no-color"}
	planArgs  = []string{"plan", "-detailed-exitcode", "-input=false", "-no-color"}
)

func say(format string, args ...any) { fmt.Fprintf(os.Stderr, ">> "+format+"\n", args...) }

func memberEmail(i int) string { return fmt.Sprintf("user%05d@example.com", i) }

func createOrganization(ctx context.Context, endpoint, token string) (string, error) {
	c, err := client.New(client.Config{Endpoint: endpoint, Token: token, UserAgent: "orgs-scale-harness"})
	if err != nil {
		return "", err
	}
	org, err := c.CreateOrganization(ctx, api.OrganizationCreate{
		Name: "scale", AdminContactEmails: []string{ownerEmail}, Plan: api.PlanEnterprise,
	})
	if err != nil {
		return "", fmt.Errorf("create organization: %w", err)
	}
	return org.ID, nil
}

// harness runs the CLI in working directories under work, with providers from work/bin.
type harness struct {
	ctx     context.Context
	cli     string
	work    string
	runs    int    // of each plan
	version string // the CLI's, as it writes it into state
	orgsEnv []string
}

// The CLI configurations, in the working directory, that point orgs-dev/orgs at the baseline provider
// (in work/baseline) and at the hollow provider (in work/hollow).
const (
	baselineCLIConfig = "cli-baseline.tfrc"
	hollowCLIConfig   = "cli-hollow.tfrc"
)

// build puts terraform-provider-orgs (this checkout's, or a prebuilt one) and the floor provider in
// work/bin, and writes the CLI configuration that points both there; the hollow provider in work/hollow
// and the configuration that points orgs-dev/orgs there instead; with a baseline provider, the same in
// work/baseline.
func (h *harness) build(providerBin, baselineBin string) error {
	bin := filepath.Join(h.work, "bin")
	orgs := filepath.Join(bin, "terraform-provider-orgs")
	hollow := filepath.Join(h.work, "hollow")
	builds := [][]string{
		{"-o", filepath.Join(bin, "terraform-provider-floor"), "./scripts/internal/scale/floor"},
		{"-o", filepath.Join(hollow, "terraform-provider-orgs"), "./scripts/internal/scale/hollow"},
	}
	if providerBin == "" {
		builds = append(builds, []string{"-o", orgs, "."})
	} else if err := copyBinary(providerBin, orgs); err != nil {
		return err
	}
	for _, args := range builds {
		cmd := exec.CommandContext(h.ctx, "go", append([]string{"build"}, args...)...)
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("go build %s: %w", args[len(args)-1], err)
		}
	}
	if err := writeCLIConfig(filepath.Join(h.work, "cli.tfrc"), bin, bin); err != nil {
		return err
	}
	if err := writeCLIConfig(filepath.Join(h.work, hollowCLIConfig), hollow, bin); err != nil {
		return err
	}
	if baselineBin == "" {
		return nil
	}
	baseline := filepath.Join(h.work, "baseline")
	if err := copyBinary(baselineBin, filepath.Join(baseline, "terraform-provider-orgs")); err != nil {
		return err
	}
	return writeCLIConfig(filepath.Join(h.work, baselineCLIConfig), baseline, bin)
}

// copyBinary copies the executable at from to to. A copy, not a link: the peak-RSS watcher finds the
// provider processes by their executable's name (terraform-provider-*), and a link would be resolved
// to the name it points at.
func copyBinary(from, to string) error {
	b, err := os.ReadFile(from)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
		return err
	}
	return os.WriteFile(to, b, 0o755)
}

// writeCLIConfig writes a CLI configuration whose dev_overrides take orgs-dev/orgs from the directory
// orgs and orgs-dev/floor from floor.
func writeCLIConfig(path, orgs, floor string) error {
	return os.WriteFile(path, fmt.Appendf(nil, `provider_installation {
  dev_overrides {
    "orgs-dev/orgs"  = %q
    "orgs-dev/floor" = %q
  }
  direct {}
}
`, orgs, floor), 0o600)
}

func (h *harness) writeConfig(name, config string) (string, error) {
	dir := filepath.Join(h.work, name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	return dir, os.WriteFile(filepath.Join(dir, "main.tf"), []byte(config), 0o600)
}

// environ is the CLI's environment: ours, and of the inherited one nothing that configures the CLI or
// the provider (TF_LOG, TF_CLI_ARGS, ORGS_*, ...).
//
// Every provider of a run, the floors and the baseline included, runs with the plugin SDK's loggers off,
// which is what the orgs provider does by itself when no TF_LOG* variable is set (main.go,
// quietUnlessLogging): a framework provider left to itself formats a trace line per call for the CLI to
// throw away, and a floor that paid for that would flatter every provider measured against it.
func (h *harness) environ(extra []string) []string {
	env := append([]string{
		"TF_CLI_CONFIG_FILE=" + filepath.Join(h.work, "cli.tfrc"),
		"TF_IN_AUTOMATION=1",
		"CHECKPOINT_DISABLE=1",
		"TF_LOG_SDK=OFF", "TF_LOG_SDK_PROTO=OFF", "TF_LOG_SDK_FRAMEWORK=OFF", "TF_LOG_PROVIDER_ORGS=OFF",
	}, extra...)
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if !strings.HasPrefix(name, "TF_") && !strings.HasPrefix(name, "ORGS_") && name != "CHECKPOINT_DISABLE" {
			env = append(env, kv)
		}
	}
	return env
}

// median measures a plan h.runs times and fills r with the run of median wall time (the machine is
// shared, and one slow run should not decide a goal); anything else it measures once.
func (h *harness) median(r *row, dir string, env []string, count *counter, args ...string) error {
	r.Command = args[0]
	if args[0] != "plan" {
		return h.measure(r, dir, env, count, args...)
	}
	var all []row
	for range h.runs {
		m := *r
		if err := h.measure(&m, dir, env, count, args...); err != nil {
			*r = m
			return err
		}
		all = append(all, m)
	}
	slices.SortFunc(all, func(a, b row) int { return cmp.Compare(a.Wall, b.Wall) })
	*r = all[len(all)/2]
	return nil
}

// measure runs the CLI with args in dir and fills r's measurements; count, when not nil, is the
// server's counter. A plan that finds changes is a result, not an error; a CLI that fails is both.
func (h *harness) measure(r *row, dir string, env []string, count *counter, args ...string) error {
	name := r.Name
	logPath := filepath.Join(dir, args[0]+".log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return err
	}
	defer logFile.Close()
	cmd := exec.CommandContext(h.ctx, h.cli, args...)
	cmd.Dir, cmd.Env, cmd.Stdout, cmd.Stderr = dir, h.environ(env), logFile, logFile
	// Interrupted: let the CLI stop its providers and write its state.
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = time.Minute
	if count != nil {
		count.reset()
	}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return err
	}
	peak := watchProviders(cmd.Process.Pid)
	err = cmd.Wait()
	r.Wall = secs(time.Since(start))
	if cmd.ProcessState != nil {
		// The CLI's own CPU time and that of the children it waited for: its providers.
		r.CPU = secs(cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime())
	}
	r.PeakKiB = peak()
	defer func() {
		say("   %s: %s (CPU %s), %d requests, %d 429s, provider peak %s: %s", name, seconds(r.Wall), seconds(r.CPU), r.Requests, r.TooMany, mib(r.PeakKiB), r.Outcome)
	}()
	if count != nil {
		r.Counted, r.Requests, r.TooMany = true, count.requests.Load(), count.tooMany.Load()
	}
	var exit *exec.ExitError
	switch {
	case err == nil:
		r.Outcome = "ok"
	case args[0] == "plan" && errors.As(err, &exit) && exit.ExitCode() == 2:
		r.Outcome = "changes planned"
	default:
		r.Outcome = "FAILED"
		return fmt.Errorf("%s: %s %s: %w\n%s", name, filepath.Base(h.cli), strings.Join(args, " "), err, tail(logPath, 30))
	}
	return nil
}

func tail(path string, lines int) string {
	b, _ := os.ReadFile(path)
	all := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	return strings.Join(all[max(0, len(all)-lines):], "\n")
}

// describeMachine says what the numbers were measured on, and learns the CLI's version.
func (h *harness) describeMachine() (scaleRun, error) {
	cmd := exec.CommandContext(h.ctx, h.cli, "version", "-json")
	cmd.Env = h.environ(nil)
	out, err := cmd.Output()
	if err != nil {
		return scaleRun{}, fmt.Errorf("%s version: %w", h.cli, err)
	}
	var v struct {
		Version string `json:"terraform_version"`
	}
	if err := json.Unmarshal(out, &v); err != nil || v.Version == "" {
		return scaleRun{}, fmt.Errorf("%s version -json: no version in %q", h.cli, out)
	}
	h.version = v.Version
	return scaleRun{
		CLI:        filepath.Base(h.cli),
		CLIVersion: v.Version,
		Cores:      runtime.NumCPU(),
		Memory:     memTotal(),
		LoadBefore: loadAverage(),
	}, nil
}

// describeProvider names the provider measured: a prebuilt binary by its file name; this checkout's by
// its commit, with "-dirty" when a Go file or the module's files differ from it (what the harness
// builds and runs; docs, and the record and charts a run writes, do not count).
func describeProvider(ctx context.Context, providerBin string) string {
	if providerBin != "" {
		return "prebuilt " + filepath.Base(providerBin)
	}
	head, err := exec.CommandContext(ctx, "git", "rev-parse", "--short=7", "HEAD").Output()
	if err != nil {
		return "this checkout (not a git work tree)"
	}
	commit := strings.TrimSpace(string(head))
	status, err := exec.CommandContext(ctx, "git", "status", "--porcelain", "--", "*.go", "go.mod", "go.sum").Output()
	if err != nil || len(bytes.TrimSpace(status)) > 0 {
		commit += "-dirty"
	}
	return commit
}
