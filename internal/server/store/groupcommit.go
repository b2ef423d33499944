package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"sync"
)

// Group commit. SQLite has one writer, and with synchronous=FULL every commit waits for an fsync: one
// transaction per request caps durable writes at one per fsync. The committer instead runs the write
// transactions of several requests one after another inside one SQLite transaction, each as a
// savepoint, and commits them with one fsync.
//
// What a request sees is unchanged. Its turn (from its first write to the end of the write stage) has
// the writer connection to itself, so everything it reads and writes, the authorization checks
// of the server included, happens in one savepoint, serialized with every other write exactly as before:
// a request that comes later in a batch sees the work of those before it, as it would have seen it
// committed. A request that fails rolls back its own savepoint only. No request's response leaves
// before the batch that holds its work is committed: a batch whose commit fails fails every request in
// it (nothing in it was acknowledged), so an acknowledged write is always on disk.

// MaxBatch bounds the requests committed together, and so the wait of the first one.
const MaxBatch = 128

// ErrCommitterClosed answers a write that arrives while the committer stops.
var ErrCommitterClosed = errors.New("the server is shutting down")

// errBatchBroken answers the requests of a batch whose transaction SQLite ended early (it rolls a
// transaction back by itself after some errors): none of their work is kept.
var errBatchBroken = errors.New("the write batch was rolled back")

// Committer runs every write transaction of the database, committing concurrent ones together.
type Committer struct {
	db  *sql.DB
	log *slog.Logger
	// afterBatch, when not nil, runs after each batch is committed or rolled back and before any of
	// its requests is answered.
	afterBatch func()
	turns      chan *turn
	stop       chan struct{}
	done       chan struct{}
	once       sync.Once
}

// turn is one request's use of the writer: granted is sent the batch's transaction (or why there is
// none), released is sent whether the savepoint was left cleanly, and committed the batch's outcome.
type turn struct {
	granted   chan grant
	released  chan bool
	committed chan error
}

type grant struct {
	tx  *sql.Tx
	err error
}

// NewCommitter starts the committer of db's writer. afterBatch, when not nil, runs after each batch is
// committed or rolled back and before any of its requests is answered.
func NewCommitter(db *sql.DB, log *slog.Logger, afterBatch func()) *Committer {
	c := idleCommitter(db, log)
	c.afterBatch = afterBatch
	go c.run()
	return c
}

// idleCommitter is a committer whose run has not started. The queue holds a batch's worth of turns.
func idleCommitter(db *sql.DB, log *slog.Logger) *Committer {
	return &Committer{db: db, log: log, turns: make(chan *turn, MaxBatch), stop: make(chan struct{}), done: make(chan struct{})}
}

// Close stops the committer once the turns in progress are committed. Call it when no request runs.
func (c *Committer) Close() {
	c.once.Do(func() { close(c.stop) })
	<-c.done
}

func (c *Committer) run() {
	defer close(c.done)
	for {
		var first *turn
		select {
		case first = <-c.turns:
		case <-c.stop:
			return
		}
		c.batch(first)
	}
}

// batch runs first and every turn that is already waiting (up to MaxBatch) in one transaction, then
// commits it and tells each turn the outcome.
func (c *Committer) batch(first *turn) {
	tx, err := c.db.BeginTx(context.Background(), nil)
	if err != nil {
		first.granted <- grant{err: fmt.Errorf("begin transaction: %w", err)}
		return
	}
	var batch []*turn
	intact := true
	give := func(t *turn) {
		t.granted <- grant{tx: tx}
		batch = append(batch, t)
		if !<-t.released {
			intact = false
		}
	}
	give(first)
fill:
	for intact && len(batch) < MaxBatch {
		select {
		case t := <-c.turns:
			give(t)
		default:
			break fill
		}
	}
	if intact {
		err = tx.Commit()
		if err != nil {
			err = fmt.Errorf("commit: %w", err)
		}
	} else {
		tx.Rollback()
		err = errBatchBroken
	}
	// At debug level only: the durability test reads it to know that batches of several requests were
	// committed (and so survived, or not, together) when it killed the server.
	c.log.Debug("write batch", "requests", len(batch), "committed", err == nil)
	if c.afterBatch != nil {
		c.afterBatch()
	}
	for _, t := range batch {
		t.committed <- err
	}
}

// WriteTurn is a request's turn while it holds it: its savepoint in the batch's transaction.
type WriteTurn struct {
	Tx *sql.Tx
	t  *turn
}

// Begin waits for the writer and opens the request's savepoint. ctx only bounds the statement; the
// turn is not given up when ctx ends, as the work must happen whole or not at all.
func (c *Committer) Begin(ctx context.Context) (*WriteTurn, error) {
	t := &turn{granted: make(chan grant, 1), released: make(chan bool, 1), committed: make(chan error, 1)}
	select {
	case c.turns <- t:
	case <-c.stop:
		return nil, ErrCommitterClosed
	}
	var g grant
	select {
	case g = <-t.granted:
	case <-c.done:
		// Stopped with this turn still queued. (A granted turn cannot meet a stopped committer: the
		// committer stops only between batches, and a batch ends when all its turns are released.)
		return nil, ErrCommitterClosed
	}
	if g.err != nil {
		return nil, g.err
	}
	if _, err := g.tx.ExecContext(context.WithoutCancel(ctx), `SAVEPOINT request`); err != nil {
		t.released <- false
		return nil, fmt.Errorf("begin savepoint: %w", err)
	}
	return &WriteTurn{Tx: g.tx, t: t}, nil
}

// Commit releases the savepoint, gives the writer back and waits until the batch is committed: only
// then is the request's work durable.
func (w *WriteTurn) Commit(ctx context.Context) error {
	if _, err := w.Tx.ExecContext(context.WithoutCancel(ctx), `RELEASE request`); err != nil {
		w.t.released <- false
		return errors.Join(fmt.Errorf("release savepoint: %w", err), <-w.t.committed)
	}
	w.t.released <- true
	return <-w.t.committed
}

// Rollback undoes the request's work and gives the writer back; the rest of the batch goes on.
func (w *WriteTurn) Rollback(ctx context.Context) {
	ctx = context.WithoutCancel(ctx)
	_, err := w.Tx.ExecContext(ctx, `ROLLBACK TO request`)
	if err == nil {
		_, err = w.Tx.ExecContext(ctx, `RELEASE request`)
	}
	w.t.released <- err == nil
}
