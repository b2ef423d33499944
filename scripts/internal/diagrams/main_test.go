package main

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Every diagram is well-formed XML, an svg element with its size, and holds the words it must.
func TestDiagrams(t *testing.T) {
	dir := t.TempDir()
	if err := write(dir); err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{
		"request-path.svg": {"Shared listings", "Writes: coalesced", "Idempotency-Key", "Retry-After", "RateLimit-Policy", "Panic recovery",
			"Fault injection", "Authentication and rate limit", "Body limit", "Write stage", "Routes and authorization", "Handler", "SQLite"},
		"group-commit.svg": {"BEGIN", "SAVEPOINT A", "ROLLBACK", "COMMIT: one fsync", "next batch", "up to 128"},
	}
	for _, d := range diagrams {
		b, err := os.ReadFile(filepath.Join(dir, d.file))
		if err != nil {
			t.Fatal(err)
		}
		text := wellFormed(t, d.file, b)
		for _, w := range want[d.file] {
			if !strings.Contains(strings.ToLower(text), strings.ToLower(w)) {
				t.Errorf("%s does not say %q", d.file, w)
			}
		}
	}
	if len(want) != len(diagrams) {
		t.Errorf("%d diagrams, %d checked", len(diagrams), len(want))
	}
}

// wellFormed parses doc strictly, checks its root, and returns its text.
func wellFormed(t *testing.T, name string, doc []byte) string {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(doc))
	d.Strict = true
	var text strings.Builder
	depth, roots := 0, 0
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("%s is not well-formed XML: %v", name, err)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			if depth == 0 {
				roots++
				attrs := map[string]string{}
				for _, a := range tok.Attr {
					attrs[a.Name.Local] = a.Value
				}
				if tok.Name.Local != "svg" || attrs["width"] == "" || attrs["height"] == "" || attrs["viewBox"] == "" {
					t.Errorf("%s: root %s %v, want an svg with width, height and viewBox", name, tok.Name.Local, attrs)
				}
			}
			depth++
		case xml.EndElement:
			depth--
		case xml.CharData:
			text.Write(tok)
			text.WriteByte(' ')
		}
	}
	if roots != 1 {
		t.Errorf("%s has %d root elements", name, roots)
	}
	return text.String()
}

// A line too long for its box fails the drawing, naming the line, instead of running over the border.
func TestTextMustFit(t *testing.T) {
	c := newCanvas(400, 200, "t")
	c.box(box{x: 10, y: 10, w: 200, title: "fits", lines: []string{"short", strings.Repeat("much too long ", 10)}, fill: "#fff", color: ink})
	_, err := c.svg()
	if err == nil || !strings.Contains(err.Error(), "much too long") || strings.Contains(err.Error(), `"short"`) {
		t.Fatalf("error %v, want one naming the long line only", err)
	}
	c = newCanvas(400, 200, "t")
	c.box(box{x: 10, y: 10, w: 200, title: "fits", lines: []string{"short"}, fill: "#fff", color: ink})
	if _, err := c.svg(); err != nil {
		t.Fatal(err)
	}
}
