package server

import (
	"context"
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
)

// PageParams are the query parameters of every list. Lists page by cursor: a page token names the seq
// of the last item sent, so a page costs what it returns whatever its depth.
type PageParams struct {
	PageSize  int    `query:"page_size" minimum:"1" maximum:"1000" default:"100" doc:"How many items to return, 1 to 1000."`
	PageToken string `query:"page_token" maxLength:"200" doc:"The next_page_token of the previous page; absent for the first page."`
}

// cursor decodes the page token: the seq of the last item of the previous page (0: first page).
func (p PageParams) cursor() (int64, error) {
	if p.PageToken == "" {
		return 0, nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(p.PageToken)
	if err == nil {
		if rest, ok := strings.CutPrefix(string(raw), "seq:"); ok {
			if n, err := strconv.ParseInt(rest, 10, 64); err == nil && n > 0 {
				return n, nil
			}
		}
	}
	p2 := newProblem(http.StatusUnprocessableEntity, api.ProblemInvalid, "page_token: not a token this server issued; pass next_page_token from the previous page")
	p2.Errors = []api.ProblemError{{Message: "invalid page token", Location: "query.page_token"}}
	return 0, p2
}

func pageToken(seq int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte("seq:" + strconv.FormatInt(seq, 10)))
}

// page cuts a result fetched with LIMIT size+1 down to size, returning the next page token.
func page[T any](items []T, seqs []int64, size int) api.Page[T] {
	out := api.Page[T]{Items: items}
	if out.Items == nil {
		out.Items = []T{}
	}
	if len(items) > size {
		out.Items = items[:size]
		out.NextPageToken = pageToken(seqs[size-1])
	}
	return out
}

// rowScanner is a *sql.Row or *sql.Rows.
type rowScanner interface{ Scan(...any) error }

// queryPage runs a list query (rows in seq order, at most one past the page, so page can tell whether
// another follows) and reads each row with scan.
func queryPage[T any](ctx context.Context, q querier, scan func(rowScanner) (T, int64, error), query string, args ...any) ([]T, []int64, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	var items []T
	var seqs []int64
	for rows.Next() {
		item, seq, err := scan(rows)
		if err != nil {
			return nil, nil, err
		}
		items, seqs = append(items, item), append(seqs, seq)
	}
	return items, seqs, rows.Err()
}
