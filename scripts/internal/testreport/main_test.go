package main

import (
	"io"
	"path/filepath"
	"strings"
	"testing"
)

func TestReport(t *testing.T) {
	const stream = `{"Action":"run","Package":"p","Test":"TestA"}
{"Action":"output","Package":"p","Test":"TestA","Output":"quiet pass output\n"}
{"Action":"pass","Package":"p","Test":"TestA"}
{"Action":"run","Package":"p","Test":"TestB"}
{"Action":"output","Package":"p","Test":"TestB","Output":"    b_test.go:9: want 1, got 2\n"}
{"Action":"fail","Package":"p","Test":"TestB"}
{"Action":"run","Package":"p","Test":"TestC"}
{"Action":"output","Package":"p","Test":"TestC","Output":"    c_test.go:3: needs TF_ACC\n"}
{"Action":"skip","Package":"p","Test":"TestC"}
{"Action":"output","Package":"p","Output":"FAIL\tp\t0.01s\n"}
{"Action":"fail","Package":"p"}
{"Action":"output","Package":"q","Output":"ok  \tq\t0.02s\n"}
{"Action":"pass","Package":"q"}
`
	var out strings.Builder
	r, err := report(strings.NewReader(stream), &out)
	if err != nil {
		t.Fatal(err)
	}
	if r.Passed != 1 || r.Failed != 1 || r.Skipped != 1 || !r.PackageFailed {
		t.Errorf("counts = %+v, want 1 passed, 1 failed, 1 skipped, package failed", r)
	}
	if len(r.skippedNames) != 1 || r.skippedNames[0] != "p TestC" {
		t.Errorf("skipped = %v", r.skippedNames)
	}
	got := out.String()
	for _, want := range []string{"want 1, got 2", "needs TF_ACC", "FAIL\tp", "ok  \tq"} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "quiet pass output") {
		t.Errorf("a passing test's output was printed:\n%s", got)
	}
}

func TestReportBuildFailure(t *testing.T) {
	const stream = `{"ImportPath":"p [p.test]","Action":"build-output","Output":"./x.go:1: syntax error\n"}
{"ImportPath":"p [p.test]","Action":"build-fail"}
`
	var out strings.Builder
	r, err := report(strings.NewReader(stream), &out)
	if err != nil {
		t.Fatal(err)
	}
	if !r.PackageFailed || !strings.Contains(out.String(), "syntax error") {
		t.Errorf("a build failure must fail the run and show its output: %+v %q", r, out.String())
	}
}

func TestSummary(t *testing.T) {
	const stream = `{"Action":"pass","Package":"p","Test":"TestAccX"}
{"Action":"pass","Package":"p","Test":"TestAccX/sub"}
{"Action":"pass","Package":"p","Test":"TestUnit"}
`
	r, err := report(strings.NewReader(stream), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if r.Passed != 3 || r.Acceptance != 2 {
		t.Fatalf("counts = %+v, want 3 passed of which 2 acceptance", r)
	}
	file := filepath.Join(t.TempDir(), "totals")
	r.Run = "tofu"
	if err := appendTotals(file, r); err != nil {
		t.Fatal(err)
	}
	if err := appendTotals(file, result{Run: "terraform", Passed: 2, Acceptance: 2, Failed: 1}); err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	ok, err := summarize(file, &out)
	if err != nil {
		t.Fatal(err)
	}
	if ok {
		t.Error("a run with a failure must fail the summary")
	}
	got := out.String()
	for _, want := range []string{"tofu", "terraform", "(2 acceptance)", "FAILED", "\n5 passed, 1 failed, 0 skipped\n"} {
		if !strings.Contains(got, want) {
			t.Errorf("summary lacks %q:\n%s", want, got)
		}
	}
}
