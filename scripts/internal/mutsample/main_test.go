package main

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestApplyReplacesTheTokenAtThePositionAsGremlinsDoes(t *testing.T) {
	src := "package p\n\nfunc f(a, b int) bool {\n\ta++\n\treturn a-b <= -1 && a != b\n}\n"
	cases := []struct {
		kind         string
		line, column int
		want         string
	}{
		{"CONDITIONALS_BOUNDARY", 5, 13, "return a-b < -1 && a != b"},
		{"CONDITIONALS_NEGATION", 5, 13, "return a-b > -1 && a != b"},
		{"CONDITIONALS_NEGATION", 5, 24, "return a-b <= -1 && a == b"},
		{"ARITHMETIC_BASE", 5, 10, "return a+b <= -1 && a != b"},
		{"INVERT_NEGATIVES", 5, 16, "return a-b <= +1 && a != b"},
		{"INCREMENT_DECREMENT", 4, 3, "a--"},
	}
	for _, c := range cases {
		got, err := apply([]byte(src), mutation{Type: c.kind, Line: c.line, Column: c.column})
		if err != nil {
			t.Fatalf("%s at %d:%d: %v", c.kind, c.line, c.column, err)
		}
		line := strings.TrimSpace(strings.Split(string(got), "\n")[c.line-1])
		if line != c.want {
			t.Errorf("%s at %d:%d gives %q, want %q", c.kind, c.line, c.column, line, c.want)
		}
		if len(strings.Split(string(got), "\n")) != len(strings.Split(src, "\n")) {
			t.Errorf("%s changed the number of lines", c.kind)
		}
	}
}

func TestApplyRefusesAPositionThatDoesNotMatch(t *testing.T) {
	src := []byte("package p\n\nvar x = 1 + 2\n")
	for _, m := range []mutation{
		{Type: "ARITHMETIC_BASE", Line: 3, Column: 9},        // the 1, not an operator
		{Type: "CONDITIONALS_BOUNDARY", Line: 3, Column: 11}, // + is no comparison
		{Type: "ARITHMETIC_BASE", Line: 9, Column: 1},        // past the end
		{Type: "INVERT_LOGICAL", Line: 3, Column: 11},        // a kind mutsample does not apply
	} {
		if _, err := apply(src, m); err == nil {
			t.Errorf("%+v applied to a position it does not fit", m)
		}
	}
}

func TestDrawIsRepeatableAndTakesOnlyCoveredMutants(t *testing.T) {
	var r report
	r.Files = make([]struct {
		Name      string     `json:"file_name"`
		Mutations []mutation `json:"mutations"`
	}, 2)
	r.Files[0].Name, r.Files[1].Name = "b.go", "a.go"
	for i := 1; i <= 50; i++ {
		status := "RUNNABLE"
		if i%5 == 0 {
			status = "NOT COVERED"
		}
		r.Files[i%2].Mutations = append(r.Files[i%2].Mutations, mutation{Type: "ARITHMETIC_BASE", Status: status, Line: i, Column: 1})
	}
	first, again := draw(r, 7), draw(r, 7)
	if len(first) != 40 {
		t.Fatalf("drew %d, want the 40 covered", len(first))
	}
	seen := map[mutant]bool{}
	for i := range first {
		if first[i] != again[i] {
			t.Fatalf("the same seed drew %v then %v", first, again)
		}
		if first[i].Status != "RUNNABLE" {
			t.Errorf("drew %v, which is not covered", first[i])
		}
		seen[first[i]] = true
	}
	if len(seen) != 40 {
		t.Errorf("drew %d different mutants of 40", len(seen))
	}
	if other := draw(r, 8); equal(other[:10], first[:10]) {
		t.Errorf("seeds 7 and 8 drew the same first ten mutants")
	}
}

func equal(a, b []mutant) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return len(a) == len(b)
}

func TestWilsonInterval(t *testing.T) {
	// 95 of 100: the interval is 88.8 % to 97.8 % (Wilson, z = 1.96).
	lo, hi := wilson(95, 100)
	if math.Abs(lo-0.8883) > 0.0005 || math.Abs(hi-0.9785) > 0.0005 {
		t.Errorf("wilson(95, 100) = %.4f, %.4f; want 0.8883, 0.9785", lo, hi)
	}
	if lo, hi := wilson(10, 10); hi != 1 || lo < 0.69 || lo > 0.73 {
		t.Errorf("wilson(10, 10) = %.4f, %.4f; want about 0.72, 1", lo, hi)
	}
}

func TestParseMutantReadsWhatStringWrites(t *testing.T) {
	m := mutant{File: "store/store.go", mutation: mutation{Type: "CONDITIONALS_BOUNDARY", Status: "RUNNABLE", Line: 104, Column: 7}}
	got, err := parseMutant(m.String())
	if err != nil || got != m {
		t.Errorf("parseMutant(%q) = %v, %v; want %v", m.String(), got, err, m)
	}
	for _, bad := range []string{"store.go:104 CONDITIONALS_BOUNDARY", "store.go:x:7 CONDITIONALS_BOUNDARY", "store.go:104:7", "store.go:104:7 INVERT_LOGICAL"} {
		if _, err := parseMutant(bad); err == nil {
			t.Errorf("parseMutant(%q) took it", bad)
		}
	}
}

func TestAMutantIsJudgedByItsOwnPackagesTests(t *testing.T) {
	c := config{pkg: "./internal/server"}
	for file, want := range map[string]string{
		"members.go":         "./internal/server",
		"store/stmtcache.go": "./internal/server/store",
		"a/b/deeper.go":      "./internal/server/a/b",
	} {
		if got := c.testPackage(mutant{File: file}); got != want {
			t.Errorf("testPackage(%s) = %s, want %s", file, got, want)
		}
	}
}

func TestCoverageTellsRunFromNotRun(t *testing.T) {
	profile := filepath.Join(t.TempDir(), "cover.out")
	if err := os.WriteFile(profile, []byte(`mode: set
example.com/m/internal/p/a.go:10.20,12.3 2 1
example.com/m/internal/p/a.go:14.2,16.10 1 0
example.com/m/internal/p/sub/b.go:3.1,3.30 1 1
`), 0o600); err != nil {
		t.Fatal(err)
	}
	cov, err := readCoverage(profile)
	if err != nil {
		t.Fatal(err)
	}
	c := config{module: "example.com/m", pkg: "./internal/p"}
	for _, tc := range []struct {
		file         string
		line, column int
		want         bool
	}{
		{"a.go", 10, 20, true},  // the block's first position
		{"a.go", 12, 3, true},   // its last
		{"a.go", 11, 1, true},   // inside
		{"a.go", 10, 19, false}, // just before
		{"a.go", 12, 4, false},  // just after
		{"a.go", 15, 5, false},  // a block that did not run
		{"sub/b.go", 3, 12, true},
		{"b.go", 3, 12, false}, // another file of the same name
	} {
		if got := cov.covers(c.importPath(mutant{File: tc.file}), tc.line, tc.column); got != tc.want {
			t.Errorf("%s:%d:%d covered: %v, want %v", tc.file, tc.line, tc.column, got, tc.want)
		}
	}
}
