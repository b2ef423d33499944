package server

import (
	"bytes"
	"log/slog"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// A credential's use is noted for writing when its last noted use is lastUsedInterval old or older,
// not before; an organization token's goes to api_tokens, a personal token's to personal_tokens.
func TestLastUsedNotedOncePerInterval(t *testing.T) {
	t.Parallel()
	l := newLastUsed()
	t0 := time.Unix(1000, 0)
	token := principal{kind: tokenPrincipal, hash: "token-hash"}
	l.note(token, t0)
	if got := l.pending[token.hash]; got.table != "api_tokens" || !got.at.Equal(t0) {
		t.Fatalf("first use noted as %+v, want api_tokens at %v", got, t0)
	}
	l.pending = map[string]noted{}
	l.note(token, t0.Add(lastUsedInterval-time.Nanosecond))
	if len(l.pending) != 0 {
		t.Fatalf("a use within the interval was noted again: %+v", l.pending)
	}
	l.note(token, t0.Add(lastUsedInterval))
	if got := l.pending[token.hash]; !got.at.Equal(t0.Add(lastUsedInterval)) {
		t.Fatalf("the use one interval later was not noted: %+v", l.pending)
	}
	personal := principal{kind: userPrincipal, hash: "personal-hash"}
	l.note(personal, t0)
	if got := l.pending[personal.hash]; got.table != "personal_tokens" {
		t.Fatalf("a personal token's use noted as %+v, want personal_tokens", got)
	}
}

// A flush forgets the uses noted lastUsedInterval ago or longer (the next use of those credentials is
// noted again anyway), and keeps the more recent ones, so the map holds about a minute of credentials.
func TestLastUsedFlushForgetsOldUses(t *testing.T) {
	t.Parallel()
	t0 := time.Unix(1000, 0)
	// The server's background writer flushes too, as soon as a use is noted: the clock is read by both.
	var clock atomic.Int64
	clock.Store(t0.UnixNano())
	s, err := New(Config{DBPath: filepath.Join(t.TempDir(), "orgs.db"), Now: func() time.Time { return time.Unix(0, clock.Load()) }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	s.lastUsed.note(principal{kind: tokenPrincipal, hash: "old"}, t0)
	s.lastUsed.note(principal{kind: tokenPrincipal, hash: "recent"}, t0.Add(time.Nanosecond))
	clock.Store(t0.Add(lastUsedInterval).UnixNano())
	if err := s.lastUsed.flush(t.Context(), s); err != nil {
		t.Fatal(err)
	}
	if _, ok := s.lastUsed.recordedAt("old"); ok {
		t.Error("a use one interval old is still held after a flush")
	}
	if _, ok := s.lastUsed.recordedAt("recent"); !ok {
		t.Error("a use less than an interval old was forgotten")
	}
}

// The background writer warns only when a write fails: writes that succeed log nothing.
func TestLastUsedWriterLogsNothingWhenWritesSucceed(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer // written by the writer's goroutine, read once Close has waited for it
	s, err := New(Config{DBPath: filepath.Join(t.TempDir(), "orgs.db"), Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	s.lastUsed.note(principal{kind: tokenPrincipal, hash: "h"}, time.Now())
	for taken := false; !taken; time.Sleep(time.Millisecond) {
		s.lastUsed.mu.Lock()
		taken = len(s.lastUsed.pending) == 0
		s.lastUsed.mu.Unlock()
	}
	// The writer took the use; Close waits for it to finish that write and stop.
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(logs.String(), "record token use") {
		t.Errorf("a successful write of last use was logged:\n%s", logs.String())
	}
}
