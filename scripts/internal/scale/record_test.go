package main

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// fakeRun is a run at n whose rows take n/100 seconds times their factor.
func fakeRun(cli string, n int, extra ...row) scaleRun {
	s := float64(n) / 100
	rows := []row{
		{Key: keyApply, Series: "apply: every member and label", Name: "apply", Command: "apply", Wall: 4 * s, Counted: true, Requests: int64(2 * n), RateFloor: 2 * s, Outcome: "ok"},
		{Key: keyPlan, Series: "plan", Name: "plan", Command: "plan", Wall: s, CPU: s, Counted: true, Requests: 2, PeakKiB: 200 << 10, Outcome: "ok"},
		{Key: keyHollow, Series: "hollow provider", Name: "plan, hollow", Command: "plan", Floor: true, Wall: 0.9 * s, CPU: s, PeakKiB: 180 << 10, Outcome: "ok"},
		{Key: keyTerraformData, Series: "floor: terraform_data", Name: "floor: terraform_data", Command: "plan", Floor: true, Wall: 0.4 * s, CPU: s, Outcome: "ok"},
		{Key: keyFloorItem, Series: "floor: floor_item", Name: "floor: floor_item", Command: "plan", Floor: true, Wall: 0.7 * s, CPU: s, PeakKiB: 150 << 10, Outcome: "ok"},
	}
	return scaleRun{CLI: cli, CLIVersion: "1.12.6", N: n, Labels: min(n, 1000), Date: "2026-12-07", Provider: "abc1234",
		PlanRuns: 3, Cores: 2, Memory: "23.5 GiB", LoadBefore: "0.1 0.2 0.3", LoadAfter: "1.0 1.1 1.2", Rows: append(rows, extra...)}
}

// A run replaces the record's run of the same CLI and N and keeps the others, sorted OpenTofu first,
// then by N.
func TestAddRun(t *testing.T) {
	path := filepath.Join(t.TempDir(), "scale", "runs.json")
	for _, r := range []scaleRun{fakeRun("tofu", 1000), fakeRun("terraform", 300), fakeRun("tofu", 300)} {
		if err := addRun(path, r); err != nil {
			t.Fatal(err)
		}
	}
	again := fakeRun("tofu", 1000)
	again.Provider = "def5678"
	if err := addRun(path, again); err != nil {
		t.Fatal(err)
	}
	rec, err := readRecord(path)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range rec.Runs {
		got = append(got, r.CLI+" "+r.Provider+" "+strconv.Itoa(r.N))
	}
	if want := []string{"tofu abc1234 300", "tofu def5678 1000", "terraform abc1234 300"}; !slices.Equal(got, want) {
		t.Fatalf("runs %q, want %q", got, want)
	}
	if rec.Runs[1].Rows[1].Requests != 2 || rec.Runs[1].Rows[0].RateFloor != 20 {
		t.Errorf("rows did not survive the round trip: %+v", rec.Runs[1].Rows[:2])
	}
}

