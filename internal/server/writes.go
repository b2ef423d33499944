package server

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"net/http"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
	"github.com/orgs-dev/terraform-provider-orgs/internal/server/store"
)

// writeState is the write transaction of one HTTP request: its turn at the writer, a savepoint in a
// batch of the committer (see store.Committer). The handler does its work in it; the write stage
// (writes) releases it only after the response has been produced, together with the idempotency
// record, and lets the response out only once the batch is committed: an acknowledged write is
// durable, and a replayed key finds its response exactly when its work is committed.
type writeState struct {
	turn        *store.WriteTurn
	afterCommit []func()
	idem        *idempotencyKey // the request's Idempotency-Key, nil without one
	replayed    bool            // the response is a stored one (or the refusal to replay): nothing to commit
}

type writeStateKey struct{}

// write runs fn in the request's write transaction, beginning it if needed. Outside a request
// (Bootstrap) it commits at once.
func (s *Server) write(ctx context.Context, fn func(tx *sql.Tx) error) error {
	return s.writeChecked(ctx, true, fn)
}

// writeChecked is write; checkCredential false leaves reading the credential again to fn, for writeOrg,
// which reads it through the transaction itself (once is enough).
func (s *Server) writeChecked(ctx context.Context, checkCredential bool, fn func(tx *sql.Tx) error) error {
	st, _ := ctx.Value(writeStateKey{}).(*writeState)
	if st != nil && st.turn != nil {
		return fn(st.turn.Tx)
	}
	// The transaction must not die with the client's connection half-way: the work either happens
	// whole or not at all, whether or not anyone is still listening. (The write stage runs the
	// handler without cancellation too: an interrupted statement would end the whole batch.)
	ctx = context.WithoutCancel(ctx)
	turn, err := s.committer.Begin(ctx)
	if err != nil {
		return err
	}
	// Set before fn runs, so that a nested write joins this transaction instead of waiting forever for
	// the writer this turn holds.
	if st != nil {
		st.turn = turn
	}
	fail := func(err error) error {
		turn.Rollback(ctx)
		if st != nil {
			st.turn = nil
		}
		return err
	}
	// The credential is read again through the transaction: one revoked (or whose creator left) while
	// this request waited for the writer must not write.
	if p := principalFrom(ctx); checkCredential && p.kind != anonymous {
		if _, err := s.lookupCredential(ctx, turn.Tx, p.hash); err != nil {
			return fail(err)
		}
	}
	if err := fn(turn.Tx); err != nil {
		return fail(err)
	}
	if st != nil {
		return nil
	}
	return turn.Commit(ctx)
}

// afterCommit runs f once the request's writes are committed (at once outside a request). Side
// effects that must not happen for a rolled-back write, like sending an invitation, go here.
func afterCommit(ctx context.Context, f func()) {
	if st, _ := ctx.Value(writeStateKey{}).(*writeState); st != nil {
		st.afterCommit = append(st.afterCommit, f)
		return
	}
	f()
}

// writes is the write stage. Every POST, PATCH and DELETE runs with a writeState whose transaction is
// committed here, after the handler produced its response and before the response leaves. A POST with
// an Idempotency-Key is run once per (principal, key): the response is stored in the same transaction
// as the work, and later requests with the key get it back (Idempotent-Replayed: true), a 409 while the
// first still runs, or a 422 when their body differs. The stored response is looked up only once the
// request passed the operation's authorization (replayIfStored, from checkAccess): a replay is
// authorized exactly like the request would be now, so a caller who lost access, or an organization
// that is gone, gets the refusal and not the stored response (which may hold a new token's secret).
func (s *Server) writes(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodPost, http.MethodPatch, http.MethodPut, http.MethodDelete:
		default:
			next.ServeHTTP(w, r)
			return
		}
		var idem *idempotencyKey
		if key, ok := r.Header[http.CanonicalHeaderKey(api.HeaderIdempotencyKey)]; ok && r.Method == http.MethodPost {
			k := ""
			if len(key) > 0 {
				k = key[0]
			}
			if k == "" || len(k) > maxIdempotencyKeyLength {
				writeProblem(w, invalidHeader(api.HeaderIdempotencyKey, fmt.Sprintf("must be 1 to %d characters", maxIdempotencyKeyLength)))
				return
			}
			idem = newIdempotencyKey(s.idemSecret, idempotencyPrincipal(r), k, r, requestBody(r))
			if !s.inflight.claim(idem.lookup) {
				w.Header().Set(api.HeaderRetryAfter, "1")
				writeProblem(w, newProblem(http.StatusConflict, api.ProblemIdempotencyBusy,
					"a request with this Idempotency-Key is still being processed; retry later"))
				return
			}
			defer s.inflight.release(idem.lookup)
		}

		st := &writeState{idem: idem}
		rec := &responseRecorder{header: http.Header{}, status: http.StatusOK}
		// Not cancelled with the client's connection: a statement interrupted half-way would end the
		// transaction of the whole batch this request's savepoint is in.
		ctx := context.WithoutCancel(r.Context())
		func() {
			// A panic must not leave the writer held inside an open savepoint.
			defer func() {
				if v := recover(); v != nil {
					if st.turn != nil {
						st.turn.Rollback(ctx)
					}
					panic(v)
				}
			}()
			next.ServeHTTP(rec, r.WithContext(context.WithValue(ctx, writeStateKey{}, st)))
		}()
		if st.replayed {
			rec.writeTo(w)
			return
		}
		idem = st.idem // the operation may have declined the key (sign-up)
		success := rec.status >= 200 && rec.status < 300
		if success && idem != nil && st.turn == nil {
			turn, err := s.committer.Begin(ctx)
			if err != nil {
				s.internalError(w, "begin transaction", err)
				return
			}
			st.turn = turn
		}
		if st.turn != nil {
			if !success {
				st.turn.Rollback(ctx)
			} else {
				if idem != nil {
					if err := s.storeIdempotent(ctx, st.turn.Tx, idem, rec); err != nil {
						st.turn.Rollback(ctx)
						s.internalError(w, "store idempotency record", err)
						return
					}
				}
				if err := st.turn.Commit(ctx); err != nil {
					s.internalError(w, "commit", err)
					return
				}
				for _, f := range st.afterCommit {
					f()
				}
			}
		}
		if success && s.faults.commitThen503() {
			writeProblem(w, newProblem(http.StatusServiceUnavailable, api.ProblemUnavailable, "injected fault: the request was carried out but its response was lost"))
			return
		}
		rec.writeTo(w)
	})
}

// responseRecorder holds a response until the write stage decides its fate.
type responseRecorder struct {
	header      http.Header
	status      int
	wroteHeader bool
	body        bytes.Buffer
}

func (r *responseRecorder) Header() http.Header { return r.header }

func (r *responseRecorder) WriteHeader(status int) {
	if r.wroteHeader {
		return
	}
	r.wroteHeader = true
	r.status = status
}

func (r *responseRecorder) Write(b []byte) (int, error) {
	r.WriteHeader(http.StatusOK)
	return r.body.Write(b)
}

func (r *responseRecorder) writeTo(w http.ResponseWriter) {
	for k, v := range r.header {
		w.Header()[k] = v
	}
	w.WriteHeader(r.status)
	w.Write(r.body.Bytes())
}
