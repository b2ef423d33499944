package server

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
)

// Bulk writes (api.PathBulk*): one request carries up to api.MaxBulkItems writes to one collection of
// one organization. Every item runs the very handler its single endpoint runs (createLabel,
// updateLabel, deleteLabel, ...), with that endpoint's policy, so an item is authorized, limited,
// recorded in the activity log and followed by its side effects exactly as the request of its own
// would be. All items run in the request's one write transaction, in order, each in a savepoint of its
// own: a failed item rolls back only itself, and its problem document is the one the single endpoint
// would have answered. The response, one result per item, is stored under the request's
// Idempotency-Key with the work (writes.go), so a retried bulk request is answered, never run twice.
//
// A collection plugs in with a bulkCollection: its input type (the path it lives under and the body),
// and for each operation the single endpoint's policy and handler (registerLabels has an example). A
// collection of an organization uses bulkInput; one under another path (a team's members,
// api.PathBulkTeamMembers) declares its input type with that path's struct embedded and
// `Body api.BulkRequest[C, U]`, and gives registerBulk its items accessor.
//
// What is decided for the whole request: the caller may use the endpoint at all (the operation's own
// policy), the body's shape (at most api.MaxBulkItems items, each with a known op), and the rate
// charge. Everything about one item (its fields, its rights, the plan's limits, conflicts) is the
// item's own problem.

// bulkInput is the input of an organization's bulk endpoint.
type bulkInput[C, U any] struct {
	OrgPath
	IdempotencyHeader
	Body api.BulkRequest[C, U]
}

func orgBulkItems[C, U any](in *bulkInput[C, U]) []api.BulkItem[C, U] { return in.Body.Items }

type bulkOutput[T any] struct {
	RateLimit string `header:"RateLimit" doc:"The caller's rate budget after this request, which costs ceil(items / 50) requests, at least one."`
	Body      bulkResponse[T]
}

// bulkResponse is api.BulkResponse as the server sends it: the same JSON, with the server's problem
// type, so that the OpenAPI document has one Problem schema.
type bulkResponse[T any] struct {
	Items []bulkResult[T] `json:"items" doc:"One result per item, in the items' order."`
}

type bulkResult[T any] struct {
	Status  int      `json:"status" doc:"The HTTP status the item would have had as a request of its own."`
	Item    *T       `json:"item,omitempty" doc:"The object after a create or update."`
	Problem *problem `json:"problem,omitempty" doc:"Why the item failed: the problem document its own request would have had."`
}

// bulkCollection is one collection's bulk endpoint: the items of an input I, and for each operation the
// policy and the handler of the single endpoint that does it. update is nil for a collection whose
// objects are not changed in place.
type bulkCollection[I, C, U, T any] struct {
	noun  string // "label", for messages
	items func(*I) []api.BulkItem[C, U]

	createPolicy, updatePolicy, deletePolicy policy

	create func(ctx context.Context, in *I, body C) (T, error)
	update func(ctx context.Context, in *I, key string, body U) (T, error)
	delete func(ctx context.Context, in *I, key string) error
}

// bulkOperation is the operation of a bulk endpoint: a POST, run as a whole under the request-level
// pol, whose items' rules are checked per item; its body is validated here (validateBulk), not by huma,
// so that an invalid item is that item's problem and not the request's.
func bulkOperation(path, id, summary string, pol policy, tag string) huma.Operation {
	op := operation(http.MethodPost, path, id, summary+fmt.Sprintf(
		"; up to %d items, applied in order, each succeeding or failing on its own (its result carries the status and the problem "+
			"its own request would have had). The request costs the rate limiter ceil(items / %d) requests, at least one.",
		api.MaxBulkItems, api.BulkItemsPerRateToken), http.StatusOK, pol, tag)
	op.SkipValidateBody = true
	op.Errors = append(op.Errors, http.StatusTooManyRequests)
	return op
}

// registerBulk adds a collection's bulk endpoint.
func registerBulk[I, C, U, T any](a huma.API, s *Server, op huma.Operation, coll bulkCollection[I, C, U, T]) {
	registry := a.OpenAPI().Components.Schemas
	var body api.BulkRequest[C, U]
	schema := registry.Schema(reflect.TypeOf(body), true, "")
	huma.Register(a, op, func(ctx context.Context, in *I) (*bulkOutput[T], error) {
		out, err := runBulk(ctx, s, registry, schema, coll, in)
		if err != nil {
			return nil, s.asProblem(ctx, op.OperationID, err)
		}
		return out, nil
	})
}

