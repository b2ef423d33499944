package server

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path"
	"runtime/debug"
	"strings"
	"unicode/utf8"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
)

// recoverPanics turns a panic into a 500 problem (logged with its stack) so that no input can take the
// server down or leave a client without an answer.
func (s *Server) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if err, ok := v.(error); ok && errors.Is(err, http.ErrAbortHandler) {
					panic(v)
				}
				s.log.Error("panic serving request", "method", r.Method, "path", r.URL.Path, "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
				writeProblem(w, newProblem(http.StatusInternalServerError, api.ProblemInternal, "internal error; the server logged the details"))
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// dateFromClock sets every response's Date from the server's clock (net/http would use the machine's):
// clients compare times the server returns (expires_at) with the server's now, so the Date they see must
// be that now, with an injected clock in tests as in production.
func (s *Server) dateFromClock(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Date", s.now().UTC().Format(http.TimeFormat))
		next.ServeHTTP(w, r)
	})
}

// limitBody reads the whole body (at most api.MaxBodyBytes) before anything else looks at it, so an
// oversized body is a 413 wherever it is sent, and the idempotency stage can hash the exact bytes.
func (s *Server) limitBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body == nil || r.Body == http.NoBody {
			next.ServeHTTP(w, r)
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, api.MaxBodyBytes))
		if err != nil {
			var tooLarge *http.MaxBytesError
			if errors.As(err, &tooLarge) {
				writeProblem(w, newProblem(http.StatusRequestEntityTooLarge, api.ProblemTooLarge, "the request body is larger than %d bytes", api.MaxBodyBytes))
				return
			}
			writeProblem(w, newProblem(http.StatusBadRequest, api.ProblemMalformed, "the request body could not be read: %v", err))
			return
		}
		// encoding/json would read invalid UTF-8 as U+FFFD and the server would store a name nobody sent.
		if !utf8.Valid(body) {
			writeProblem(w, newProblem(http.StatusBadRequest, api.ProblemMalformed, "the request body is not valid UTF-8 (the first bad byte is at offset %d)", firstInvalidUTF8(body)))
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		r = r.WithContext(context.WithValue(r.Context(), bodyKey{}, body))
		next.ServeHTTP(w, r)
	})
}

func firstInvalidUTF8(b []byte) int {
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size == 1 {
			return i
		}
		i += size
	}
	return len(b)
}

// cleanPath is the canonical form of p, as the mux computes it: path.Clean, keeping a trailing slash.
func cleanPath(p string) string {
	np := path.Clean(p)
	if strings.HasSuffix(p, "/") && np != "/" {
		np += "/"
	}
	return np
}

type bodyKey struct{}

func requestBody(r *http.Request) []byte {
	b, _ := r.Context().Value(bodyKey{}).([]byte)
	return b
}

// problemsForUnrouted gives requests no route matches (404, 405) a problem document instead of the
// mux's plain-text answer.
func problemsForUnrouted(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The mux would redirect a path with '.', '..' or empty segments to its cleaned form. Paths name
		// objects exactly as sent; such a path is a malformed request, not a move.
		if p := r.URL.Path; p != "" && cleanPath(p) != p {
			writeProblem(w, newProblem(http.StatusBadRequest, api.ProblemMalformed,
				"the path %q is not in canonical form (it has '.', '..' or empty segments); send the path itself", r.URL.EscapedPath()))
			return
		}
		h, pattern := mux.Handler(r)
		if pattern != "" {
			mux.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		if rec.Code < 400 {
			for k, v := range rec.Header() {
				w.Header()[k] = v
			}
			w.WriteHeader(rec.Code)
			w.Write(rec.Body.Bytes())
			return
		}
		if allow := rec.Header().Get("Allow"); allow != "" {
			w.Header().Set("Allow", allow)
		}
		detail := fmt.Sprintf("no such route: %s %s", r.Method, r.URL.Path)
		if rec.Code == http.StatusMethodNotAllowed {
			detail = fmt.Sprintf("method %s is not allowed on %s", r.Method, r.URL.Path)
		}
		writeProblem(w, newProblem(rec.Code, problemTypeFor(rec.Code), "%s", detail))
	})
}
