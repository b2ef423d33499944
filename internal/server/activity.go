package server

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
	"github.com/orgs-dev/terraform-provider-orgs/internal/server/store"
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

// record appends to the organization's activity log, in the transaction of the change.
func (s *Server) record(ctx context.Context, tx *sql.Tx, orgID, action, objectType, objectID string) error {
	actorType, actorID := principalFrom(ctx).actor()
	return s.recordAs(ctx, tx, orgID, actorType, actorID, action, objectType, objectID)
}

func (s *Server) recordAs(ctx context.Context, tx *sql.Tx, orgID, actorType, actorID, action, objectType, objectID string) error {
	entry := api.ActivityEntry{ID: newID(prefixActivity), OrganizationID: orgID, ActorType: actorType, ActorID: actorID,
		Action: action, ObjectType: objectType, ObjectID: objectID, At: parseTime(store.FormatTime(s.now()))}
	_, err := tx.ExecContext(ctx, `INSERT INTO activity (id, organization_id, actor_type, actor_id, action, object_type, object_id, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		entry.ID, orgID, actorType, actorID, action, objectType, objectID, store.FormatTime(entry.At))
	if err != nil {
		return fmt.Errorf("record activity %s: %w", action, err)
	}
	// The webhooks that subscribe to it get a delivery, in this same transaction (webhooks.go).
	return s.enqueueWebhookDeliveries(ctx, tx, entry)
}
