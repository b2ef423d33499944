// Package scripttest tests the shell scripts of scripts/ that decide something: they run as separate
// processes, with the environment and the PATH of the test's choosing.
package scripttest

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// fakeCLI writes an executable name into dir that answers `version -json` as that CLI at version does.
func fakeCLI(t *testing.T, dir, name, version string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	script := fmt.Sprintf("#!/bin/sh\n[ \"$1 $2\" = 'version -json' ] || exit 3\nprintf '{\\n  \"terraform_version\": \"%s\",\\n  \"platform\": \"linux_amd64\"\\n}\\n'\n", version)
	if err := os.WriteFile(path, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

// toolsDir holds the few programs the script needs, so that a PATH of the test's choosing finds no
// OpenTofu or Terraform of the machine's.
func toolsDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, tool := range []string{"bash", "dirname", "sed"} {
		path, err := exec.LookPath(tool)
		if err != nil {
			t.Fatalf("%s: %v", tool, err)
		}
		if err := os.Symlink(path, filepath.Join(dir, tool)); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestFindCLI (issue 25, item 7): the demo takes an installed OpenTofu or Terraform when its version is
// one the provider supports (OpenTofu first, unless one is named), says which it uses, and says why it
// takes none otherwise, so that the pinned one is built only then.
func TestFindCLI(t *testing.T) {
	t.Parallel()
	tools := toolsDir(t)
	script, err := filepath.Abs(filepath.Join("..", "..", "find-cli.sh"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name      string
		installed map[string]string // name to version
		arg       string
		want      string // the CLI found; "" for none (exit 1)
		stderr    string
	}{
		{name: "both: OpenTofu first", installed: map[string]string{"tofu": "1.12.6", "terraform": "1.16.4"},
			want: "tofu", stderr: "using tofu 1.12.6, installed at "},
		{name: "both, Terraform asked for", installed: map[string]string{"tofu": "1.12.6", "terraform": "1.16.4"}, arg: "terraform",
			want: "terraform", stderr: "using terraform 1.16.4"},
		{name: "an old OpenTofu is passed over", installed: map[string]string{"tofu": "1.10.7", "terraform": "1.11.0"},
			want: "terraform", stderr: "not using tofu 1.10.7"},
		{name: "a pre-release of a supported version", installed: map[string]string{"tofu": "1.14.0-beta1"},
			want: "tofu", stderr: "using tofu 1.14.0-beta1"},
		{name: "only an old one", installed: map[string]string{"terraform": "1.10.2"},
			stderr: "not using terraform 1.10.2 at "},
		{name: "a major version not known to work", installed: map[string]string{"tofu": "2.0.0"},
			stderr: "not using tofu 2.0.0"},
		{name: "the one asked for is missing", installed: map[string]string{"tofu": "1.12.6"}, arg: "terraform",
			stderr: "found no terraform on PATH"},
		{name: "none", stderr: "found no tofu terraform on PATH"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			bin := t.TempDir()
			paths := map[string]string{}
			for name, version := range tc.installed {
				paths[name] = fakeCLI(t, bin, name, version)
			}
			args := []string{}
			if tc.arg != "" {
				args = append(args, tc.arg)
			}
			cmd := exec.Command(script, args...)
			cmd.Env = []string{"PATH=" + bin + string(os.PathListSeparator) + tools, "HOME=" + t.TempDir()}
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err := cmd.Run()
			var exit *exec.ExitError
			switch {
			case tc.want != "" && err != nil:
				t.Fatalf("exit: %v, want %s\n%s", err, tc.want, stderr.String())
			case tc.want == "" && (!errors.As(err, &exit) || exit.ExitCode() != 1):
				t.Fatalf("exit: %v, want 1 (none found)\nstdout: %s\n%s", err, stdout.String(), stderr.String())
			}
			if got := strings.TrimSpace(stdout.String()); got != paths[tc.want] {
				t.Errorf("printed %q, want %q", got, paths[tc.want])
			}
			if !strings.Contains(stderr.String(), tc.stderr) {
				t.Errorf("stderr lacks %q:\n%s", tc.stderr, stderr.String())
			}
		})
	}
}
