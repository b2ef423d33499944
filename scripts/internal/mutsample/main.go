// Command mutsample measures a package's mutation efficacy on a random sample of its covered mutants,
// for the packages whose every mutant would take longer than a working day to run on two cores
// (`SAMPLE=100 make mutate PKG=./internal/server`; contributing/testing.md).
//
// The mutants are gremlins' own: its dry run (`gremlins unleash --dry-run --output report.json`) lists
// every mutant of the package with its kind and position, and whether the package's tests cover it.
// mutsample puts the covered ones in an order drawn with a seed and judges them in that order until -n
// have compiled: each is applied the way gremlins applies it (one token replaced at its position), the
// mutated file handed to `go test -overlay` (no copy of the module), and judged by the tests of its file's
// own package, or, with -judges, by the tests named for its file. The unmutated run of those tests, which
// must pass, sets the time limit (-timeout-coefficient times it) and, by its coverage, whether they run
// the mutant at all: one they do not run is not covered, as in a run of gremlins with the same tests.
// Each mutant is killed (a test failed), lived (every test passed), timed out, not viable (it does not
// compile) or not covered; only the first three count toward -n. -only judges the mutants named instead.
//
// The efficacy is killed / (killed + lived), given with its 95 % Wilson interval: a range that holds the
// whole package's efficacy 19 times in 20, given what the sample found.
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"go/scanner"
	"go/token"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"os/signal"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"
)

// report is the part of gremlins' JSON output that mutsample reads.
type report struct {
	Files []struct {
		Name      string     `json:"file_name"`
		Mutations []mutation `json:"mutations"`
	} `json:"files"`
}

type mutation struct {
	Type   string `json:"type"`
	Status string `json:"status"`
	Line   int    `json:"line"`
	Column int    `json:"column"`
}

// mutantList is the mutants named by -only, each as String gives it.
type mutantList []mutant

func (l *mutantList) String() string { return fmt.Sprint(*l) }

func (l *mutantList) Set(v string) error {
	m, err := parseMutant(v)
	if err == nil {
		*l = append(*l, m)
	}
	return err
}

// parseMutant reads a mutant as String writes it: "file:line:column TYPE".
func parseMutant(v string) (mutant, error) {
	var m mutant
	pos, kind, ok := strings.Cut(strings.TrimSpace(v), " ")
	parts := strings.Split(pos, ":")
	if !ok || len(parts) != 3 {
		return m, fmt.Errorf("%q is not file:line:column TYPE", v)
	}
	if _, err := fmt.Sscanf(parts[1]+" "+parts[2], "%d %d", &m.Line, &m.Column); err != nil {
		return m, fmt.Errorf("%q is not file:line:column TYPE: %w", v, err)
	}
	if _, known := replacements[kind]; !known {
		return m, fmt.Errorf("%q: %s is not a mutation kind mutsample knows", v, kind)
	}
	m.File, m.Type, m.Status = parts[0], kind, "RUNNABLE"
	return m, nil
}

// mutant is one covered mutation of one file.
type mutant struct {
	File string // as gremlins names it: the path relative to the package's folder
	mutation
}

func (m mutant) String() string {
	return fmt.Sprintf("%s:%d:%d %s", m.File, m.Line, m.Column, m.Type)
}

// replacements is gremlins' table (internal/engine/mappings.go, v0.6.0) for the kinds its default run
// enables: the token each kind puts in place of the one it finds.
var replacements = map[string]map[token.Token]token.Token{
	"ARITHMETIC_BASE": {
		token.ADD: token.SUB, token.MUL: token.QUO, token.QUO: token.MUL, token.REM: token.MUL, token.SUB: token.ADD,
	},
	"CONDITIONALS_BOUNDARY": {
		token.GEQ: token.GTR, token.GTR: token.GEQ, token.LEQ: token.LSS, token.LSS: token.LEQ,
	},
	"CONDITIONALS_NEGATION": {
		token.EQL: token.NEQ, token.NEQ: token.EQL,
		token.GEQ: token.LSS, token.GTR: token.LEQ, token.LEQ: token.GTR, token.LSS: token.GEQ,
	},
	"INCREMENT_DECREMENT": {token.DEC: token.INC, token.INC: token.DEC},
	"INVERT_NEGATIVES":    {token.SUB: token.ADD},
}

