package main

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/orgs-dev/terraform-provider-orgs/scripts/internal/chart"
)

// record is the committed file of runs (contributing/scale/runs.json): one run per CLI and N, the last
// one made. The charts and the performance page's figures are drawn from it and from nothing else.
type record struct {
	About string     `json:"about"`
	Runs  []scaleRun `json:"runs"`
}

const recordAbout = "Written by the scale harness (make scale): one run per CLI and N, the last one made. " +
	"make scale and make generate draw the charts beside this file and the figures of contributing/performance.md from it."

func readRecord(path string) (record, error) {
	var rec record
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return rec, nil
	}
	if err != nil {
		return rec, err
	}
	if err := json.Unmarshal(b, &rec); err != nil {
		return rec, fmt.Errorf("%s: %w", path, err)
	}
	return rec, nil
}

// addRun puts r into the record at path (created if missing), in place of the run of the same CLI and N.
func addRun(path string, r scaleRun) error {
	rec, err := readRecord(path)
	if err != nil {
		return err
	}
	rec.Runs = slices.DeleteFunc(rec.Runs, func(x scaleRun) bool { return x.CLI == r.CLI && x.N == r.N })
	rec.Runs = append(rec.Runs, r)
	sortRuns(rec.Runs)
	rec.About = recordAbout
	b, err := json.MarshalIndent(rec, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

func sortRuns(runs []scaleRun) {
	slices.SortStableFunc(runs, func(a, b scaleRun) int { return cmp.Or(cmpCLI(a.CLI, b.CLI), cmp.Compare(a.N, b.N)) })
}

// cmpCLI orders OpenTofu first: the harness's default, and the charts the page shows first.
func cmpCLI(a, b string) int {
	rank := func(cli string) string {
		if cli == "tofu" {
			return ""
		}
		return cli
	}
	return cmp.Compare(rank(a), rank(b))
}

// redraw draws the charts of every CLI in the record at recordPath into its directory and, when page is
// not "", rewrites the page's figures section.
func redraw(recordPath, page string) error {
	if recordPath == "" {
		return errors.New("-redraw needs -record")
	}
	rec, err := readRecord(recordPath)
	if err != nil {
		return err
	}
	if len(rec.Runs) == 0 {
		return fmt.Errorf("%s holds no runs: run make scale first", recordPath)
	}
	sortRuns(rec.Runs)
	dir := filepath.Dir(recordPath)
	for _, c := range charts(rec) {
		svg, err := c.chart.SVG()
		if err != nil {
			return fmt.Errorf("%s: %w", c.file, err)
		}
		if err := os.WriteFile(filepath.Join(dir, c.file), svg, 0o644); err != nil {
			return err
		}
	}
	if page == "" {
		return nil
	}
	rel, err := filepath.Rel(filepath.Dir(page), dir)
	if err != nil {
		return err
	}
	return fillPage(page, figures(rec, filepath.ToSlash(rel), filepath.Base(recordPath)))
}

// namedChart is a chart and the file it is written to.
type namedChart struct {
	file  string
	chart chart.Chart
}

// charts are, for each CLI of the record, against N: the wall time of every plan row, their CPU time
// (which a shared machine's load changes much less), the wall time of every apply row (each with its
// floor at the server's rate limit), and the provider's peak RSS in every plan. Rows are joined across
// runs by their key, measurements first and floors after, each in the order they first appear, so a row
// a later harness adds (another apply, say) becomes a series of its own without a change here. Rows
// that FAILED are left out: their time is that of a failure.
func charts(rec record) []namedChart {
	var out []namedChart
	for _, cli := range clis(rec) {
		var runs []scaleRun
		for _, r := range rec.Runs {
			if r.CLI == cli {
				runs = append(runs, r)
			}
		}
		colors := seriesColors(runs)
		note := chartNote(runs)
		xLabel := "N: the members (orgs_member); the labels (orgs_label) are min(N, 1,000)"
		plan := chart.Chart{Title: "Plan (refresh of every member and label): wall time against N", Note: note + "; each the median of its run's plans",
			XLabel: xLabel, YLabel: "wall time (s)", Value: secondsValue}
		cpu := chart.Chart{Title: "Plan: CPU time of the CLI and its providers against N", Note: note + "; each of the plan of median wall time",
			XLabel: xLabel, YLabel: "CPU time, user + system (s)", Value: secondsValue}
		apply := chart.Chart{Title: "Apply: wall time against N", Note: note,
			XLabel: xLabel, YLabel: "wall time (s)", Value: secondsValue}
		memory := chart.Chart{Title: "Plan: the provider's peak RSS against N", Note: note + "; each of the plan of median wall time",
			XLabel: xLabel, YLabel: "provider peak RSS (MiB)", Value: func(v float64) string { return chart.Number(v) + " MiB" }}
		for _, key := range keys(runs) {
			var wall, cpuTime, rss, rateFloor []chart.Point
			var last row
			for _, r := range runs {
				x, ok := r.row(key)
				if !ok || x.Outcome == "FAILED" {
					continue
				}
				last = x
				n := float64(r.N)
				wall = append(wall, chart.Point{X: n, Y: x.Wall})
				cpuTime = append(cpuTime, chart.Point{X: n, Y: x.CPU})
				if x.PeakKiB > 0 {
					rss = append(rss, chart.Point{X: n, Y: float64(x.PeakKiB) / 1024})
				}
				if x.RateFloor > 0 {
					rateFloor = append(rateFloor, chart.Point{X: n, Y: x.RateFloor})
				}
			}
			if len(wall) == 0 {
				continue
			}
			s := chart.Series{Name: last.Series, Points: wall, Color: colors[key]}
			if last.Floor {
				s.Dash = "7 4"
			}
			switch last.Command {
			case "plan":
				plan.Series = append(plan.Series, s)
				cpu.Series = append(cpu.Series, chart.Series{Name: s.Name, Points: cpuTime, Color: s.Color, Dash: s.Dash})
				if len(rss) > 0 {
					memory.Series = append(memory.Series, chart.Series{Name: s.Name, Points: rss, Color: s.Color, Dash: s.Dash})
				}
			case "apply":
				apply.Series = append(apply.Series, s)
				if len(rateFloor) > 0 {
					apply.Series = append(apply.Series, chart.Series{Name: last.Series + " (the least the server's rate limit allows)",
						Points: rateFloor, Color: s.Color, Dash: "2 4"})
				}
			}
		}
		for _, c := range []struct {
			name  string
			chart chart.Chart
		}{{"plan", plan}, {"plan-cpu", cpu}, {"apply", apply}, {"memory", memory}} {
			if len(c.chart.Series) > 0 {
				out = append(out, namedChart{file: fmt.Sprintf("%s-%s.svg", c.name, cli), chart: c.chart})
			}
		}
	}
	return out
}

func secondsValue(v float64) string { return chart.Number(v) + " s" }

func clis(rec record) []string {
	var out []string
	for _, r := range rec.Runs {
		if !slices.Contains(out, r.CLI) {
			out = append(out, r.CLI)
		}
	}
	return out
}

// keys are the row keys of runs: those measuring the orgs provider first, then the floors, each in the
// order they first appear.
func keys(runs []scaleRun) []string {
	var measured, floors []string
	for _, r := range runs {
		for _, x := range r.Rows {
			if slices.Contains(measured, x.Key) || slices.Contains(floors, x.Key) {
				continue
			}
			if x.Floor {
				floors = append(floors, x.Key)
			} else {
				measured = append(measured, x.Key)
			}
		}
	}
	return append(measured, floors...)
}

// seriesColors gives each key its color, the same in every chart: the plan and the apply blue (they
// never share a chart), the floors grey and green, the hollow provider purple; a key of rows a later
// harness adds takes the palette's colors, the ones no fixed key has first.
func seriesColors(runs []scaleRun) map[string]string {
	colors := map[string]string{
		keyPlan: "#0072B2", keyApply: "#0072B2", keyLatency: "#E69F00", keyBaseline: "#D55E00",
		keyHollow: "#CC79A7", keyTerraformData: "#666666", keyFloorItem: "#009E73",
	}
	taken := map[string]bool{}
	for _, c := range colors {
		taken[c] = true
	}
	var free, rest []string
	for _, c := range chart.Palette {
		if taken[c] {
			rest = append(rest, c)
		} else {
			free = append(free, c)
		}
	}
	free = append(free, rest...)
	next := 0
	for _, key := range keys(runs) {
		if _, ok := colors[key]; !ok {
			colors[key] = free[next%len(free)]
			next++
		}
	}
	return colors
}

// chartNote says what the points were measured with, in a line: the CLI's versions, the machines, the
// dates.
func chartNote(runs []scaleRun) string {
	var versions, machines []string
	first, last := runs[0].Date, runs[0].Date
	for _, r := range runs {
		if v := cliName(r.CLI) + " " + r.CLIVersion; !slices.Contains(versions, v) {
			versions = append(versions, v)
		}
		if m := fmt.Sprintf("%d cores", r.Cores); !slices.Contains(machines, m) {
			machines = append(machines, m)
		}
		first, last = min(first, r.Date), max(last, r.Date)
	}
	dates := first
	if last != first {
		dates += " to " + last
	}
	return fmt.Sprintf("%s; %s; one make scale run per N, %s", strings.Join(versions, ", "), strings.Join(machines, ", "), dates)
}

// The figures section of the performance page lies between these lines, which stay.
const (
	figuresBegin = "<!-- begin scale figures: redrawn from the scale record by make scale and make generate; do not edit by hand -->"
	figuresEnd   = "<!-- end scale figures -->"
)

// figures is the page's figures section: each CLI's charts, then each run's table and goals.
func figures(rec record, dir, recordFile string) string {
	var b strings.Builder
	for _, c := range charts(rec) {
		fmt.Fprintf(&b, "![%s](%s/%s)\n\n", c.chart.Title, dir, c.file)
	}
	fmt.Fprintf(&b, "Each N below is the last `make scale` run at that N, recorded in [`%s/%s`](%s/%s).\n", dir, recordFile, dir, recordFile)
	for _, r := range rec.Runs {
		fmt.Fprintf(&b, "\n### N=%d, %s\n\n", r.N, cliName(r.CLI))
		fmt.Fprintf(&b, "%s %s; provider at `%s`; %s; %d cores, %s of memory; load average (1, 5 and 15 minutes) %s before the run, %s after; each plan run %d %s, the run of median wall time shown.\n\n",
			cliName(r.CLI), r.CLIVersion, r.Provider, longDate(r.Date), r.Cores, r.Memory, r.LoadBefore, r.LoadAfter, r.PlanRuns, plural(r.PlanRuns, "time", "times"))
		if r.Baseline != "" {
			fmt.Fprintf(&b, "Baseline provider: `%s`.\n\n", r.Baseline)
		}
		printRun(&b, r)
	}
	return b.String()
}

// fillPage replaces what lies between the page's figures markers with section.
func fillPage(page, section string) error {
	b, err := os.ReadFile(page)
	if err != nil {
		return err
	}
	if bytes.Count(b, []byte(figuresBegin)) != 1 || bytes.Count(b, []byte(figuresEnd)) != 1 {
		return fmt.Errorf("%s: want the lines %q and %q once each", page, figuresBegin, figuresEnd)
	}
	before, rest, _ := bytes.Cut(b, []byte(figuresBegin))
	_, after, found := bytes.Cut(rest, []byte(figuresEnd))
	if !found {
		return fmt.Errorf("%s: %q comes before %q", page, figuresEnd, figuresBegin)
	}
	var out bytes.Buffer
	out.Write(before)
	out.WriteString(figuresBegin + "\n\n" + section + "\n" + figuresEnd)
	out.Write(after)
	return os.WriteFile(page, out.Bytes(), 0o644)
}

func cliName(cli string) string {
	switch cli {
	case "tofu":
		return "OpenTofu"
	case "terraform":
		return "Terraform"
	}
	return cli
}

func longDate(date string) string {
	t, err := time.Parse(time.DateOnly, date)
	if err != nil {
		return date
	}
	return t.Format("2 January 2006")
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
