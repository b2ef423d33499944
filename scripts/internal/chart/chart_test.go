package chart

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// node is an element of a parsed SVG: enough of a DOM to find elements by class.
type node struct {
	name     string
	attrs    map[string]string
	children []*node
	text     string // character data directly inside
}

func (n *node) hasClass(class string) bool {
	return slices.Contains(strings.Fields(n.attrs["class"]), class)
}

// all returns n's descendants (n included) for which match is true, in document order.
func (n *node) all(match func(*node) bool) []*node {
	var found []*node
	if match(n) {
		found = append(found, n)
	}
	for _, c := range n.children {
		found = append(found, c.all(match)...)
	}
	return found
}

// texts returns the character data of every <text> under n, trimmed.
func (n *node) texts() []string {
	var out []string
	for _, t := range n.all(func(m *node) bool { return m.name == "text" }) {
		out = append(out, strings.TrimSpace(t.text))
	}
	return out
}

func byClass(classes ...string) func(*node) bool {
	return func(n *node) bool {
		for _, c := range classes {
			if !n.hasClass(c) {
				return false
			}
		}
		return true
	}
}

// parse decodes doc strictly (a document that is not well-formed XML fails) into nodes.
func parse(t *testing.T, doc []byte) *node {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(doc))
	d.Strict = true
	var stack []*node
	var root *node
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("the SVG is not well-formed XML: %v\n%s", err, doc)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			n := &node{name: tok.Name.Local, attrs: map[string]string{}}
			for _, a := range tok.Attr {
				n.attrs[a.Name.Local] = a.Value
			}
			if len(stack) == 0 {
				if root != nil {
					t.Fatal("the SVG has more than one root element")
				}
				root = n
			} else {
				parent := stack[len(stack)-1]
				parent.children = append(parent.children, n)
			}
			stack = append(stack, n)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].text += string(tok)
			}
		}
	}
	if root == nil {
		t.Fatal("the SVG has no root element")
	}
	return root
}

func TestSVG(t *testing.T) {
	c := Chart{
		Title:  "Plan <wall> time & N",
		Note:   "OpenTofu 1.12.6",
		XLabel: "N (members)",
		YLabel: "wall time (s)",
		Series: []Series{
			// Out of order: drawn in order of X.
			{Name: "plan", Points: []Point{{3000, 30.5}, {300, 4.2}, {1000, 11.2}}},
			{Name: "floor: floor_item", Points: []Point{{300, 2.5}, {1000, 7.7}, {3000, 21}}, Dash: "6 4"},
			{Name: "one run only", Points: []Point{{1000, 44.8}}, Color: "#123456"},
		},
	}
	doc, err := c.SVG()
	if err != nil {
		t.Fatal(err)
	}
	root := parse(t, doc)
	if root.name != "svg" || root.attrs["xmlns"] != "http://www.w3.org/2000/svg" {
		t.Fatalf("root element %s xmlns=%q, want an svg element in the SVG namespace", root.name, root.attrs["xmlns"])
	}
	for _, a := range []string{"width", "height", "viewBox"} {
		if root.attrs[a] == "" {
			t.Errorf("the svg element has no %s", a)
		}
	}
	all := root.texts()
	for _, want := range []string{"Plan <wall> time & N", "OpenTofu 1.12.6", "N (members)", "wall time (s)"} {
		if !slices.Contains(all, want) {
			t.Errorf("no text %q in %q", want, all)
		}
	}

	axes := map[string][]string{}
	for _, axis := range []string{"x", "y"} {
		found := root.all(byClass("axis", axis))
		if len(found) != 1 {
			t.Fatalf("%d %s axes, want 1", len(found), axis)
		}
		axes[axis] = found[0].texts()
	}
	// 3,000 members make an axis of 0 to 3,000 in steps of 500; 44.8 s one of 0 to 50 s in steps of 10.
	if want := []string{"0", "500", "1,000", "1,500", "2,000", "2,500", "3,000", "N (members)"}; !slices.Equal(axes["x"], want) {
		t.Errorf("x axis texts %q, want %q", axes["x"], want)
	}
	if want := []string{"0", "10", "20", "30", "40", "50", "wall time (s)"}; !slices.Equal(axes["y"], want) {
		t.Errorf("y axis texts %q, want %q", axes["y"], want)
	}

	groups := root.all(byClass("series"))
	if len(groups) != len(c.Series) {
		t.Fatalf("%d series groups, want %d", len(groups), len(c.Series))
	}
	for i, s := range c.Series {
		g := groups[i]
		if g.attrs["data-name"] != s.Name {
			t.Errorf("series group %d is named %q, want %q", i, g.attrs["data-name"], s.Name)
		}
		paths := g.all(byClass("line"))
		if len(paths) != 1 {
			t.Fatalf("series %q has %d paths, want 1", s.Name, len(paths))
		}
		d := paths[0].attrs["d"]
		if !strings.HasPrefix(d, "M") || strings.Count(d, "M") != 1 || strings.Count(d, "L") != len(s.Points)-1 {
			t.Errorf("series %q path %q: want one M and an L for each of its %d further points", s.Name, d, len(s.Points)-1)
		}
		if dashed := paths[0].attrs["stroke-dasharray"]; dashed != s.Dash {
			t.Errorf("series %q is dashed %q, want %q", s.Name, dashed, s.Dash)
		}
		points := g.all(byClass("point"))
		if len(points) != len(s.Points) {
			t.Fatalf("series %q has %d points drawn, want %d", s.Name, len(points), len(s.Points))
		}
		// In order of X: each point right of the one before, and the path goes through them in that order.
		var xs []string
		for j, p := range points {
			xs = append(xs, p.attrs["cx"]+" "+p.attrs["cy"])
			if j > 0 && parseFloat(t, p.attrs["cx"]) <= parseFloat(t, points[j-1].attrs["cx"]) {
				t.Errorf("series %q: point %d is not right of point %d", s.Name, j, j-1)
			}
			if fill := p.attrs["fill"]; fill != paths[0].attrs["stroke"] {
				t.Errorf("series %q: a point filled %s on a line stroked %s", s.Name, fill, paths[0].attrs["stroke"])
			}
		}
		if got := strings.NewReplacer("M", "", "L", "").Replace(d); got != strings.Join(xs, " ") {
			t.Errorf("series %q: path through %q, points at %q", s.Name, got, strings.Join(xs, " "))
		}
	}
	if got := groups[2].all(byClass("line"))[0].attrs["stroke"]; got != "#123456" {
		t.Errorf("a series' own color was drawn %s", got)
	}
	if a, b := groups[0].all(byClass("line"))[0].attrs["stroke"], groups[1].all(byClass("line"))[0].attrs["stroke"]; a == b {
		t.Errorf("two series drawn in the same color %s", a)
	}
	// The highest point of the plan (30.5 s at 3,000) is above the lowest (4.2 s at 300): y grows upwards.
	planPoints := groups[0].all(byClass("point"))
	if parseFloat(t, planPoints[2].attrs["cy"]) >= parseFloat(t, planPoints[0].attrs["cy"]) {
		t.Errorf("the larger value is drawn lower: cy %s at 30.5 s, %s at 4.2 s", planPoints[2].attrs["cy"], planPoints[0].attrs["cy"])
	}
	if tip := strings.TrimSpace(planPoints[1].children[0].text); tip != "plan at 1,000: 11.2" {
		t.Errorf("tooltip %q, want %q", tip, "plan at 1,000: 11.2")
	}

	legends := root.all(byClass("legend"))
	if len(legends) != 1 {
		t.Fatalf("%d legends, want 1", len(legends))
	}
	if got, want := legends[0].texts(), []string{"plan", "floor: floor_item", "one run only"}; !slices.Equal(got, want) {
		t.Errorf("legend %q, want %q", got, want)
	}
}

