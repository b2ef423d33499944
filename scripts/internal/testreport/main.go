// Command testreport reads `go test -json` on its standard input and prints what a person needs: go
// test's own package lines (ok, FAIL, no test files), the whole output of every failed test, and a
// closing count. It fails when any test failed or was skipped: a skipped test in CI is a failing test
// that hides, so the test command refuses it instead of trusting that no test ever calls t.Skip.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
)

// event is one line of `go test -json` (cmd/test2json).
type event struct {
	Action     string
	Package    string
	Test       string
	Output     string
	ImportPath string // build-output events
}

type result struct {
	passed, failed, skipped int
	skippedNames            []string
	packageFailed           bool
}

func main() {
	r, err := report(os.Stdin, os.Stdout)
	if err != nil {
		fmt.Fprintln(os.Stderr, "testreport:", err)
		os.Exit(2)
	}
	if len(r.skippedNames) > 0 {
		sort.Strings(r.skippedNames)
		fmt.Printf("\nskipped tests are not allowed here (they hide failures):\n  %s\n", strings.Join(r.skippedNames, "\n  "))
	}
	// The plain closing line, alone on its line.
	fmt.Printf("\n%d passed, %d failed, %d skipped\n", r.passed, r.failed, r.skipped)
	if r.failed > 0 || r.skipped > 0 || r.packageFailed {
		os.Exit(1)
	}
}

func report(in io.Reader, out io.Writer) (result, error) {
	var r result
	// Output of each running test, kept until it ends: printed only if it fails.
	pending := map[string]*strings.Builder{}
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		line := sc.Bytes()
		var e event
		if err := json.Unmarshal(line, &e); err != nil {
			// Not JSON (a panic of the go command itself, say): show it as it is.
			fmt.Fprintln(out, string(line))
			continue
		}
		key := e.Package + " " + e.Test
		switch {
		case e.Action == "build-output":
			fmt.Fprint(out, e.Output)
		case e.Action == "build-fail":
			r.packageFailed = true
		case e.Test == "":
			// Package-level lines: go test's own "ok", "FAIL" and "?" lines, and output outside tests.
			if e.Action == "output" {
				fmt.Fprint(out, e.Output)
			}
			if e.Action == "fail" {
				r.packageFailed = true
			}
		case e.Action == "output":
			b := pending[key]
			if b == nil {
				b = &strings.Builder{}
				pending[key] = b
			}
			b.WriteString(e.Output)
		case e.Action == "pass":
			r.passed++
			delete(pending, key)
		case e.Action == "skip":
			r.skipped++
			r.skippedNames = append(r.skippedNames, e.Package+" "+e.Test)
			if b := pending[key]; b != nil {
				fmt.Fprint(out, b.String())
			}
			delete(pending, key)
		case e.Action == "fail":
			r.failed++
			if b := pending[key]; b != nil {
				fmt.Fprint(out, b.String())
			}
			delete(pending, key)
		}
	}
	return r, sc.Err()
}
