package server

import (
	"errors"
	"net/http"
	"strings"
	"testing"
)

func TestPageTokens(t *testing.T) {
	t.Parallel()
	for _, seq := range []int64{1, 42, 1 << 40} {
		got, err := PageParams{PageToken: pageToken(seq)}.cursor()
		if err != nil || got != seq {
			t.Errorf("cursor(pageToken(%d)) = %d, %v", seq, got, err)
		}
	}
	if got, err := (PageParams{}).cursor(); err != nil || got != 0 {
		t.Errorf("no token: cursor = %d, %v; want 0", got, err)
	}
	for _, bad := range []string{"forged", pageToken(0), "c2VxOi0x" /* seq:-1 */, "!!!"} {
		_, err := PageParams{PageToken: bad}.cursor()
		var p *problem
		if !errors.As(err, &p) || p.Status != http.StatusUnprocessableEntity || !strings.Contains(p.Detail, "page_token") {
			t.Errorf("token %q: err = %v, want a 422 naming page_token", bad, err)
		}
	}
	items := []string{"a", "b", "c"}
	if pg := page(items, []int64{4, 7, 9}, 2); len(pg.Items) != 2 || pg.NextPageToken != pageToken(7) {
		t.Errorf("page of 2 from 3 = %+v, want 2 items and a token after seq 7", pg)
	}
	if pg := page(items, []int64{4, 7, 9}, 3); len(pg.Items) != 3 || pg.NextPageToken != "" {
		t.Errorf("last page = %+v, want every item and no token", pg)
	}
	if pg := page[string](nil, nil, 3); pg.Items == nil {
		t.Error("an empty page has null items; clients expect []")
	}
}