// apply returns src with the mutant applied: the token at its line and column replaced by the one its
// kind calls for. It refuses a position that holds no token the kind can change, so a report that no
// longer matches the source is an error, not a silently different mutant.
func apply(src []byte, m mutation) ([]byte, error) {
	table, ok := replacements[m.Type]
	if !ok {
		return nil, fmt.Errorf("mutation kind %s is not one mutsample knows", m.Type)
	}
	fset := token.NewFileSet()
	file := fset.AddFile("", fset.Base(), len(src))
	var s scanner.Scanner
	s.Init(file, src, nil, 0)
	for {
		pos, tok, _ := s.Scan()
		if tok == token.EOF {
			return nil, fmt.Errorf("no token at %d:%d", m.Line, m.Column)
		}
		p := file.Position(pos)
		if p.Line < m.Line || (p.Line == m.Line && p.Column < m.Column) {
			continue
		}
		if p.Line != m.Line || p.Column != m.Column {
			return nil, fmt.Errorf("no token begins at %d:%d", m.Line, m.Column)
		}
		to, ok := table[tok]
		if !ok {
			return nil, fmt.Errorf("%d:%d holds %q, which %s does not change", m.Line, m.Column, tok, m.Type)
		}
		off := file.Offset(pos)
		out := make([]byte, 0, len(src)+1)
		out = append(out, src[:off]...)
		out = append(out, to.String()...)
		return append(out, src[off+len(tok.String()):]...), nil
	}
}

// draw returns the covered mutants in a random order fixed by the seed. The sample is a prefix of it:
// the first n that compile, since a mutant that does not (`+` turned to `-` between strings) says
// nothing of the tests and would only make the sample smaller.
func draw(r report, seed uint64) []mutant {
	var covered []mutant
	for _, f := range r.Files {
		for _, m := range f.Mutations {
			if m.Status == "RUNNABLE" {
				covered = append(covered, mutant{File: f.Name, mutation: m})
			}
		}
	}
	// The report's order of files is not promised; the draw starts from an order of the mutants' own.
	sort.Slice(covered, func(i, j int) bool {
		a, b := covered[i], covered[j]
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		if a.Column != b.Column {
			return a.Column < b.Column
		}
		return a.Type < b.Type
	})
	rng := rand.New(rand.NewPCG(seed, seed))
	rng.Shuffle(len(covered), func(i, j int) { covered[i], covered[j] = covered[j], covered[i] })
	return covered
}

// wilson is the 95 % Wilson score interval of k successes in n trials.
func wilson(k, n int) (lo, hi float64) {
	if n == 0 {
		return 0, 1
	}
	const z = 1.959963984540054
	p := float64(k) / float64(n)
	nn := float64(n)
	den := 1 + z*z/nn
	mid := (p + z*z/(2*nn)) / den
	half := z * math.Sqrt(p*(1-p)/nn+z*z/(4*nn*nn)) / den
	return math.Max(0, mid-half), math.Min(1, mid+half)
}

// readJudges reads lines of "file<TAB>go test -run pattern": the tests that judge each file's mutants.
func readJudges(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	judges := map[string]string{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		file, run, ok := strings.Cut(sc.Text(), "\t")
		if !ok {
			return nil, fmt.Errorf("%s: %q is not file<TAB>pattern", path, sc.Text())
		}
		judges[file] = run
	}
	return judges, sc.Err()
}

type config struct {
	pkg         string
	root        string // the module's root, where go test runs
	module      string // the module's path, which coverage profiles name files by
	judges      map[string]string
	coefficient float64
	log         io.Writer
}

// passed is how goTest reports tests that all passed: of a mutant, that it lived.
const passed = "LIVED"

