package main

import (
	"bytes"
	"fmt"
	"html"
	"strconv"
)

// canvas is an SVG drawing in progress. Everything is placed by hand in user units (pixels at 100%);
// what the canvas checks is that text fits the box it is written in, so that a sentence made longer
// fails the generator instead of running over a border.
type canvas struct {
	b        bytes.Buffer
	w, h     int
	overflow []string // texts wider than their box, as estimated
}

const font = "Helvetica, Arial, sans-serif"

// Text sizes and the average advance of a character at each, as a share of the size: Helvetica's and
// Arial's average over English text is about 0.5 of the size (0.55 bold); the estimate takes a little
// more, so that a renderer whose fallback font is wider still keeps the text inside.
const (
	titleSize = 13
	bodySize  = 11.5
	smallSize = 10.5
	regular   = 0.55
	bold      = 0.6
)

// Colors: one per kind of thing, the same in both diagrams.
const (
	ink        = "#1a1a1a"
	muted      = "#555555"
	providerBG = "#e8f1fa" // the provider's process
	providerFG = "#0072B2"
	serverBG   = "#fdf0e6" // the server's process
	serverFG   = "#D55E00"
	storeBG    = "#e6f4ef" // the database
	storeFG    = "#009E73"
	refusedFG  = "#b00020"
)

func newCanvas(w, h int, title string) *canvas {
	c := &canvas{w: w, h: h}
	c.printf(`<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" role="img" aria-labelledby="title">`+"\n", w, h, w, h)
	c.printf(`<title id="title">%s</title>`+"\n", esc(title))
	c.printf(`<defs>`)
	for _, color := range []string{ink, providerFG, serverFG, storeFG, refusedFG, muted} {
		c.printf(`<marker id="head-%s" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0 0L10 5L0 10z" fill="%s"/></marker>`, color[1:], color)
	}
	c.printf("</defs>\n")
	c.printf(`<rect width="%d" height="%d" fill="#ffffff"/>`+"\n", w, h)
	c.printf(`<g font-family="%s" fill="%s">`+"\n", font, ink)
	return c
}

func (c *canvas) printf(format string, args ...any) { fmt.Fprintf(&c.b, format, args...) }

// svg ends the drawing and returns it, or an error naming every text that does not fit.
func (c *canvas) svg() ([]byte, error) {
	if len(c.overflow) > 0 {
		return nil, fmt.Errorf("text wider than its box: %q", c.overflow)
	}
	c.printf("</g>\n</svg>\n")
	return c.b.Bytes(), nil
}

// textWidth estimates the width of s at size.
func textWidth(s string, size, advance float64) float64 {
	return float64(len([]rune(s))) * size * advance
}

// box is a rounded rectangle with a bold title and lines of text under it, all left-aligned.
type box struct {
	x, y, w     float64
	title       string
	lines       []string
	fill, color string
	dashed      bool
}

const (
	pad        = 9.0
	titleLead  = 17.0
	lineLead   = 15.0
	boxBottom  = 8.0
	cornerSize = 5
)

// height is the box's height for its text.
func (b box) height() float64 {
	h := pad + titleLead + boxBottom
	if b.title == "" {
		h = pad + boxBottom
	}
	return h + float64(len(b.lines))*lineLead
}

// draw draws b and returns its height.
func (c *canvas) box(b box) float64 {
	h := b.height()
	dash := ""
	if b.dashed {
		dash = ` stroke-dasharray="5 4"`
	}
	c.printf(`<rect x="%s" y="%s" width="%s" height="%s" rx="%d" fill="%s" stroke="%s" stroke-width="1.5"%s/>`+"\n",
		f(b.x), f(b.y), f(b.w), f(h), cornerSize, b.fill, b.color, dash)
	y := b.y + pad
	if b.title != "" {
		y += titleLead - 4
		c.fit(b.title, b.w-2*pad, titleSize, bold)
		c.printf(`<text x="%s" y="%s" font-size="%d" font-weight="bold" fill="%s">%s</text>`+"\n", f(b.x+pad), f(y), titleSize, b.color, esc(b.title))
		y += 4
	}
	for _, line := range b.lines {
		y += lineLead
		if line == "" {
			continue
		}
		c.fit(line, b.w-2*pad, bodySize, regular)
		c.printf(`<text x="%s" y="%s" font-size="%s">%s</text>`+"\n", f(b.x+pad), f(y-3), f(bodySize), esc(line))
	}
	return h
}

// fit notes s when it is estimated wider than width.
func (c *canvas) fit(s string, width, size, advance float64) {
	if textWidth(s, size, advance) > width {
		c.overflow = append(c.overflow, s)
	}
}

// label writes lines of small text starting at (x, y), anchored "start", "middle" or "end"; maxWidth,
// when above 0, is the room they have.
func (c *canvas) label(x, y float64, anchor, color string, maxWidth float64, lines ...string) {
	for i, line := range lines {
		if maxWidth > 0 {
			c.fit(line, maxWidth, smallSize, regular)
		}
		c.printf(`<text x="%s" y="%s" font-size="%s" text-anchor="%s" fill="%s">%s</text>`+"\n",
			f(x), f(y+float64(i)*13), f(smallSize), anchor, color, esc(line))
	}
}

// heading writes a bold line of text.
func (c *canvas) heading(x, y float64, size int, color, s string) {
	c.printf(`<text x="%s" y="%s" font-size="%d" font-weight="bold" fill="%s">%s</text>`+"\n", f(x), f(y), size, color, esc(s))
}

// arrow draws a line from (x1, y1) to (x2, y2) with a head at the end (and at the start too when both).
func (c *canvas) arrow(x1, y1, x2, y2 float64, color string, dashed, both bool) {
	dash := ""
	if dashed {
		dash = ` stroke-dasharray="5 4"`
	}
	start := ""
	if both {
		start = fmt.Sprintf(` marker-start="url(#head-%s)"`, color[1:])
	}
	c.printf(`<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="1.6"%s marker-end="url(#head-%s)"%s/>`+"\n",
		f(x1), f(y1), f(x2), f(y2), color, dash, color[1:], start)
}

// line draws a plain line.
func (c *canvas) line(x1, y1, x2, y2 float64, color string, width float64, dash string) {
	d := ""
	if dash != "" {
		d = fmt.Sprintf(` stroke-dasharray="%s"`, dash)
	}
	c.printf(`<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="%s"%s/>`+"\n", f(x1), f(y1), f(x2), f(y2), color, f(width), d)
}

// rect draws a plain rectangle.
func (c *canvas) rect(x, y, w, h float64, fill, stroke string) {
	c.printf(`<rect x="%s" y="%s" width="%s" height="%s" rx="3" fill="%s" stroke="%s" stroke-width="1.2"/>`+"\n", f(x), f(y), f(w), f(h), fill, stroke)
}

// inRect writes one line of text centred in a rectangle drawn by rect, checking that it fits.
func (c *canvas) inRect(x, y, w, h float64, color, s string) {
	c.fit(s, w-10, smallSize, regular)
	c.printf(`<text x="%s" y="%s" font-size="%s" text-anchor="middle" fill="%s">%s</text>`+"\n", f(x+w/2), f(y+h/2+3.5), f(smallSize), color, esc(s))
}

func dot(c *canvas, x, y float64, color string) {
	c.printf(`<circle cx="%s" cy="%s" r="4" fill="%s"/>`+"\n", f(x), f(y), color)
}

func f(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }

func esc(s string) string { return html.EscapeString(s) }