// A name with markup in it is text, never markup.
func TestSVGEscapes(t *testing.T) {
	name := `a "b" <c> & 'd'`
	doc, err := Chart{Title: name, XLabel: "x", YLabel: "y", Series: []Series{{Name: name, Points: []Point{{1, 1}}}}}.SVG()
	if err != nil {
		t.Fatal(err)
	}
	root := parse(t, doc)
	if got := root.all(byClass("series"))[0].attrs["data-name"]; got != name {
		t.Errorf("data-name %q, want %q", got, name)
	}
	if got := root.all(byClass("title"))[0].text; got != name {
		t.Errorf("title %q, want %q", got, name)
	}
}

func TestSVGRefuses(t *testing.T) {
	for _, tc := range []struct {
		name   string
		series []Series
		want   string
	}{
		{"no series", nil, "no series"},
		{"a series without points", []Series{{Name: "plan"}}, `"plan" has no points`},
		{"a series without a name", []Series{{Points: []Point{{1, 1}}}}, "has no name"},
		{"a negative value", []Series{{Name: "plan", Points: []Point{{1, -1}}}}, "not negative"},
		{"not a number", []Series{{Name: "plan", Points: []Point{{math.NaN(), 1}}}}, "finite"},
		{"infinite", []Series{{Name: "plan", Points: []Point{{1, math.Inf(1)}}}}, "finite"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Chart{Series: tc.series}.SVG()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one saying %q", err, tc.want)
			}
		})
	}
}

func TestTicks(t *testing.T) {
	for _, tc := range []struct {
		top  float64
		want []float64
	}{
		{0, []float64{0, 0.25, 0.5, 0.75, 1}},
		{7, []float64{0, 2, 4, 6, 8}},
		{11.2, []float64{0, 2, 4, 6, 8, 10, 12}},
		{12, []float64{0, 2, 4, 6, 8, 10, 12}},
		{0.7, []float64{0, 0.2, 0.4, 0.6, 0.8}},
		{0.3, []float64{0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3}},
		{10000, []float64{0, 2000, 4000, 6000, 8000, 10000}},
		{271.4, []float64{0, 50, 100, 150, 200, 250, 300}},
	} {
		if got := Ticks(tc.top); !slices.Equal(got, tc.want) {
			t.Errorf("Ticks(%v) = %v, want %v", tc.top, got, tc.want)
		}
	}
}

func TestNumber(t *testing.T) {
	for v, want := range map[float64]string{
		0: "0", 2.5: "2.5", 0.25: "0.25", 1000: "1,000", 12500: "12,500", 1234567.891: "1,234,567.89", 999: "999", -1500: "-1,500",
	} {
		if got := Number(v); got != want {
			t.Errorf("Number(%v) = %q, want %q", v, got, want)
		}
	}
}

func parseFloat(t *testing.T, s string) float64 {
	t.Helper()
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatalf("%q is not a number: %v", s, err)
	}
	return v
}