// goTest runs the package's tests once, with the overlay when not empty, and says how it ended. With a
// limit, the test binary stops itself at it (go test -timeout), as gremlins has it do; ctx ending stops
// go test and everything it started.
func (c config) goTest(ctx context.Context, pkg, run, overlay string, limit time.Duration, coverProfile string) (status string, took time.Duration, output []byte) {
	args := []string{"test", "-count=1", "-failfast"}
	if coverProfile != "" {
		args = append(args, "-coverprofile="+coverProfile)
	}
	if limit > 0 {
		args = append(args, "-timeout="+limit.String())
	}
	if overlay != "" {
		args = append(args, "-overlay="+overlay)
	}
	if run != "" {
		args = append(args, "-run="+run)
	}
	args = append(args, pkg)
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = c.root
	// go test's own children (the compiler, the test binary) are in its process group, and go with it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 10 * time.Second
	start := time.Now()
	out, err := cmd.CombinedOutput()
	took = time.Since(start)
	switch {
	case err == nil:
		return passed, took, out
	case ctx.Err() != nil || bytes.Contains(out, []byte("panic: test timed out after")):
		return "TIMED OUT", took, out
	case bytes.Contains(out, []byte("[build failed]")) || bytes.Contains(out, []byte("[setup failed]")):
		return "NOT VIABLE", took, out
	default:
		return "KILLED", took, out
	}
}

func (c config) judge(file string) string {
	if c.judges == nil {
		return ""
	}
	return c.judges[file]
}

// testPackage is the package whose tests judge the mutant: its file's own, as gremlins has it (a file of
// internal/server/store is judged by that package's tests, not by internal/server's).
func (c config) testPackage(m mutant) string {
	dir := filepath.Dir(m.File)
	if dir == "." {
		return c.pkg
	}
	return c.pkg + "/" + filepath.ToSlash(dir)
}

// importPath is the mutant's file as a coverage profile names it: the module's path, then the file's
// path in the module.
func (c config) importPath(m mutant) string {
	return c.module + "/" + path.Join(strings.TrimPrefix(filepath.ToSlash(c.pkg), "./"), filepath.ToSlash(m.File))
}

// coverage is a coverage profile's blocks that ran, by file.
type coverage map[string][]block

// block is a span of source, from (line, column) to (endLine, endColumn), both included.
type block struct{ line, column, endLine, endColumn int }

// readCoverage reads a profile of go test -coverprofile, keeping the blocks that ran.
func readCoverage(path string) (coverage, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	cov := coverage{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "mode:") || line == "" {
			continue
		}
		// file:line.column,endLine.endColumn statements count
		colon := strings.LastIndexByte(line, ':')
		var b block
		var statements, count int
		if colon < 0 {
			return nil, fmt.Errorf("%s: %q is not a coverage block", path, line)
		}
		if _, err := fmt.Sscanf(line[colon+1:], "%d.%d,%d.%d %d %d", &b.line, &b.column, &b.endLine, &b.endColumn, &statements, &count); err != nil {
			return nil, fmt.Errorf("%s: %q is not a coverage block: %w", path, line, err)
		}
		if count > 0 {
			cov[line[:colon]] = append(cov[line[:colon]], b)
		}
	}
	return cov, sc.Err()
}

// covers says whether a block that ran holds the position.
func (cov coverage) covers(file string, line, column int) bool {
	for _, b := range cov[file] {
		after := line > b.line || (line == b.line && column >= b.column)
		before := line < b.endLine || (line == b.endLine && column <= b.endColumn)
		if after && before {
			return true
		}
	}
	return false
}

// path is the mutant's file on disk.
func (c config) path(m mutant) string {
	return filepath.Join(c.root, c.pkg, m.File)
}

// interrupted says whether the run was asked to stop (an interrupt): not an error, the end of the sample.
func interrupted(ctx context.Context) bool { return ctx.Err() != nil }

