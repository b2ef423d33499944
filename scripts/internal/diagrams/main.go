// Command diagrams draws the diagrams of the maintainers' docs (contributing/architecture.md) as SVG:
// the path of a request from the CLI through the provider's client to the reference server's handler,
// and the server's group commit. scripts/generate-docs.sh runs it (`make generate`), and its --check
// fails when the committed drawings differ from what this program draws.
//
// The diagrams name what each stage does, not the file or package it lives in, so that moving code
// does not make them wrong; what they say is taken from internal/client (the listings, pacing, retries)
// and internal/server (the middleware chain, the write stage, group commit). Change them here when that
// behaviour changes.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
)

func main() {
	out := flag.String("out", "", "directory to write the SVG files into")
	flag.Parse()
	if *out == "" {
		fmt.Fprintln(os.Stderr, "diagrams: -out is required")
		os.Exit(2)
	}
	if err := write(*out); err != nil {
		fmt.Fprintln(os.Stderr, "diagrams:", err)
		os.Exit(1)
	}
}

// diagrams are the files this program writes and what draws each.
var diagrams = []struct {
	file string
	draw func() ([]byte, error)
}{
	{"request-path.svg", requestPath},
	{"group-commit.svg", groupCommit},
}

func write(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, d := range diagrams {
		svg, err := d.draw()
		if err != nil {
			return fmt.Errorf("%s: %w", d.file, err)
		}
		if err := os.WriteFile(filepath.Join(dir, d.file), svg, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// requestPath: the provider's stages on the left, top to bottom, the server's on the right, outermost
// first; the request crosses from the provider's last stage to the server's first, and the answer
// comes back the same way.
func requestPath() ([]byte, error) {
	const (
		width   = 1100
		left    = 20.0
		leftW   = 470.0
		right   = 610.0
		rightW  = 470.0
		gap     = 20.0 // between boxes of a column
		topLane = 50.0
	)
	// The server column sets the height: laid out first, drawn after the lanes' backgrounds.
	server := []box{
		{title: "Panic recovery", lines: []string{
			"A panic becomes a 500 problem document; the server goes on serving.",
			"Every answer's Date comes from the server's clock.",
		}},
		{title: "Fault injection (off unless configured)", lines: []string{
			"Adds latency; answers a share of requests 429 or 503 at once.",
		}},
		{title: "Authentication and rate limit", lines: []string{
			"The token is looked up by its hash, cached until a write changes",
			"credentials or memberships. One token bucket per user, or per client",
			"address without a valid credential: 429 with Retry-After, then 401.",
			"Unless the limit is off, every answer from here on carries",
			"RateLimit-Policy and RateLimit.",
		}},
		{title: "Body limit", lines: []string{
			"The whole body is read first: over 1 MiB 413, invalid UTF-8 400.",
		}},
		{title: "Write stage (POST, PATCH, PUT, DELETE)", lines: []string{
			"Claims the Idempotency-Key (409 while its first request still runs).",
			"Holds the handler's response: a success is stored under its key with",
			"the work, committed with a batch (group commit), and only then sent.",
			"A refusal rolls back the request's own work and is sent at once.",
		}},
		{title: "Routes and authorization", lines: []string{
			"No route: a 404 or 405 problem. Then the operation's policy: 401",
			"without a credential, 403 for the wrong kind of token, 404 for an",
			"organization the caller is not in, 403 for a role it does not allow.",
			"Then a stored answer to the Idempotency-Key is replayed, or the body",
			"is validated (422).",
		}},
		{title: "Handler", lines: []string{
			"Decodes, makes one call, encodes. Reads run on the pool of readers;",
			"a write takes its turn on the writer and checks the caller's rights",
			"again inside the transaction it writes in. A bulk request takes the",
			"rest of its rate cost, then runs each item through its single",
			"endpoint's handler in a savepoint of its own: an item fails alone.",
		}},
	}
	y := topLane + 40
	var serverTop []float64
	for i := range server {
		server[i].x, server[i].y, server[i].w = right+10, y, rightW-20
		server[i].fill, server[i].color = "#ffffff", serverFG
		serverTop = append(serverTop, y)
		y += server[i].height() + gap
	}
	store := box{x: right + 10, y: y, w: rightW - 20, title: "SQLite (write-ahead log, synchronous=FULL)", fill: storeBG, color: storeFG,
		lines: []string{"One writer connection, whose commits are batched; a pool of readers."}}
	height := int(y + store.height() + 30)

	c := newCanvas(width, height, "The request path: from the CLI through the provider's client to the reference server's handler")
	c.printf(`<rect x="%s" y="%s" width="%s" height="%s" rx="8" fill="%s"/>`+"\n", f(left), f(topLane), f(leftW), f(float64(height)-topLane-12), providerBG)
	c.printf(`<rect x="%s" y="%s" width="%s" height="%s" rx="8" fill="%s"/>`+"\n", f(right), f(topLane), f(rightW), f(float64(height)-topLane-12), serverBG)
	c.heading(left, 30, 16, ink, "The request path")
	c.heading(left+10, topLane+24, 14, providerFG, "terraform-provider-orgs: the provider's process")
	c.heading(right+10, topLane+24, 14, serverFG, "orgs-apiserver: outermost stage first")

	// The provider's column.
	px, pw := left+10, leftW-20
	cli := box{x: px, y: topLane + 40, w: pw, title: "Terraform or OpenTofu", fill: "#ffffff", color: ink,
		lines: []string{"Up to 10 resource operations at once: Read, Create, Update, Delete."}}
	c.box(cli)
	half := (pw - gap) / 2
	reads := box{x: px, y: cli.y + cli.height() + 34, w: half, title: "Reads: shared listings", fill: "#ffffff", color: providerFG,
		lines: []string{
			"A Read waits 25 ms for other",
			"reads of its organization and",
			"kind. Three or more share one",
			"listing, in pages of 1,000;",
			"fewer make a GET each. After",
			"the provider writes to the",
			"organization, older listings",
			"of it are not used.",
		}}
	writes := box{x: px + half + gap, y: reads.y, w: half, title: "Writes: coalesced", fill: "#ffffff", color: providerFG,
		lines: []string{
			"Writes of one kind and",
			"organization within 50 ms go",
			"as one bulk request (a lone",
			"one as itself); each gets its",
			"own item's outcome. Every",
			"POST and PATCH carries an",
			"Idempotency-Key, the same on",
			"each attempt: never twice.",
		}}
	// Both as tall as the taller.
	for len(writes.lines) < len(reads.lines) {
		writes.lines = append(writes.lines, "")
	}
	for len(reads.lines) < len(writes.lines) {
		reads.lines = append(reads.lines, "")
	}
	c.box(reads)
	c.box(writes)
	c.arrow(reads.x+half/2, cli.y+cli.height(), reads.x+half/2, reads.y, ink, false, false)
	c.arrow(writes.x+half/2, cli.y+cli.height(), writes.x+half/2, writes.y, ink, false, false)

	retries := box{x: px, y: reads.y + reads.height() + 34, w: pw, title: "Retries with backoff", fill: "#ffffff", color: providerFG,
		lines: []string{
			"429, 5xx (not 501) and dropped connections, up to max_retries; a",
			"POST or PATCH only with its key. Retry-After is honoured, else the",
			"wait grows exponentially, with jitter. When the retries run out, the",
			"user reads the server's last problem document, not a bare status.",
		}}
	c.box(retries)
	c.arrow(reads.x+half/2, reads.y+reads.height(), reads.x+half/2, retries.y, providerFG, false, false)
	c.arrow(writes.x+half/2, writes.y+writes.height(), writes.x+half/2, retries.y, providerFG, false, false)

	pacing := box{x: px, y: retries.y + retries.height() + 34, w: pw, title: "Pacing to the server's advertised limit", fill: "#ffffff", color: providerFG,
		lines: []string{
			"Every attempt, retries included, takes a token (a bulk request its",
			"cost, 1 + items/50) from one bucket the whole provider shares. It",
			"learns its size and rate from the server's RateLimit-Policy and what",
			"is left from RateLimit, on every answer (max_requests_per_second can",
			"set a lower ceiling): the provider waits for its turn instead of",
			"running into 429s.",
		}}
	c.box(pacing)
	c.arrow(px+pw/2, retries.y+retries.height(), px+pw/2, pacing.y, providerFG, false, false)

	// The server's column.
	for i, b := range server {
		c.box(b)
		next := store.y
		if i+1 < len(server) {
			next = server[i+1].y
		}
		c.arrow(b.x+b.w/2, b.y+b.height(), b.x+b.w/2, next, serverFG, false, false)
	}
	c.box(store)

	// The request crosses from pacing to the first stage; the answer comes back beside it.
	reqX, ansX := left+leftW+38, left+leftW+82
	reqY := pacing.y + 30
	ansY := pacing.y + pacing.height() - 22
	top := serverTop[0]
	c.printf(`<polyline points="%s,%s %s,%s %s,%s %s,%s" fill="none" stroke="%s" stroke-width="1.8" marker-end="url(#head-%s)"/>`+"\n",
		f(px+pw), f(reqY), f(reqX), f(reqY), f(reqX), f(top+22), f(right+10), f(top+22), ink, ink[1:])
	c.printf(`<polyline points="%s,%s %s,%s %s,%s %s,%s" fill="none" stroke="%s" stroke-width="1.8" stroke-dasharray="6 4" marker-end="url(#head-%s)"/>`+"\n",
		f(right+10), f(top+44), f(ansX), f(top+44), f(ansX), f(ansY), f(px+pw), f(ansY), ink, ink[1:])
	mid := (top + 44 + ansY) / 2
	c.printf(`<text transform="translate(%s %s) rotate(-90)" font-size="%s" text-anchor="middle">%s</text>`+"\n",
		f(reqX-6), f(mid), f(smallSize), esc("request: Authorization, Idempotency-Key"))
	c.printf(`<text transform="translate(%s %s) rotate(-90)" font-size="%s" text-anchor="middle">%s</text>`+"\n",
		f(ansX-6), f(mid), f(smallSize), esc("answer: RateLimit-Policy, RateLimit, Retry-After"))

	// What the picture does not show by itself.
	notes := box{x: px, y: pacing.y + pacing.height() + 40, w: pw, title: "Reading it", fill: "#ffffff", color: muted, dashed: true,
		lines: []string{
			"Solid: the request, down the stages; dashed: the answer, back up",
			"through the same stages. The write stage sends a write's answer",
			"only after its batch is committed: see group commit.",
		}}
	if notes.y+notes.height() > float64(height)-20 {
		return nil, fmt.Errorf("the provider's column is taller than the server's: %v > %d", notes.y+notes.height(), height-20)
	}
	c.box(notes)
	return c.svg()
}

// groupCommit: a timeline. The writer connection's row shows one batch: BEGIN, the requests'
// savepoints one after another, COMMIT with its one fsync; each request's row shows it waiting for its
// turn, running in its savepoint, waiting for the commit and answering. A request refused inside the
// batch answers at once; one that arrives during the commit waits for the next batch.
func groupCommit() ([]byte, error) {
	const (
		width  = 1100
		labelW = 200.0 // the rows' names
		x0     = 230.0 // where time starts
		rowH   = 62.0
	)
	// Time marks (x) of the batch.
	const (
		tBegin   = 240.0
		tA       = 292.0 // A's savepoint starts
		tB       = 462.0
		tC       = 622.0
		tCEnd    = 782.0
		tCommit  = 792.0
		tDone    = 912.0 // the fsync has returned
		tNext    = 942.0 // the next batch begins
		tNextEnd = 1070.0
	)
	rows := []string{"writer connection", "request A: POST label", "request B: POST member", "request C: PATCH organization", "request D: DELETE token"}
	rowY := func(i int) float64 { return 110 + float64(i)*rowH }
	legendY := rowY(len(rows)-1) + 52
	notes := box{x: 20, y: legendY + 26, w: width - 40, title: "What this keeps", fill: "#ffffff", color: muted, dashed: true,
		lines: []string{
			"Each request has the writer to itself during its turn, so it sees the work of the requests before it in the batch exactly as if it were committed.",
			"A request that is refused rolls back only its own savepoint: the rest of the batch goes on, and its refusal leaves at once, as nothing of it was written.",
			"If the commit fails, every request of the batch is answered 500: none of them was acknowledged, so an acknowledged write is always on disk.",
			"After the commit and before any answer, the authentication cache is cleared when the batch changed credentials or memberships.",
		}}
	height := int(notes.y + notes.height() + 16)

	c := newCanvas(width, height, "Group commit: the writes of several requests in one SQLite transaction, one fsync, answers after the commit")
	c.heading(20, 30, 16, ink, "Group commit")
	c.label(20, 50, "start", muted, 0,
		"Time runs to the right. Each request's work is a savepoint of the batch's one transaction; the batch is committed with one fsync;",
		"no answer to a write leaves before the commit.")
	for i, name := range rows {
		y := rowY(i)
		color := serverFG
		if i == 0 {
			color = storeFG
		}
		c.label(20, y+4, "start", color, labelW, name)
		c.line(x0, y, width-20, y, "#dddddd", 1, "")
	}
	// The moment the commit returns, across every row: the answers of the batch leave from here.
	c.line(tDone, rowY(0)+15, tDone, rowY(len(rows)-1)-20, storeFG, 1, "3 3")

	// The writer connection: one transaction.
	wy := rowY(0)
	c.label(tBegin, wy-24, "start", muted, 0, "one SQLite transaction: the turns already waiting when it begins, then those that come while it runs, up to 128")
	c.rect(tBegin, wy-15, tCommit-tBegin, 30, storeBG, storeFG)
	c.inRect(tBegin, wy-15, tA-tBegin, 30, storeFG, "BEGIN")
	for _, sp := range []struct {
		from, to float64
		name     string
		color    string
	}{{tA, tB - 10, "SAVEPOINT A … RELEASE", storeFG}, {tB, tC - 10, "SAVEPOINT B … ROLLBACK", refusedFG}, {tC, tCEnd, "SAVEPOINT C … RELEASE", storeFG}} {
		c.rect(sp.from, wy-11, sp.to-sp.from, 22, "#ffffff", sp.color)
		c.inRect(sp.from, wy-11, sp.to-sp.from, 22, sp.color, sp.name)
	}
	c.rect(tCommit, wy-15, tDone-tCommit, 30, storeFG, storeFG)
	c.inRect(tCommit, wy-15, tDone-tCommit, 30, "#ffffff", "COMMIT: one fsync")
	c.rect(tNext, wy-15, tNextEnd-tNext, 30, storeBG, storeFG)
	c.inRect(tNext, wy-15, tNextEnd-tNext, 30, storeFG, "next batch: D …")

	// A request's row: arrives (dot), waits for its turn (dotted), runs in its savepoint (thick), waits
	// for the commit (dotted), answers (an arrow up).
	request := func(i int, arrive, from, to, answer float64, answerText string, refused bool) {
		y := rowY(i)
		color := serverFG
		if refused {
			color = refusedFG
		}
		dot(c, arrive, y, serverFG)
		c.line(arrive, y, from, y, serverFG, 1.5, "2 4")
		c.line(from, y, to, y, color, 7, "")
		c.line(to, y, answer, y, serverFG, 1.5, "2 4")
		c.arrow(answer, y, answer, y-26, color, false, false)
		c.label(answer+6, y-16, "start", color, 0, answerText)
	}
	request(1, 250, tA, tB-10, tDone, "201 sent", false)
	request(2, 262, tB, tC-10, tC-10, "409 (plan limit) sent at once", true)
	request(3, 300, tC, tCEnd, tDone, "200 sent", false)
	// D arrives while the batch commits: its turn is the next batch's.
	dy := rowY(4)
	dot(c, 840, dy, serverFG)
	c.line(840, dy, tNext+8, dy, serverFG, 1.5, "2 4")
	c.line(tNext+8, dy, tNextEnd-10, dy, serverFG, 7, "")
	c.label(700, dy+20, "start", muted, 0, "arrives during the commit: its turn is in the next batch")
	c.label(tDone-6, rowY(3)+24, "end", storeFG, 0, "the commit has returned")

	// What the marks of a request's row mean.
	c.line(x0, legendY, x0+30, legendY, serverFG, 1.5, "2 4")
	c.label(x0+36, legendY+4, "start", ink, 0, "waiting: for its turn on the writer, then for the commit")
	c.line(x0+360, legendY, x0+390, legendY, serverFG, 7, "")
	c.label(x0+396, legendY+4, "start", ink, 0, "its turn: reads, rights checked again, writes, idempotency record")
	c.box(notes)
	return c.svg()
}
