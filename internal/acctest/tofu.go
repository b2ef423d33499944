package acctest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"

	"github.com/orgs-dev/terraform-provider-orgs/internal/provider"
)

// pluginEnv set to "1" makes a test binary serve the provider as a plugin instead of running tests.
const pluginEnv = "ORGS_TEST_SERVE_PROVIDER_PLUGIN"

// ServeProviderIfAsked serves the provider and exits when OpenTofu started this test binary as the
// orgs provider (see NewTofu); otherwise it returns at once. Call it from an init function of every
// test package that uses NewTofu: init runs before the testing package parses flags or prints
// anything, which the plugin handshake on stdout needs.
func ServeProviderIfAsked() {
	if os.Getenv(pluginEnv) != "1" {
		return
	}
	err := providerserver.Serve(context.Background(), provider.New("test"), providerserver.ServeOpts{Address: "registry.opentofu.org/orgs-dev/orgs"})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Exit(0)
}

// Tofu is a working directory where a real OpenTofu runs as a user's would: the provider is this test
// binary in a process of its own (through dev_overrides), configured only by ORGS_ENDPOINT and
// ORGS_TOKEN, with an environment of the test's choosing. terraform-plugin-testing cannot do this: it
// serves the provider inside the test process.
type Tofu struct {
	t       *testing.T
	bin     string
	Dir     string // the working directory; it holds providers.tf
	environ []string
}

// NewTofu prepares a working directory for env's server. Like every acceptance test it runs only under
// TF_ACC (the test command sets it and refuses skipped tests). extraEnv ("NAME=value") is added to
// OpenTofu's environment, e.g. TF_LOG=TRACE.
func NewTofu(t *testing.T, env *Env, extraEnv ...string) *Tofu {
	t.Helper()
	if os.Getenv("TF_ACC") == "" {
		t.Skip("acceptance test: set TF_ACC=1 (make test does)")
	}
	bin := os.Getenv("TF_ACC_TERRAFORM_PATH")
	if bin == "" {
		t.Fatal("this acceptance test runs OpenTofu: set TF_ACC_TERRAFORM_PATH (make test does, through scripts/ensure-tofu.sh)")
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
	cliConfig := filepath.Join(dir, "tofurc")
	tf := &Tofu{t: t, bin: bin, Dir: work}
	tf.write(cliConfig, fmt.Sprintf("provider_installation {\n  dev_overrides {\n    \"orgs-dev/orgs\" = %q\n  }\n  direct {}\n}\n", plugins))
	tf.WriteFile("providers.tf", `terraform {
  required_providers {
    orgs = { source = "orgs-dev/orgs" }
  }
}

provider "orgs" {}
`)
	tf.environ = append([]string{
		"TF_CLI_CONFIG_FILE=" + cliConfig,
		"TF_IN_AUTOMATION=1",
		"CHECKPOINT_DISABLE=1",
		"ORGS_ENDPOINT=" + env.Endpoint,
		"ORGS_TOKEN=" + env.Token,
		pluginEnv + "=1",
	}, extraEnv...)
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		// Ours win; anything that would send the log elsewhere, or configure the provider otherwise, goes.
		if strings.HasPrefix(name, "TF_") || strings.HasPrefix(name, "ORGS_") {
			continue
		}
		tf.environ = append(tf.environ, kv)
	}
	return tf
}

// WriteFile writes a file of the working directory.
func (tf *Tofu) WriteFile(name, content string) {
	tf.t.Helper()
	tf.write(filepath.Join(tf.Dir, name), content)
}

func (tf *Tofu) write(path, content string) {
	tf.t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		tf.t.Fatal(err)
	}
}

// Run runs OpenTofu with args in the working directory and returns its combined output.
func (tf *Tofu) Run(args ...string) (string, error) {
	tf.t.Helper()
	ctx, cancel := context.WithTimeout(tf.t.Context(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, tf.bin, args...)
	cmd.Dir = tf.Dir
	cmd.Env = tf.environ
	out, err := cmd.CombinedOutput()
	return string(out), err
}
