package server

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
)

func (s *Server) registerActivity(a huma.API) {
	register(a, s, operation(http.MethodGet, api.PathActivity, "list-activity", "List the organization's activity log, newest first", http.StatusOK,
		policy{org: true, roles: everyRole, action: "read activity"}, "Activity"), s.listActivity)
}

type listActivityInput struct {
	OrgPath
	PageParams
}

func (s *Server) listActivity(ctx context.Context, in *listActivityInput) (*pageOutput[api.ActivityEntry], error) {
	before, err := in.cursor()
	if err != nil {
		return nil, err
	}
	query := `SELECT seq, id, organization_id, actor_type, actor_id, action, object_type, object_id, at FROM activity WHERE organization_id = ?`
	args := []any{in.OrgID}
	if before > 0 {
		query += ` AND seq < ?`
		args = append(args, before)
	}
	items, seqs, err := queryPage(ctx, s.reader, scanActivity, query+` ORDER BY seq DESC LIMIT ?`, append(args, in.PageSize+1)...)
	if err != nil {
		return nil, err
	}
	return &pageOutput[api.ActivityEntry]{Body: page(items, seqs, in.PageSize)}, nil
}

func scanActivity(row rowScanner) (api.ActivityEntry, int64, error) {
	var e api.ActivityEntry
	var seq int64
	var at string
	if err := row.Scan(&seq, &e.ID, &e.OrganizationID, &e.ActorType, &e.ActorID, &e.Action, &e.ObjectType, &e.ObjectID, &at); err != nil {
		return e, 0, err
	}
	e.At = parseTime(at)
	return e, seq, nil
}