func runBulk[I, C, U, T any](ctx context.Context, s *Server, registry huma.Registry, schema *huma.Schema, coll bulkCollection[I, C, U, T], in *I) (*bulkOutput[T], error) {
	items := coll.items(in)
	itemErrs, err := validateBulk(ctx, registry, schema, len(items))
	if err != nil {
		return nil, err
	}
	rateLimit, err := s.chargeBulk(ctx, len(items))
	if err != nil {
		return nil, err
	}
	results := make([]bulkResult[T], len(items))
	early := accessFrom(ctx)
	st, _ := ctx.Value(writeStateKey{}).(*writeState)
	err = s.writeOrg(ctx, func(tx *sql.Tx, _ access) error {
		for i, item := range items {
			if err := itemErrs[i]; err != nil {
				results[i] = bulkFailure[T](err)
				continue
			}
			if _, err := tx.ExecContext(ctx, `SAVEPOINT bulk_item`); err != nil {
				return fmt.Errorf("bulk item savepoint: %w", err)
			}
			sideEffects := 0
			if st != nil {
				sideEffects = len(st.afterCommit)
			}
			res, err := runBulkItem(ctx, coll, early, in, item)
			if err == nil {
				results[i] = res
				if _, err := tx.ExecContext(ctx, `RELEASE bulk_item`); err != nil {
					return fmt.Errorf("bulk item release: %w", err)
				}
				continue
			}
			// The item's writes are undone, and so are the side effects it queued (an invitation email).
			if _, err := tx.ExecContext(ctx, `ROLLBACK TO bulk_item; RELEASE bulk_item`); err != nil {
				return fmt.Errorf("bulk item rollback: %w", err)
			}
			if st != nil {
				st.afterCommit = st.afterCommit[:sideEffects]
			}
			results[i] = bulkFailure[T](s.asProblem(ctx, "bulk "+coll.noun+" item", err))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &bulkOutput[T]{RateLimit: rateLimit, Body: bulkResponse[T]{Items: results}}, nil
}

// runBulkItem runs one item through its single endpoint's handler, as a caller with that endpoint's
// policy (the handler's writeOrg reads the caller's standing again through the transaction).
func runBulkItem[I, C, U, T any](ctx context.Context, coll bulkCollection[I, C, U, T], early access, in *I, item api.BulkItem[C, U]) (bulkResult[T], error) {
	as := func(pol policy) context.Context {
		a := early
		a.pol = pol
		return context.WithValue(ctx, accessKey{}, a)
	}
	switch item.Op {
	case api.BulkCreate:
		if item.Create == nil {
			return bulkResult[T]{}, invalidField("create", errors.New("is required for op create"))
		}
		if err := checkControlCharacters(reflect.ValueOf(item.Create), ""); err != nil {
			return bulkResult[T]{}, err
		}
		obj, err := coll.create(as(coll.createPolicy), in, *item.Create)
		if err != nil {
			return bulkResult[T]{}, err
		}
		return bulkResult[T]{Status: http.StatusCreated, Item: &obj}, nil
	case api.BulkUpdate:
		if coll.update == nil {
			return bulkResult[T]{}, invalidField("op", fmt.Errorf("%ss cannot be updated; delete one and create a new one", coll.noun))
		}
		if item.Key == "" {
			return bulkResult[T]{}, invalidField("key", errors.New("is required for op update"))
		}
		if item.Update == nil {
			return bulkResult[T]{}, invalidField("update", errors.New("is required for op update"))
		}
		if err := checkControlCharacters(reflect.ValueOf(item.Key), "key"); err != nil {
			return bulkResult[T]{}, err
		}
		if err := checkControlCharacters(reflect.ValueOf(item.Update), ""); err != nil {
			return bulkResult[T]{}, err
		}
		obj, err := coll.update(as(coll.updatePolicy), in, item.Key, *item.Update)
		if err != nil {
			return bulkResult[T]{}, err
		}
		return bulkResult[T]{Status: http.StatusOK, Item: &obj}, nil
	case api.BulkDelete:
		if item.Key == "" {
			return bulkResult[T]{}, invalidField("key", errors.New("is required for op delete"))
		}
		if err := checkControlCharacters(reflect.ValueOf(item.Key), "key"); err != nil {
			return bulkResult[T]{}, err
		}
		if err := coll.delete(as(coll.deletePolicy), in, item.Key); err != nil {
			return bulkResult[T]{}, err
		}
		return bulkResult[T]{Status: http.StatusNoContent}, nil
	}
	return bulkResult[T]{}, invalidField("op", fmt.Errorf("%q is not one of create, update, delete", item.Op))
}

// objectOf is the object of a single endpoint's response, for a bulk item.
func objectOf[T any](out *objectOutput[T], err error) (T, error) {
	if err != nil {
		var zero T
		return zero, err
	}
	return out.Body, nil
}

func bulkFailure[T any](err error) bulkResult[T] {
	var p *problem
	if !errors.As(err, &p) {
		p = newProblem(http.StatusInternalServerError, api.ProblemInternal, "internal error; the server logged the details")
	}
	return bulkResult[T]{Status: p.Status, Problem: p}
}

// validateBulk validates the request body against the endpoint's schema. What is wrong inside an item's
// create or update body is that item's problem, worded as its single endpoint's validation would word
// it ("body.role"); anything else (the number of items, an unknown op, a key too long, a field that is
// not in the envelope) is a 422 for the request. It returns the items' problems by index.
func validateBulk(ctx context.Context, registry huma.Registry, schema *huma.Schema, n int) (map[int]error, error) {
	raw, _ := ctx.Value(bodyKey{}).([]byte)
	var parsed any
	if err := json.Unmarshal(raw, &parsed); err != nil {
		return nil, newHumaError(http.StatusBadRequest, "the request body is not valid JSON", err)
	}
	res := &huma.ValidateResult{}
	pb := huma.NewPathBuffer([]byte{}, 0)
	pb.Push("body")
	huma.Validate(registry, schema, pb, huma.ModeWriteToServer, parsed, res)
	var request []error
	byItem := map[int][]error{}
	for _, e := range res.Errors {
		var d *huma.ErrorDetail
		if !errors.As(e, &d) {
			request = append(request, e)
			continue
		}
		if i, rest, ok := itemBodyLocation(d.Location); ok && i < n {
			byItem[i] = append(byItem[i], &huma.ErrorDetail{Message: d.Message, Location: "body" + rest, Value: d.Value})
			continue
		}
		request = append(request, e)
	}
	if len(request) > 0 {
		return nil, newHumaError(http.StatusUnprocessableEntity, "validation failed", request...)
	}
	out := make(map[int]error, len(byItem))
	for i, errs := range byItem {
		out[i] = newHumaError(http.StatusUnprocessableEntity, "validation failed", errs...)
	}
	return out, nil
}

// itemBodyLocation splits "body.items[3].create.role" into 3 and ".role" (the location inside the
// item's create or update body).
func itemBodyLocation(loc string) (int, string, bool) {
	rest, ok := strings.CutPrefix(loc, "body.items[")
	if !ok {
		return 0, "", false
	}
	idx, rest, ok := strings.Cut(rest, "]")
	if !ok {
		return 0, "", false
	}
	i, err := strconv.Atoi(idx)
	if err != nil {
		return 0, "", false
	}
	for _, part := range []string{".create", ".update"} {
		if after, ok := strings.CutPrefix(rest, part); ok && (after == "" || after[0] == '.' || after[0] == '[') {
			return i, after, true
		}
	}
	return 0, "", false
}

// chargeBulk takes the rest of a bulk request's cost (api.BulkRequestCost; authenticate took one
// request already) from the caller's budget, and returns the RateLimit value that says what is left.
// When the budget cannot pay it, the request is refused whole with 429 and Retry-After, before any item
// runs.
func (s *Server) chargeBulk(ctx context.Context, items int) (string, error) {
	if s.limiter.Disabled() {
		return "", nil
	}
	budget, _ := ctx.Value(budgetKey{}).(string)
	extra := float64(api.BulkRequestCost(items) - 1)
	ok, st := s.limiter.TakeN(budget, extra, time.Now())
	if ok {
		return st.Header(), nil
	}
	seconds := max(int(math.Ceil(st.Wait.Seconds())), 1)
	p := newProblem(http.StatusTooManyRequests, api.ProblemRateLimited,
		"a bulk request of %d items costs %d requests of the rate limit of %g requests per second (burst %g); retry after %d s",
		items, api.BulkRequestCost(items), s.limiter.Rate(), s.limiter.Burst(), seconds)
	p.headers = http.Header{api.HeaderRetryAfter: {strconv.Itoa(seconds)}, api.HeaderRateLimit: {st.Header()}}
	return "", p
}

// bulkReplay is the replay rule of a bulk endpoint: a stored response is replayed only when every item
// still passes the rule its single endpoint's replay would apply (only owners make owners).
func bulkReplay[C, U any](create func(access, C) error, update func(access, U) error) replayRule {
	return onBody(func(a access, b api.BulkRequest[C, U]) error {
		for _, item := range b.Items {
			if item.Create != nil && create != nil {
				if err := create(a, *item.Create); err != nil {
					return err
				}
			}
			if item.Update != nil && update != nil {
				if err := update(a, *item.Update); err != nil {
					return err
				}
			}
		}
		return nil
	})
}
