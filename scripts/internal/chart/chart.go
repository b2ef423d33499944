// Package chart draws line charts as SVG, for the maintainers' docs (the scale harness's time against N).
// It knows nothing of what it draws: a chart is a title, two axis labels and any number of series, each a
// name and its points. Standard library only, so the charts are redrawn wherever Go runs.
//
// The drawing is plain SVG 1.1 (no script, no CSS, no web font) with a white background, so that it reads
// the same in a browser, on GitHub (light or dark theme) and through rsvg-convert. Every series is one
// <g class="series"> holding one <path class="line"> and a <circle class="point"> per point, each with a
// <title> giving its value; the tests and anyone reading the file find them by those classes.
package chart

import (
	"bytes"
	"errors"
	"fmt"
	"html"
	"math"
	"slices"
	"strconv"
	"strings"
)

// Chart is one line chart. Its axes start at zero and end at a round value above the largest point.
type Chart struct {
	Title string
	// Note is a line of smaller text under the title: where and how the points were measured.
	Note           string
	XLabel, YLabel string
	// XTick and YTick format the axes' tick values; nil gives numbers with thousands separators.
	XTick, YTick func(float64) string
	// Value formats a point's value in its tooltip; nil uses YTick.
	Value  func(float64) string
	Series []Series
}

// Series is one line.
type Series struct {
	Name   string
	Points []Point // drawn in order of X, whatever order they come in
	// Color is an SVG color; "" takes the next color of the palette that no other series names.
	Color string
	// Dash is an SVG stroke-dasharray ("6 4"); "" draws a solid line. Floors and references are dashed,
	// so that what was measured stands out from what it is compared with.
	Dash string
}

// Point is one measurement.
type Point struct{ X, Y float64 }

// Palette is the Okabe-Ito palette without its yellow (too pale on white): told apart by most color-blind
// readers too.
var Palette = []string{"#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000"}

// Geometry, in SVG user units (pixels at 100%).
const (
	width      = 760
	plotLeft   = 78
	plotRight  = width - 24
	plotTop    = 70
	plotHeight = 300
	legendRow  = 22
	// legendChars is how many characters of a series name fit in half the plot's width at 12px; with a
	// longer name the legend takes one column instead of two.
	legendChars = 40
)

// SVG draws the chart. It refuses a chart without series or points, and points that are not finite or
// below zero (the axes start at zero).
func (c Chart) SVG() ([]byte, error) {
	if len(c.Series) == 0 {
		return nil, errors.New("chart: no series")
	}
	var maxX, maxY float64
	for _, s := range c.Series {
		if s.Name == "" {
			return nil, errors.New("chart: a series has no name")
		}
		if len(s.Points) == 0 {
			return nil, fmt.Errorf("chart: series %q has no points", s.Name)
		}
		for _, p := range s.Points {
			for _, v := range []float64{p.X, p.Y} {
				if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
					return nil, fmt.Errorf("chart: series %q has the point (%v, %v): values must be finite and not negative", s.Name, p.X, p.Y)
				}
			}
			maxX, maxY = max(maxX, p.X), max(maxY, p.Y)
		}
	}
	xTick, yTick, value := c.XTick, c.YTick, c.Value
	if xTick == nil {
		xTick = Number
	}
	if yTick == nil {
		yTick = Number
	}
	if value == nil {
		value = yTick
	}
	xs, ys := Ticks(maxX), Ticks(maxY)
	xMax, yMax := xs[len(xs)-1], ys[len(ys)-1]
	px := func(x float64) float64 { return plotLeft + x/xMax*(plotRight-plotLeft) }
	py := func(y float64) float64 { return plotTop + plotHeight - y/yMax*plotHeight }

	legendTop := plotTop + plotHeight + 58
	legendCols := 2
	for _, s := range c.Series {
		if len([]rune(s.Name)) > legendChars {
			legendCols = 1
		}
	}
	legendWidth := (plotRight - plotLeft) / legendCols
	rows := (len(c.Series) + legendCols - 1) / legendCols
	height := legendTop + rows*legendRow + 12

	var b svgWriter
	b.printf(`<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" role="img" aria-labelledby="title">`+"\n", width, height, width, height)
	b.printf(`<title id="title">%s</title>`+"\n", esc(c.Title))
	b.printf(`<rect width="%d" height="%d" fill="#ffffff"/>`+"\n", width, height)
	b.printf(`<g font-family="Helvetica, Arial, sans-serif" fill="#1a1a1a">` + "\n")
	b.printf(`<text class="title" x="%d" y="28" font-size="17" font-weight="bold">%s</text>`+"\n", plotLeft, esc(c.Title))
	if c.Note != "" {
		b.printf(`<text class="note" x="%d" y="48" font-size="12" fill="#555555">%s</text>`+"\n", plotLeft, esc(c.Note))
	}

	// The y axis: grid lines at each tick, labelled on the left, and the axis label turned upright.
	b.printf(`<g class="axis y" font-size="12">` + "\n")
	for _, v := range ys {
		y := py(v)
		b.printf(`<line x1="%d" y1="%s" x2="%d" y2="%s" stroke="#e3e3e3"/>`+"\n", plotLeft, f(y), plotRight, f(y))
		b.printf(`<text x="%d" y="%s" text-anchor="end">%s</text>`+"\n", plotLeft-8, f(y+4), esc(yTick(v)))
	}
	b.printf(`<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#1a1a1a"/>`+"\n", plotLeft, plotTop, plotLeft, plotTop+plotHeight)
	b.printf(`<text class="label" transform="translate(18 %d) rotate(-90)" text-anchor="middle" font-size="13">%s</text>`+"\n", plotTop+plotHeight/2, esc(c.YLabel))
	b.printf("</g>\n")

	// The x axis: ticks below the plot, and its label under them.
	b.printf(`<g class="axis x" font-size="12">` + "\n")
	b.printf(`<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#1a1a1a"/>`+"\n", plotLeft, plotTop+plotHeight, plotRight, plotTop+plotHeight)
	for _, v := range xs {
		x := px(v)
		b.printf(`<line x1="%s" y1="%d" x2="%s" y2="%d" stroke="#1a1a1a"/>`+"\n", f(x), plotTop+plotHeight, f(x), plotTop+plotHeight+5)
		b.printf(`<text x="%s" y="%d" text-anchor="middle">%s</text>`+"\n", f(x), plotTop+plotHeight+20, esc(xTick(v)))
	}
	b.printf(`<text class="label" x="%d" y="%d" text-anchor="middle" font-size="13">%s</text>`+"\n", (plotLeft+plotRight)/2, plotTop+plotHeight+42, esc(c.XLabel))
	b.printf("</g>\n")

	colors := pickColors(c.Series)
	for i, s := range c.Series {
		points := slices.Clone(s.Points)
		slices.SortStableFunc(points, func(a, b Point) int { return cmpFloat(a.X, b.X) })
		dash := ""
		if s.Dash != "" {
			dash = fmt.Sprintf(` stroke-dasharray="%s"`, esc(s.Dash))
		}
		b.printf(`<g class="series" data-name="%s">`+"\n", esc(s.Name))
		var d strings.Builder
		for j, p := range points {
			cmd := "L"
			if j == 0 {
				cmd = "M"
			}
			fmt.Fprintf(&d, "%s%s %s", cmd, f(px(p.X)), f(py(p.Y)))
			if j < len(points)-1 {
				d.WriteByte(' ')
			}
		}
		b.printf(`<path class="line" d="%s" fill="none" stroke="%s" stroke-width="2"%s/>`+"\n", d.String(), colors[i], dash)
		for _, p := range points {
			b.printf(`<circle class="point" cx="%s" cy="%s" r="3.5" fill="%s"><title>%s at %s: %s</title></circle>`+"\n",
				f(px(p.X)), f(py(p.Y)), colors[i], esc(s.Name), esc(xTick(p.X)), esc(value(p.Y)))
		}
		b.printf("</g>\n")
	}

	// The legend, under the plot in columns: a stretch of each line as drawn, then its name.
	b.printf(`<g class="legend" font-size="12">` + "\n")
	for i, s := range c.Series {
		x := plotLeft + (i%legendCols)*legendWidth
		y := legendTop + (i/legendCols)*legendRow
		dash := ""
		if s.Dash != "" {
			dash = fmt.Sprintf(` stroke-dasharray="%s"`, esc(s.Dash))
		}
		b.printf(`<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="%s" stroke-width="2"%s/>`, x, y, x+28, y, colors[i], dash)
		b.printf(`<circle cx="%d" cy="%d" r="3.5" fill="%s"/>`, x+14, y, colors[i])
		b.printf(`<text x="%d" y="%d">%s</text>`+"\n", x+36, y+4, esc(s.Name))
	}
	b.printf("</g>\n</g>\n</svg>\n")
	return b.Bytes(), nil
}