// run judges the mutants in order until n of them compiled, or until ctx ends (an interrupt): the
// mutants judged by then are the first of the random order, so still a sample drawn at random, only
// smaller. It returns them by status; the mutant being judged when ctx ended is not among them.
func run(ctx context.Context, c config, order []mutant, n int, scratch string) (map[string][]mutant, error) {
	// The unmutated run of each package and judging pattern, the first time it is needed, sets its
	// mutants' time limit, as gremlins' coverage run does; it must pass, or every mutant would look
	// killed.
	// The same run's coverage tells the mutants its tests run from those they do not, which are not
	// covered and not judged, as in a run of gremlins with the same tests.
	type judging struct{ pkg, run string }
	type unmutated struct {
		took  time.Duration
		cover coverage
	}
	baseline := map[judging]unmutated{}
	byStatus := map[string][]mutant{}
	judged := 0
	for _, m := range order {
		if judged == n || interrupted(ctx) {
			break
		}
		j := judging{c.testPackage(m), c.judge(m.File)}
		if _, done := baseline[j]; !done {
			profile := filepath.Join(scratch, "cover.out")
			status, took, out := c.goTest(ctx, j.pkg, j.run, "", 0, profile)
			if interrupted(ctx) {
				break
			}
			if status != passed {
				return nil, fmt.Errorf("the unmutated tests judging %s do not pass (%s), so no mutant can be judged:\n%s", m.File, status, out)
			}
			cover, err := readCoverage(profile)
			if err != nil {
				return nil, err
			}
			baseline[j] = unmutated{took, cover}
			fmt.Fprintf(c.log, "unmutated run of the tests judging %s: %.1f s\n", m.File, took.Seconds())
		}
		if !baseline[j].cover.covers(c.importPath(m), m.Line, m.Column) {
			byStatus["NOT COVERED"] = append(byStatus["NOT COVERED"], m)
			fmt.Fprintf(c.log, "%4d/%d %-10s %s (its tests do not run it)\n", judged, n, "NOT COVERED", m)
			continue
		}
		path := c.path(m)
		src, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		mutated, err := apply(src, m.mutation)
		if err != nil {
			return nil, fmt.Errorf("%s: %w (is the report from this source?)", m, err)
		}
		tmp := filepath.Join(scratch, "mutant.go")
		if err := os.WriteFile(tmp, mutated, 0o600); err != nil {
			return nil, err
		}
		overlay, _ := json.Marshal(map[string]map[string]string{"Replace": {path: tmp}})
		overlayPath := filepath.Join(scratch, "overlay.json")
		if err := os.WriteFile(overlayPath, overlay, 0o600); err != nil {
			return nil, err
		}
		limit := time.Duration(c.coefficient * float64(baseline[j].took))
		// The test binary stops at the limit; go test, which may be what hangs, a little after.
		limited, cancel := context.WithTimeout(ctx, limit+30*time.Second)
		status, took, _ := c.goTest(limited, j.pkg, j.run, overlayPath, limit, "")
		cancel()
		if interrupted(ctx) {
			break
		}
		byStatus[status] = append(byStatus[status], m)
		if status != "NOT VIABLE" {
			judged++
		}
		fmt.Fprintf(c.log, "%4d/%d %-10s %s (%.1f s)\n", judged, n, status, m, took.Seconds())
	}
	return byStatus, nil
}

func main() {
	var (
		reportPath  = flag.String("report", "", "gremlins' dry-run JSON report of the package")
		pkg         = flag.String("pkg", "", "the package, as go test takes it (./internal/server)")
		n           = flag.Int("n", 200, "how many covered mutants to draw")
		seed        = flag.Uint64("seed", 1, "the seed of the draw: the same seed and report draw the same mutants")
		judgesPath  = flag.String("judges", "", "optional file of lines file<TAB>pattern: the go test -run pattern judging each file's mutants (file relative to the package)")
		coefficient = flag.Float64("timeout-coefficient", 5, "a mutant's tests are stopped after this many times the unmutated run")
		only        mutantList
	)
	flag.Var(&only, "only", "judge this mutant, as a run's log names it (\"activity.go:186:12 INCREMENT_DECREMENT\"), instead of a sample; repeatable: to judge survivors again after adding tests")
	flag.Parse()
	if (*reportPath == "" && len(only) == 0) || *pkg == "" {
		fmt.Fprintln(os.Stderr, "usage: mutsample -pkg ./internal/server {-report report.json [-n 200] [-seed 1] | -only 'file:line:column TYPE' ...} [-judges file]")
		os.Exit(2)
	}
	if err := mainErr(*reportPath, *pkg, *n, *seed, *judgesPath, *coefficient, only); err != nil {
		fmt.Fprintln(os.Stderr, "mutsample:", err)
		os.Exit(1)
	}
}

