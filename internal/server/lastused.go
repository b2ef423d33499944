package server

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
	"time"

	"github.com/orgs-dev/terraform-provider-orgs/internal/server/store"
)

// lastUsedInterval is how often, at most, a credential's last_used_at is written.
const lastUsedInterval = time.Minute

// lastUsed records when credentials are used (last_used_at of API and personal tokens) without a write
// on the read path: authentication only notes the use in memory, and only when the credential's last
// recorded use is lastUsedInterval old or older; a background writer then writes the noted uses, many
// in one transaction through the committer. A request pays a map lookup; a credential costs one small
// write a minute however much it is used.
//
// The column is a hint for people (how stale is this token?), never an input to authorization, so a
// use noted in the moments before a crash may be lost, and after a restart the first use of each
// credential is written again.
type lastUsed struct {
	// recorded maps a credential hash to the time of its last noted use. Read without a lock on every
	// request; entries older than lastUsedInterval are dropped by the writer, so it holds only the
	// credentials used in about the last minute.
	recorded sync.Map
	mu       sync.Mutex
	pending  map[string]noted // credential hash -> use to write, under mu
	wake     chan struct{}
	stop     chan struct{}
	done     chan struct{}
	running  bool // the background writer was started (API servers only; Admin has no requests)
	// flushing serializes writes: Flush returns only when every use noted before it is written, even
	// one the background writer had already taken.
	flushing sync.Mutex
}

type noted struct {
	table string // api_tokens or personal_tokens
	at    time.Time
}

func newLastUsed() *lastUsed {
	return &lastUsed{pending: map[string]noted{}, wake: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
}

// note records that the credential p authenticated a request at now. It is cheap when the credential
// was recorded less than lastUsedInterval ago, which is nearly always.
func (l *lastUsed) note(p principal, now time.Time) {
	if last, ok := l.recordedAt(p.hash); ok && now.Sub(last) < lastUsedInterval {
		return
	}
	table := "personal_tokens"
	if p.kind == tokenPrincipal {
		table = "api_tokens"
	}
	l.mu.Lock()
	if last, ok := l.recordedAt(p.hash); ok && now.Sub(last) < lastUsedInterval {
		l.mu.Unlock() // a concurrent request of the same credential noted it first
		return
	}
	l.recorded.Store(p.hash, now)
	l.pending[p.hash] = noted{table: table, at: now}
	l.mu.Unlock()
	select {
	case l.wake <- struct{}{}:
	default: // the writer is already woken
	}
}

func (l *lastUsed) recordedAt(hash string) (time.Time, bool) {
	v, ok := l.recorded.Load(hash)
	if !ok {
		return time.Time{}, false
	}
	t, ok := v.(time.Time)
	return t, ok
}

// start runs the background writer, which writes noted uses as they come, until close.
func (l *lastUsed) start(s *Server) {
	l.running = true
	go l.run(s)
}

func (l *lastUsed) run(s *Server) {
	defer close(l.done)
	for {
		select {
		case <-l.wake:
			if err := l.flush(context.Background(), s); err != nil {
				s.log.Warn("record token use", "error", err)
			}
		case <-l.stop:
			return
		}
	}
}

// close stops the background writer and writes what is still pending. Call it before the committer
// closes.
func (l *lastUsed) close(s *Server) error {
	if !l.running {
		return nil
	}
	close(l.stop)
	<-l.done
	return l.flush(context.Background(), s)
}

// flush writes every noted use and forgets the uses older than lastUsedInterval.
func (l *lastUsed) flush(ctx context.Context, s *Server) error {
	l.flushing.Lock()
	defer l.flushing.Unlock()
	l.mu.Lock()
	batch := l.pending
	l.pending = map[string]noted{}
	l.mu.Unlock()
	now := s.now()
	l.recorded.Range(func(hash, at any) bool {
		if t, ok := at.(time.Time); ok && now.Sub(t) >= lastUsedInterval {
			l.recorded.CompareAndDelete(hash, at)
		}
		return true
	})
	if len(batch) == 0 {
		return nil
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		for hash, use := range batch {
			at := store.FormatTime(use.at)
			// A credential revoked since matches no row; an older time never replaces a newer one.
			if _, err := tx.ExecContext(ctx, `UPDATE `+use.table+` SET last_used_at = ? WHERE hash = ? AND (last_used_at IS NULL OR last_used_at < ?)`,
				at, hash, at); err != nil {
				return fmt.Errorf("record use in %s: %w", use.table, err)
			}
		}
		return nil
	})
}

// FlushLastUsed writes every credential use the server has noted so far (last_used_at of API and
// personal tokens), which it otherwise does in the background, a moment after the use. Tests call it
// before they read last_used_at.
func (s *Server) FlushLastUsed(ctx context.Context) error {
	return s.lastUsed.flush(ctx, s)
}