// pickColors gives each series its own color or the next palette color no series names itself; past the
// palette's end the colors repeat (dashes still tell the lines apart).
func pickColors(series []Series) []string {
	taken := map[string]bool{}
	for _, s := range series {
		if s.Color != "" {
			taken[strings.ToLower(s.Color)] = true
		}
	}
	var free []string
	for _, c := range Palette {
		if !taken[strings.ToLower(c)] {
			free = append(free, c)
		}
	}
	if len(free) == 0 {
		free = Palette
	}
	colors := make([]string, len(series))
	next := 0
	for i, s := range series {
		if s.Color != "" {
			colors[i] = esc(s.Color)
			continue
		}
		colors[i] = free[next%len(free)]
		next++
	}
	return colors
}

// Ticks returns the values of an axis from zero to a round value at or above top: about six steps of 1,
// 2, 2.5 or 5 times a power of ten. An axis whose top is zero goes to 1.
func Ticks(top float64) []float64 {
	if top <= 0 {
		return []float64{0, 0.25, 0.5, 0.75, 1}
	}
	raw := top / 6
	pow := math.Pow(10, math.Floor(math.Log10(raw)))
	step := 10 * pow
	for _, m := range []float64{1, 2, 2.5, 5} {
		if m*pow >= raw {
			step = m * pow
			break
		}
	}
	n := int(math.Ceil(top/step - 1e-9))
	ticks := make([]float64, n+1)
	for i := range ticks {
		// Rounded to 12 digits, so that 3 steps of 0.1 are 0.3 and not 0.30000000000000004.
		ticks[i], _ = strconv.ParseFloat(strconv.FormatFloat(float64(i)*step, 'g', 12, 64), 64)
	}
	return ticks
}

// Number formats v with at most two decimals and a comma between thousands: 12,500 or 2.5.
func Number(v float64) string {
	s := strconv.FormatFloat(v, 'f', 2, 64)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	whole, frac, _ := strings.Cut(s, ".")
	neg := strings.HasPrefix(whole, "-")
	whole = strings.TrimPrefix(whole, "-")
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, r := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if frac != "" {
		b.WriteString("." + frac)
	}
	return b.String()
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// f formats a coordinate with one decimal, which is finer than any screen shows.
func f(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }

// esc escapes text and attribute values; html.EscapeString's entities (&lt; &amp; &#39; &#34; ...) are
// XML's too.
func esc(s string) string { return html.EscapeString(s) }

type svgWriter struct{ bytes.Buffer }

func (w *svgWriter) printf(format string, args ...any) { fmt.Fprintf(&w.Buffer, format, args...) }
