package scripttest

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestTestCommandRunsTheDemo (issue 25, item 8): the demo, the README's first command, is a step of the
// test command, so that it never breaks unnoticed; and the README names every step of the test command,
// in its order.
func TestTestCommandRunsTheDemo(t *testing.T) {
	t.Parallel()
	script, err := os.ReadFile(filepath.Join("..", "..", "test.sh"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^steps=\(([^)]*)\)$`).FindSubmatch(script)
	if m == nil {
		t.Fatal("test.sh has no steps=(...) line")
	}
	steps := strings.Fields(string(m[1]))
	if !slices.Contains(steps, "demo") {
		t.Fatalf("the test command's steps %v have no demo", steps)
	}
	if !regexp.MustCompile(`(?m)^run_step demo .*scripts/demo\.sh$`).Match(script) {
		t.Error("test.sh has no `run_step demo ... scripts/demo.sh`")
	}

	readme, err := os.ReadFile(filepath.Join("..", "..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	// "`scripts/test.sh STEP...` runs only the steps named (`tracked`, `gofmt`, ...)"
	m = regexp.MustCompile("(?s)`scripts/test.sh STEP...` runs only the steps named \\((.*?)\\)").FindSubmatch(readme)
	if m == nil {
		t.Fatal("README.md does not list the steps of scripts/test.sh")
	}
	var named []string
	for _, q := range regexp.MustCompile("`([a-z]+)`").FindAllSubmatch(m[1], -1) {
		named = append(named, string(q[1]))
	}
	if !slices.Equal(named, steps) {
		t.Errorf("README.md lists the steps %v, test.sh runs %v", named, steps)
	}
}