// Rows join across runs by key, a row only some runs have is a series of its own, a FAILED row is left
// out, and every apply has its rate-limit floor beside it.
func TestCharts(t *testing.T) {
	failed := row{Key: keyBaseline, Series: "plan, baseline provider", Name: "plan, baseline", Command: "plan", Wall: 99, Outcome: "FAILED"}
	newApply := row{Key: "apply-labels", Series: "apply: N labels", Name: "apply: labels", Command: "apply", Wall: 3, Outcome: "ok"}
	rec := record{Runs: []scaleRun{fakeRun("tofu", 300), fakeRun("tofu", 1000, failed, newApply), fakeRun("tofu", 3000), fakeRun("terraform", 1000)}}
	sortRuns(rec.Runs)
	all := charts(rec)
	var files []string
	for _, c := range all {
		files = append(files, c.file)
	}
	if want := []string{"plan-tofu.svg", "plan-cpu-tofu.svg", "apply-tofu.svg", "memory-tofu.svg",
		"plan-terraform.svg", "plan-cpu-terraform.svg", "apply-terraform.svg", "memory-terraform.svg"}; !slices.Equal(files, want) {
		t.Fatalf("chart files %q, want %q", files, want)
	}
	series := func(i int) map[string][]float64 {
		m := map[string][]float64{}
		for _, s := range all[i].chart.Series {
			for _, p := range s.Points {
				m[s.Name] = append(m[s.Name], p.X, p.Y)
			}
		}
		return m
	}
	plan := series(0)
	if got, want := plan["plan"], []float64{300, 3, 1000, 10, 3000, 30}; !slices.Equal(got, want) {
		t.Errorf("plan series %v, want %v", got, want)
	}
	if _, ok := plan["plan, baseline provider"]; ok {
		t.Error("the failed baseline plan is drawn")
	}
	if len(plan) != 4 {
		t.Errorf("plan chart series %v, want plan, the hollow provider and the two floors", plan)
	}
	var names []string
	for _, s := range all[0].chart.Series {
		names = append(names, s.Name)
	}
	// The measurement first, the floors after it, each in the order the runs have them.
	if want := []string{"plan", "hollow provider", "floor: terraform_data", "floor: floor_item"}; !slices.Equal(names, want) {
		t.Errorf("plan chart series in the order %q, want %q", names, want)
	}
	if got, want := series(1)["plan"], []float64{300, 3, 1000, 10, 3000, 30}; !slices.Equal(got, want) {
		t.Errorf("plan CPU series %v, want %v", got, want)
	}
	apply := series(2)
	if got, want := apply["apply: every member and label (the least the server's rate limit allows)"], []float64{300, 6, 1000, 20, 3000, 60}; !slices.Equal(got, want) {
		t.Errorf("rate-limit floor %v, want %v", got, want)
	}
	if got, want := apply["apply: N labels"], []float64{1000, 3}; !slices.Equal(got, want) {
		t.Errorf("a row of one run only: %v, want %v", got, want)
	}
	memory := series(3)
	if _, ok := memory["floor: terraform_data"]; ok {
		t.Error("terraform_data starts no provider, yet has a memory series")
	}
	if got, want := memory["plan"], []float64{300, 200, 1000, 200, 3000, 200}; !slices.Equal(got, want) {
		t.Errorf("memory series %v, want %v", got, want)
	}
	// One color per key in every chart; floors dashed, measurements solid.
	for _, c := range all[:4] {
		for _, s := range c.chart.Series {
			switch {
			case s.Name == "plan" && (s.Color != all[0].chart.Series[0].Color || s.Dash != ""):
				t.Errorf("%s: the plan is %s %q", c.file, s.Color, s.Dash)
			case s.Name == "floor: floor_item" && s.Dash == "":
				t.Errorf("%s: a floor drawn solid", c.file)
			}
		}
		if _, err := c.chart.SVG(); err != nil {
			t.Errorf("%s: %v", c.file, err)
		}
	}
}

func TestFillPage(t *testing.T) {
	dir := t.TempDir()
	page := filepath.Join(dir, "performance.md")
	text := "# Performance\n\nBy hand.\n\n" + figuresBegin + "\nold figures\n" + figuresEnd + "\n\n## After\n"
	if err := os.WriteFile(page, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	recordPath := filepath.Join(dir, "scale", "runs.json")
	if err := addRun(recordPath, fakeRun("tofu", 1000)); err != nil {
		t.Fatal(err)
	}
	if err := redraw(recordPath, page); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(page)
	if err != nil {
		t.Fatal(err)
	}
	got := string(b)
	for _, want := range []string{
		"# Performance\n\nBy hand.\n\n" + figuresBegin + "\n\n![",
		"](scale/plan-tofu.svg)",
		"[`scale/runs.json`](scale/runs.json)",
		"### N=1000, OpenTofu",
		"provider at `abc1234`; 7 December 2026; 2 cores",
		"| plan | 0 | 10.0 s | 10.0 s | 2 | 0 | 200 MiB | ok |",
		"- PASS: <= 20 requests for the plan (10 + N/100): 2",
		"\n" + figuresEnd + "\n\n## After\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("the page lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "old figures") {
		t.Error("the old figures are still there")
	}
	for _, f := range []string{"plan-tofu.svg", "apply-tofu.svg", "memory-tofu.svg"} {
		if _, err := os.Stat(filepath.Join(dir, "scale", f)); err != nil {
			t.Errorf("chart not drawn: %v", err)
		}
	}
	// Redrawing changes nothing: what make generate's check relies on.
	if err := redraw(recordPath, page); err != nil {
		t.Fatal(err)
	}
	if again, _ := os.ReadFile(page); string(again) != got {
		t.Error("a second redraw changed the page")
	}

	if err := os.WriteFile(page, []byte("no markers\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := redraw(recordPath, page); err == nil || !strings.Contains(err.Error(), "once each") {
		t.Errorf("a page without markers: %v", err)
	}
}

func TestRateFloor(t *testing.T) {
	c := &counter{}
	if got := c.rateFloor(2004); got != 0 {
		t.Errorf("without a policy: %v, want 0", got)
	}
	p := `"default";q=100;w=2`
	c.policy.Store(&p)
	// 100 at once, the other 1,904 at 50 a second.
	if got := c.rateFloor(2004); got != 38.08 {
		t.Errorf("rateFloor(2004) = %v, want 38.08", got)
	}
	if got := c.rateFloor(60); got != 0 {
		t.Errorf("rateFloor(60) = %v, want 0 (within the burst)", got)
	}
	for _, bad := range []string{`"default";q=100`, `"default";w=2`, `"default";q=abc;w=2`, ``} {
		if _, _, ok := parsePolicy(bad); ok {
			t.Errorf("parsePolicy(%q) accepted", bad)
		}
	}
}
