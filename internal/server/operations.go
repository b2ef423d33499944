package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/danielgtaylor/huma/v2"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
)

// Inputs and outputs shared by the operations. Path parameters carry maxLength so that absurd ids are
// refused before they reach a query.

type OrgPath struct {
	OrgID string `path:"org_id" maxLength:"64" doc:"The organization id."`
}

// idempotencyHeader documents the header; the write stage acts on it before huma sees the request.
type IdempotencyHeader struct {
	IdempotencyKey string `header:"Idempotency-Key" maxLength:"255" doc:"Makes the create safe to retry: the first request with a key is carried out, later ones with the same key and body get its response back (with Idempotent-Replayed: true). Keys are kept for 24 hours."`
}

type IfMatchHeader struct {
	IfMatch string `header:"If-Match" doc:"An ETag from a previous read; the update is refused with 412 if the object changed since."`
}

// objectOutput is a single object with its entity tag.
type objectOutput[T any] struct {
	ETag string `header:"ETag" doc:"The object's entity tag, for If-Match."`
	Body T
}

func newObjectOutput[T any](v T) *objectOutput[T] {
	return &objectOutput[T]{ETag: etagPending, Body: v}
}

type pageOutput[T any] struct {
	Body api.Page[T]
}

// futureTime checks an expiry: it must be after now.
func futureTime(field string, t *time.Time, now time.Time) error {
	if t != nil && !t.After(now) {
		return invalidField(field, fmt.Errorf("%s is not in the future", t.UTC().Format(time.RFC3339)))
	}
	return nil
}

// asProblem keeps problems as they are and hides anything else behind a logged 500.
func (s *Server) asProblem(ctx context.Context, what string, err error) error {
	if err == nil {
		return nil
	}
	var p *problem
	if errors.As(err, &p) {
		return p
	}
	s.log.ErrorContext(ctx, what, "error", err)
	return newProblem(http.StatusInternalServerError, api.ProblemInternal, "internal error; the server logged the details")
}

// register adds an operation whose unexpected errors are logged and answered as a plain 500.
func register[I, O any](a huma.API, s *Server, op huma.Operation, h func(context.Context, *I) (*O, error)) {
	huma.Register(a, op, func(ctx context.Context, in *I) (*O, error) {
		if body := reflect.ValueOf(in).Elem().FieldByName("Body"); body.IsValid() {
			if err := checkControlCharacters(body, ""); err != nil {
				return nil, err
			}
		}
		out, err := h(ctx, in)
		if err != nil {
			return nil, s.asProblem(ctx, op.OperationID, err)
		}
		return out, nil
	})
}

// checkControlCharacters refuses control characters (other than tab and line breaks) in any string of a
// request body. No field has a use for them, and a NUL byte in particular means different things to
// different layers (SQLite's length() stops at it).
func checkControlCharacters(v reflect.Value, path string) error {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			return checkControlCharacters(v.Elem(), path)
		}
	case reflect.String:
		if i := strings.IndexFunc(v.String(), isForbiddenControl); i >= 0 {
			field := strings.TrimPrefix(path, ".")
			if field == "" {
				field = "body"
			}
			r := []rune(v.String()[i:])[0]
			if r == utf8.RuneError {
				return invalidField(field, fmt.Errorf("is not valid Unicode at byte %d (U+FFFD, which a lone surrogate escape such as \\ud800 decodes to)", i))
			}
			return invalidField(field, fmt.Errorf("contains the control character %U at byte %d", r, i))
		}
	case reflect.Struct:
		t := v.Type()
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "-" {
				continue
			}
			if name == "" {
				name = f.Name
			}
			if err := checkControlCharacters(v.Field(i), path+"."+name); err != nil {
				return err
			}
		}
	case reflect.Slice, reflect.Array:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return nil
		}
		for i := range v.Len() {
			if err := checkControlCharacters(v.Index(i), fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
	case reflect.Map:
		iter := v.MapRange()
		for iter.Next() {
			key := fmt.Sprint(iter.Key().Interface())
			if err := checkControlCharacters(iter.Key(), path+"."+"(key)"); err != nil {
				return err
			}
			if err := checkControlCharacters(iter.Value(), path+"."+key); err != nil {
				return err
			}
		}
	}
	return nil
}

// isForbiddenControl: control characters other than tab and line breaks, and U+FFFD, which is what
// encoding/json makes of an escaped lone surrogate ("\ud800"): text that was not valid Unicode.
func isForbiddenControl(r rune) bool {
	return (r < 0x20 && r != '\t' && r != '\n' && r != '\r') || r == 0x7f || r == utf8.RuneError
}

// operation builds a huma operation with its policy and documentation.
func operation(method, path, id, summary string, status int, pol policy, tags ...string) huma.Operation {
	op := huma.Operation{
		OperationID:   id,
		Method:        method,
		Path:          path,
		Summary:       summary,
		Tags:          tags,
		DefaultStatus: status,
		Metadata:      map[string]any{policyKey: pol},
		// limitBody enforces api.MaxBodyBytes before huma runs; huma's own limit only has to stay out of
		// its way (it refuses a body of exactly its limit).
		MaxBodyBytes: api.MaxBodyBytes + 1,
	}
	// An explicit empty list says an operation is public on purpose, not undocumented.
	op.Security = []map[string][]string{}
	if !pol.public {
		op.Security = []map[string][]string{{securityScheme: {}}}
		op.Errors = append(op.Errors, http.StatusUnauthorized)
		if pol.userOnly || pol.roles != nil {
			op.Errors = append(op.Errors, http.StatusForbidden)
		}
		if pol.org {
			op.Errors = append(op.Errors, http.StatusNotFound, http.StatusGone)
		}
	}
	switch method {
	case http.MethodPost:
		op.Errors = append(op.Errors, http.StatusConflict, http.StatusRequestEntityTooLarge, http.StatusUnprocessableEntity)
	case http.MethodPatch:
		op.Errors = append(op.Errors, http.StatusConflict, http.StatusPreconditionFailed, http.StatusRequestEntityTooLarge, http.StatusUnprocessableEntity)
	case http.MethodDelete:
		op.Errors = append(op.Errors, http.StatusConflict)
	}
	return op
}

const securityScheme = "bearer"
