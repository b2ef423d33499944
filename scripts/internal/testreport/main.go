// Command testreport reads `go test -json` on its standard input and prints what a person needs: go
// test's own package lines (ok, FAIL, no test files), the whole output of every failed test, and a
// closing count. It fails when any test failed or was skipped: a skipped test in CI is a failing test
// that hides, so the test command refuses it instead of trusting that no test ever calls t.Skip.
//
// The acceptance suite runs once per CLI, so a run can be named and its counts appended to a file
// (-run tofu -totals FILE); `testreport -summary FILE` then prints the counts per run and one closing
// count for all of them.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"text/tabwriter"
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
	Run                     string `json:"run,omitempty"`
	Passed, Failed, Skipped int
	// Acceptance counts the passed tests (and subtests) of TestAcc* functions.
	Acceptance    int
	PackageFailed bool     `json:"package_failed"`
	skippedNames  []string // printed as they are found, not kept in the totals
}

func (r result) ok() bool { return r.Failed == 0 && r.Skipped == 0 && !r.PackageFailed }

func main() {
	run := flag.String("run", "", "a name for this run (the CLI it used), printed with its counts")
	totals := flag.String("totals", "", "append this run's counts to `file`, for -summary")
	summary := flag.String("summary", "", "print the counts of every run appended to `file`, and one closing count")
	flag.Parse()
	if *summary != "" {
		ok, err := summarize(*summary, os.Stdout)
		if err != nil {
			fmt.Fprintln(os.Stderr, "testreport:", err)
			os.Exit(2)
		}
		if !ok {
			os.Exit(1)
		}
		return
	}

	r, err := report(os.Stdin, os.Stdout)
	if err != nil {
		fmt.Fprintln(os.Stderr, "testreport:", err)
		os.Exit(2)
	}
	r.Run = *run
	if len(r.skippedNames) > 0 {
		sort.Strings(r.skippedNames)
		fmt.Printf("\nskipped tests are not allowed here (they hide failures):\n  %s\n", strings.Join(r.skippedNames, "\n  "))
	}
	label := ""
	if r.Run != "" {
		label = r.Run + ": "
	}
	// The plain closing line, alone on its line.
	fmt.Printf("\n%s%d passed, %d failed, %d skipped\n", label, r.Passed, r.Failed, r.Skipped)
	if *totals != "" {
		if err := appendTotals(*totals, r); err != nil {
			fmt.Fprintln(os.Stderr, "testreport:", err)
			os.Exit(2)
		}
	}
	if !r.ok() {
		os.Exit(1)
	}
}

func appendTotals(file string, r result) error {
	line, err := json.Marshal(r)
	if err != nil {
		return err
	}
	f, err := os.OpenFile(file, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(append(line, '\n')); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// summarize prints a table of the runs in file and the closing count of all of them; it says whether
// every run passed.
func summarize(file string, out io.Writer) (bool, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return false, err
	}
	var all result
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(out, "\ntests per run:")
	for line := range strings.Lines(string(data)) {
		var r result
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			return false, fmt.Errorf("%s: %w", file, err)
		}
		fmt.Fprintf(tw, "  %s\t%d passed\t(%d acceptance),\t%d failed,\t%d skipped\t%s\n",
			r.Run, r.Passed, r.Acceptance, r.Failed, r.Skipped, map[bool]string{true: "", false: "  FAILED"}[r.ok()])
		all.Passed += r.Passed
		all.Failed += r.Failed
		all.Skipped += r.Skipped
		all.PackageFailed = all.PackageFailed || r.PackageFailed
	}
	if err := tw.Flush(); err != nil {
		return false, err
	}
	fmt.Fprintf(out, "\n%d passed, %d failed, %d skipped\n", all.Passed, all.Failed, all.Skipped)
	return all.ok(), nil
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
			r.PackageFailed = true
		case e.Test == "":
			// Package-level lines: go test's own "ok", "FAIL" and "?" lines, and output outside tests.
			if e.Action == "output" {
				fmt.Fprint(out, e.Output)
			}
			if e.Action == "fail" {
				r.PackageFailed = true
			}
		case e.Action == "output":
			b := pending[key]
			if b == nil {
				b = &strings.Builder{}
				pending[key] = b
			}
			b.WriteString(e.Output)
		case e.Action == "pass":
			r.Passed++
			if strings.HasPrefix(e.Test, "TestAcc") {
				r.Acceptance++
			}
			delete(pending, key)
		case e.Action == "skip":
			r.Skipped++
			r.skippedNames = append(r.skippedNames, e.Package+" "+e.Test)
			if b := pending[key]; b != nil {
				fmt.Fprint(out, b.String())
			}
			delete(pending, key)
		case e.Action == "fail":
			r.Failed++
			if b := pending[key]; b != nil {
				fmt.Fprint(out, b.String())
			}
			delete(pending, key)
		}
	}
	return r, sc.Err()
}
