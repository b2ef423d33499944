package client

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
)

// Typed helpers over Client.do, one per kind of call; the per-area files are thin wrappers.

func get[T any](ctx context.Context, c *Client, route string, params ...string) (*T, error) {
	var out T
	if err := c.do(ctx, request{method: http.MethodGet, route: route, params: params}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// create POSTs body with a fresh Idempotency-Key: retries of this call reuse it, so the server makes
// at most one object however many attempts it takes.
func create[T any](ctx context.Context, c *Client, body any, route string, params ...string) (*T, error) {
	var out T
	r := request{method: http.MethodPost, route: route, params: params, body: body, idempotencyKey: newIdempotencyKey()}
	if err := c.do(ctx, r, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// update PATCHes body. The updates in this API set absolute values, so applying one twice equals
// applying it once; the Idempotency-Key says so, which lets a lost answer be retried.
func update[T any](ctx context.Context, c *Client, body any, route string, params ...string) (*T, error) {
	var out T
	r := request{method: http.MethodPatch, route: route, params: params, body: body, idempotencyKey: newIdempotencyKey()}
	if err := c.do(ctx, r, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

func (c *Client) delete(ctx context.Context, route string, params ...string) error {
	return c.do(ctx, request{method: http.MethodDelete, route: route, params: params}, nil)
}

// list fetches every page of a collection, api.MaxPageSize objects at a time, so a large organization
// costs a few requests rather than one per object.
func list[T any](ctx context.Context, c *Client, route string, params ...string) ([]T, error) {
	all := []T{}
	err := walk(ctx, c, func(page []T) bool {
		all = append(all, page...)
		return true
	}, route, params...)
	if err != nil {
		return nil, err
	}
	return all, nil
}

// walk fetches the pages of a collection in order, api.MaxPageSize objects at a time, handing each
// to visit until visit returns false or the last page is done.
func walk[T any](ctx context.Context, c *Client, visit func(page []T) bool, route string, params ...string) error {
	return walkQuery(ctx, c, nil, visit, route, params...)
}

// walkQuery is walk for a collection that takes query parameters (filters) beside the page's.
func walkQuery[T any](ctx context.Context, c *Client, query url.Values, visit func(page []T) bool, route string, params ...string) error {
	seen := map[string]bool{}
	token := ""
	for {
		q := url.Values{api.QueryPageSize: {strconv.Itoa(api.MaxPageSize)}}
		for k, v := range query {
			q[k] = v
		}
		if token != "" {
			q.Set(api.QueryPageToken, token)
		}
		var page api.Page[T]
		if err := c.do(ctx, request{method: http.MethodGet, route: route, params: params, query: q}, &page); err != nil {
			return err
		}
		if !visit(page.Items) || page.NextPageToken == "" {
			return nil
		}
		if seen[page.NextPageToken] {
			return fmt.Errorf("GET %s: the server returned page token %q twice; stopped to avoid an endless loop", route, page.NextPageToken)
		}
		seen[page.NextPageToken] = true
		token = page.NextPageToken
	}
}
