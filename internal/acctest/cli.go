package acctest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"

	"github.com/orgs-dev/terraform-provider-orgs/internal/provider"
)

// The CLIs the acceptance suite runs through; the test command runs it once with each.
const (
	OpenTofu  = "tofu"
	Terraform = "terraform"
)

// CurrentCLI says which CLI TF_ACC_TERRAFORM_PATH is: Terraform when the binary's name starts with
// "terraform", OpenTofu otherwise (the test framework reads the same variable, so both agree).
func CurrentCLI() string {
	if strings.HasPrefix(filepath.Base(os.Getenv("TF_ACC_TERRAFORM_PATH")), Terraform) {
		return Terraform
	}
	return OpenTofu
}

// RequireTerraform fails a test that needs what only Terraform has (list resources and `terraform
// query`; identity kept across a cross-type move). Such tests are named TestAccQuery_* or
// TestAccTerraform_* and the test command does not run them with OpenTofu; this makes any other way of
// running them fail loudly rather than pass or skip silently.
func RequireTerraform(t *testing.T) {
	t.Helper()
	if CurrentCLI() != Terraform {
		t.Fatalf("this test needs Terraform (TF_ACC_TERRAFORM_PATH=%q is OpenTofu); the test command runs TestAccQuery_* and TestAccTerraform_* with Terraform only",
			os.Getenv("TF_ACC_TERRAFORM_PATH"))
	}
}

// pluginEnv, when set, makes a test binary serve the provider as a plugin under that address instead
// of running tests.
const pluginEnv = "ORGS_TEST_SERVE_PROVIDER_PLUGIN"

// ServeProviderIfAsked serves the provider and exits when a CLI started this test binary as the orgs
// provider (see NewCLI); otherwise it returns at once. Call it from an init function of every test
// package that uses NewCLI: init runs before the testing package parses flags or prints anything, which
// the plugin handshake on stdout needs.
func ServeProviderIfAsked() {
	address := os.Getenv(pluginEnv)
	if address == "" {
		return
	}
	err := providerserver.Serve(context.Background(), provider.New("test"), providerserver.ServeOpts{Address: address})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Exit(0)
}

// CLI is a working directory where a real OpenTofu or Terraform (TF_ACC_TERRAFORM_PATH) runs as a
// user's would: the provider is this test binary in a process of its own (through dev_overrides),
// configured only by ORGS_ENDPOINT and ORGS_TOKEN, with an environment of the test's choosing.
// terraform-plugin-testing cannot do this: it serves the provider inside the test process.
type CLI struct {
	t *testing.T
	// Name is OpenTofu or Terraform, for messages and for the few steps where the CLIs differ.
	Name    string
	bin     string
	Dir     string // the working directory; it holds providers.tf
	environ []string
}

// NewCLI prepares a working directory for env's server. Like every acceptance test it runs only under
// TF_ACC (the test command sets it and refuses skipped tests). extraEnv ("NAME=value") is added to the
// CLI's environment, e.g. TF_LOG=TRACE.
func NewCLI(t *testing.T, env *Env, extraEnv ...string) *CLI {
	t.Helper()
	if os.Getenv("TF_ACC") == "" {
		t.Skip("acceptance test: set TF_ACC=1 (make test does)")
	}
	bin := os.Getenv("TF_ACC_TERRAFORM_PATH")
	if bin == "" {
		t.Fatal("this acceptance test runs a CLI: set TF_ACC_TERRAFORM_PATH (make test does, through scripts/ensure-cli.sh)")
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	plugins, work := filepath.Join(dir, "plugins"), filepath.Join(dir, "work")
	for _, d := range []string{plugins, work} {
		if err := os.Mkdir(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink(self, filepath.Join(plugins, "terraform-provider-orgs")); err != nil {
		t.Fatal(err)
	}
	cliConfig := filepath.Join(dir, "cli.tfrc")
	cli := &CLI{t: t, Name: CurrentCLI(), bin: bin, Dir: work}
	cli.write(cliConfig, fmt.Sprintf("provider_installation {\n  dev_overrides {\n    \"orgs-dev/orgs\" = %q\n  }\n  direct {}\n}\n", plugins))
	cli.WriteFile("providers.tf", `terraform {
  required_providers {
    orgs = { source = "orgs-dev/orgs" }
  }
}

provider "orgs" {}
`)
	host := "registry.opentofu.org"
	if cli.Name == Terraform {
		host = "registry.terraform.io"
	}
	cli.environ = append([]string{
		"TF_CLI_CONFIG_FILE=" + cliConfig,
		"TF_IN_AUTOMATION=1",
		"CHECKPOINT_DISABLE=1",
		"ORGS_ENDPOINT=" + env.Endpoint,
		"ORGS_TOKEN=" + env.Token,
		pluginEnv + "=" + host + "/orgs-dev/orgs",
	}, extraEnv...)
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		// Ours win; anything that would send the log elsewhere, or configure the provider otherwise, goes.
		if strings.HasPrefix(name, "TF_") || strings.HasPrefix(name, "ORGS_") {
			continue
		}
		cli.environ = append(cli.environ, kv)
	}
	return cli
}

// WriteFile writes a file of the working directory.
func (cli *CLI) WriteFile(name, content string) {
	cli.t.Helper()
	cli.write(filepath.Join(cli.Dir, name), content)
}

func (cli *CLI) write(path, content string) {
	cli.t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		cli.t.Fatal(err)
	}
}

// MustRun runs the CLI as a user's automation would, without colour and, for the commands that could
// ask for it, without input, and returns its output; a command that fails fails the test, with the
// output.
func (cli *CLI) MustRun(args ...string) string {
	cli.t.Helper()
	args = slices.Concat(args, []string{"-no-color"})
	if slices.Contains([]string{"apply", "destroy", "import", "init", "plan", "refresh"}, args[0]) && !slices.Contains(args, "-input=false") {
		args = append(args, "-input=false")
	}
	out, err := cli.Run(args...)
	if err != nil {
		cli.t.Fatalf("%s %s: %v\n%s", cli.Name, strings.Join(args, " "), err, out)
	}
	return out
}

// Run runs the CLI with args in the working directory and returns its combined output.
func (cli *CLI) Run(args ...string) (string, error) {
	cli.t.Helper()
	ctx, cancel := context.WithTimeout(cli.t.Context(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, cli.bin, args...)
	cmd.Dir = cli.Dir
	cmd.Env = cli.environ
	out, err := cmd.CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("%s %s: %w", cli.Name, strings.Join(args, " "), err)
	}
	return string(out), nil
}