func mainErr(reportPath, pkg string, n int, seed uint64, judgesPath string, coefficient float64, only []mutant) error {
	var r report
	if len(only) == 0 {
		raw, err := os.ReadFile(reportPath)
		if err != nil {
			return err
		}
		if err := json.Unmarshal(raw, &r); err != nil {
			return fmt.Errorf("%s: %w", reportPath, err)
		}
	}
	root, err := os.Getwd()
	if err != nil {
		return err
	}
	module, err := modulePath(filepath.Join(root, "go.mod"))
	if err != nil {
		return err
	}
	c := config{pkg: pkg, root: root, module: module, coefficient: coefficient, log: os.Stdout}
	if judgesPath != "" {
		if c.judges, err = readJudges(judgesPath); err != nil {
			return err
		}
	}
	total, covered := 0, 0
	for _, f := range r.Files {
		for _, m := range f.Mutations {
			total++
			if m.Status == "RUNNABLE" {
				covered++
			}
		}
	}
	var order []mutant
	switch {
	case len(only) > 0:
		order, n, covered = only, len(only), len(only)
		fmt.Printf("%s: judging the %d mutants given\n", pkg, n)
	case covered == 0:
		return errors.New("the report has no covered mutant: was it made with --dry-run of this package?")
	default:
		order, n = draw(r, seed), min(n, covered)
		fmt.Printf("%s: %d mutants, %d covered; judging %d that compile, drawn at random (seed %d)\n", pkg, total, covered, n, seed)
	}
	scratch, err := os.MkdirTemp("", "mutsample")
	if err != nil {
		return err
	}
	defer os.RemoveAll(scratch)
	start := time.Now()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	byStatus, err := run(ctx, c, order, n, scratch)
	if err != nil {
		return err
	}
	killed, lived := len(byStatus["KILLED"]), len(byStatus["LIVED"])
	if judged := killed + lived + len(byStatus["TIMED OUT"]); judged < n {
		fmt.Printf("\nInterrupted after %d of the %d: the figure below is of those, the first of the same random order.\n", judged, n)
	}
	fmt.Printf("\nKilled: %d, Lived: %d, Timed out: %d (and %d drawn that do not compile, %d that their own tests do not run) of %d covered, in %.0f s\n",
		killed, lived, len(byStatus["TIMED OUT"]), len(byStatus["NOT VIABLE"]), len(byStatus["NOT COVERED"]), covered, time.Since(start).Seconds())
	lo, hi := wilson(killed, killed+lived)
	if killed+lived > 0 {
		fmt.Printf("Sampled efficacy: %.1f%% (95%% interval %.1f%% to %.1f%%)\n",
			100*float64(killed)/float64(killed+lived), 100*lo, 100*hi)
	}
	for _, status := range []string{"LIVED", "TIMED OUT", "NOT VIABLE"} {
		for _, m := range byStatus[status] {
			fmt.Printf("%s: %s: %s\n", status, m, sourceLine(c.path(m), m.Line))
		}
	}
	return nil
}

// modulePath reads the module's path from its go.mod.
func modulePath(goMod string) (string, error) {
	b, err := os.ReadFile(goMod)
	if err != nil {
		return "", fmt.Errorf("mutsample runs at the module's root: %w", err)
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(line), "module "); ok {
			return strings.Trim(strings.TrimSpace(rest), `"`), nil
		}
	}
	return "", fmt.Errorf("%s names no module", goMod)
}

// sourceLine is the mutant's line of source, trimmed, to read the survivors without opening files.
func sourceLine(path string, line int) string {
	src, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	lines := strings.Split(string(src), "\n")
	if line < 1 || line > len(lines) {
		return ""
	}
	return strings.TrimSpace(lines[line-1])
}
