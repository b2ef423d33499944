package server

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
	"github.com/orgs-dev/terraform-provider-orgs/internal/server/store"
)

func (s *Server) registerActivity(a huma.API) {
	register(a, s, operation(http.MethodGet, api.PathActivity, "list-activity", "List the organization's activity log, newest first", http.StatusOK,
		policy{org: true, roles: everyRole, action: "read activity"}, "Activity"), s.listActivity)
}

// listActivityInput is the listing's page and its filters (api.QueryActivity*). The filters are read
// as strings and checked by activityFilter, so that a bad value is a 422 naming the parameter.
type listActivityInput struct {
	OrgPath
	PageParams
	ObjectTypes []string `query:"object_type,explode" maxItems:"8" doc:"Only entries about objects of this type (organization, member, invitation, api_token, container_registry, label, environment, domain). Repeat the parameter for several types."`
	ObjectIDs   []string `query:"object_id,explode" maxItems:"100" doc:"Only entries about this object: its id, a label's key, or a member's user id (the address, lower-cased, while invited). Repeat the parameter for several objects, up to 100 in one request."`
	Action      string   `query:"action" maxLength:"100" doc:"Only entries of this action, <object_type>.<verb> such as member.update."`
	ActorType   string   `query:"actor_type" doc:"Only entries by this kind of actor: user or token."`
	ActorID     string   `query:"actor_id" maxLength:"100" doc:"Only entries by this actor: a user's id or an organization API token's id."`
	Since       string   `query:"since" maxLength:"40" doc:"Only entries at or after this time (RFC 3339)."`
	Until       string   `query:"until" maxLength:"40" doc:"Only entries before this time (RFC 3339)."`
}

// activityFilter is a listing's filters as SQL conditions on the activity table (alias a), their
// arguments and the index the listing reads (see activityQuery), or the 422 of the first bad one.
func (in *listActivityInput) activityFilter() (f activityFilter, err error) {
	conds, args, err := in.conditions()
	if err != nil {
		return activityFilter{}, err
	}
	// The index of the filter that matches fewest entries, as a rule: an object's entries are few, an
	// actor's more, an action's more still, and an object type's the most.
	index := "activity_at"
	switch {
	case len(in.ObjectIDs) > 0:
		index = "activity_object"
	case in.ActorID != "":
		index = "activity_actor"
	case in.Action != "":
		index = "activity_action"
	case len(in.ObjectTypes) > 0:
		index = "activity_object_type"
	}
	return activityFilter{conds: conds, args: args, index: index}, nil
}

// activityFilter is what activityQuery needs of a listing's filters.
type activityFilter struct {
	conds []string
	args  []any
	index string
}

func (in *listActivityInput) conditions() (conds []string, args []any, err error) {
	if len(in.ObjectTypes) > 0 {
		for _, t := range in.ObjectTypes {
			if !slices.Contains(api.ActivityObjectTypes, t) {
				return nil, nil, invalidQuery(api.QueryActivityObjectType, fmt.Errorf("%q is not an object type of the log; use one of %s", t, strings.Join(api.ActivityObjectTypes, ", ")))
			}
		}
		conds = append(conds, `a.object_type IN (`+placeholders(len(in.ObjectTypes))+`)`)
		args = appendAll(args, in.ObjectTypes)
	}
	if len(in.ObjectIDs) > 0 {
		if len(in.ObjectIDs) > api.MaxActivityObjectIDs {
			return nil, nil, invalidQuery(api.QueryActivityObjectID, fmt.Errorf("%d values; at most %d in one request", len(in.ObjectIDs), api.MaxActivityObjectIDs))
		}
		for _, id := range in.ObjectIDs {
			if id == "" || len(id) > 320 {
				return nil, nil, invalidQuery(api.QueryActivityObjectID, errors.New("each value must be an object's id, key or address, 1 to 320 characters"))
			}
		}
		conds = append(conds, `a.object_id IN (`+placeholders(len(in.ObjectIDs))+`)`)
		args = appendAll(args, in.ObjectIDs)
	}
	if in.Action != "" {
		if !api.ActivityActionPattern.MatchString(in.Action) {
			return nil, nil, invalidQuery(api.QueryActivityAction, fmt.Errorf("%q is not <object_type>.<verb> in lowercase, such as member.update", in.Action))
		}
		conds, args = append(conds, `a.action = ?`), append(args, in.Action)
	}
	if in.ActorType != "" {
		if in.ActorType != api.ActorUser && in.ActorType != api.ActorToken {
			return nil, nil, invalidQuery(api.QueryActivityActorType, fmt.Errorf("%q is not an actor type; use user or token", in.ActorType))
		}
		conds, args = append(conds, `a.actor_type = ?`), append(args, in.ActorType)
	}
	if in.ActorID != "" {
		conds, args = append(conds, `a.actor_id = ?`), append(args, in.ActorID)
	}
	for _, bound := range []struct {
		param, value, cond string
	}{{api.QueryActivitySince, in.Since, `a.at >= ?`}, {api.QueryActivityUntil, in.Until, `a.at < ?`}} {
		if bound.value == "" {
			continue
		}
		t, err := time.Parse(time.RFC3339, bound.value)
		if err != nil {
			return nil, nil, invalidQuery(bound.param, fmt.Errorf("%q is not an RFC 3339 time such as 2030-01-02T15:04:05Z", bound.value))
		}
		conds, args = append(conds, bound.cond), append(args, store.FormatTime(t))
	}
	return conds, args, nil
}

// activityColumns are an entry's columns, with who its actor is read now: a user's address while the
// user holds a membership of the organization (every reader of the log may list its members), and an
// organization token's name and role only for a reader who may list the organization's tokens
// (tokenDetails, 1 or 0) and while the token exists. Each is a lookup by a unique key, made for the
// rows of the page only.
const activityColumns = `a.seq, a.id, a.organization_id, a.actor_type, a.actor_id, a.action, a.object_type, a.object_id, a.at,
	CASE WHEN a.actor_type = 'user' THEN (SELECT u.email FROM members m JOIN users u ON u.id = m.user_id
		WHERE m.organization_id = a.organization_id AND m.user_id = a.actor_id) END,
	CASE WHEN a.actor_type = 'token' AND ?1 THEN (SELECT t.name FROM api_tokens t WHERE t.id = a.actor_id AND t.organization_id = a.organization_id) END,
	CASE WHEN a.actor_type = 'token' AND ?1 THEN (SELECT t.role FROM api_tokens t WHERE t.id = a.actor_id AND t.organization_id = a.organization_id) END`

// listActivity lists the log newest first: by time, then by seq among entries of the same time. The
// page token names the seq of the last entry sent; the next page starts after that entry's (at, seq).
func (s *Server) listActivity(ctx context.Context, in *listActivityInput) (*pageOutput[api.ActivityEntry], error) {
	before, err := in.cursor()
	if err != nil {
		return nil, err
	}
	f, err := in.activityFilter()
	if err != nil {
		return nil, err
	}
	query, args := activityQuery(accessFrom(ctx).allows(ownerAdmin), in.OrgID, f, before, in.PageSize+1)
	items, seqs, err := queryPage(ctx, s.reader, scanActivity, query, args...)
	if err != nil {
		return nil, err
	}
	return &pageOutput[api.ActivityEntry]{Body: page(items, seqs, in.PageSize)}, nil
}

// activityQuery is the SQL of one page of the log: the entries of orgID that meet f, after the entry
// with seq before (0: from the newest), at most limit of them. It names the index to read: SQLite's
// planner, without statistics, would rather walk activity_at in order than sort the matches of a few
// objects, which for a rare match is a scan of the whole log.
func activityQuery(tokenDetails bool, orgID string, f activityFilter, before int64, limit int) (string, []any) {
	query := `SELECT ` + activityColumns + ` FROM activity a INDEXED BY ` + f.index + ` WHERE a.organization_id = ?2`
	args := []any{tokenDetails, orgID}
	for _, c := range f.conds {
		query += ` AND ` + c
	}
	args = append(args, f.args...)
	if before > 0 {
		query += ` AND (a.at, a.seq) < ((SELECT b.at FROM activity b WHERE b.seq = ? AND b.organization_id = a.organization_id), ?)`
		args = append(args, before, before)
	}
	return query + ` ORDER BY a.at DESC, a.seq DESC LIMIT ?`, append(args, limit)
}

// invalidQuery is a 422 naming the query parameter that is wrong.
func invalidQuery(param string, err error) *problem {
	p := newProblem(http.StatusUnprocessableEntity, api.ProblemInvalid, "%s: %v", param, err)
	p.Errors = []api.ProblemError{{Message: err.Error(), Location: "query." + param}}
	return p
}

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

func appendAll(args []any, values []string) []any {
	for _, v := range values {
		args = append(args, v)
	}
	return args
}

func scanActivity(row rowScanner) (api.ActivityEntry, int64, error) {
	var e api.ActivityEntry
	var seq int64
	var at string
	var email, name, role sql.NullString
	if err := row.Scan(&seq, &e.ID, &e.OrganizationID, &e.ActorType, &e.ActorID, &e.Action, &e.ObjectType, &e.ObjectID, &at, &email, &name, &role); err != nil {
		return e, 0, err
	}
	e.At = parseTime(at)
	e.ActorEmail, e.ActorName, e.ActorRole = email.String, name.String, api.Role(role.String)
	return e, seq, nil
}

// record appends to the organization's activity log, in the transaction of the change.
func (s *Server) record(ctx context.Context, tx *sql.Tx, orgID, action, objectType, objectID string) error {
	actorType, actorID := principalFrom(ctx).actor()
	return s.recordAs(ctx, tx, orgID, actorType, actorID, action, objectType, objectID)
}

func (s *Server) recordAs(ctx context.Context, tx *sql.Tx, orgID, actorType, actorID, action, objectType, objectID string) error {
	// The log's actions are the closed list readers filter on and webhooks subscribe to: an entry whose
	// action is missing from it could never be found or delivered, so recording one is a bug (every test
	// that writes one fails).
	if !slices.Contains(api.ActivityActions, action) || !strings.HasPrefix(action, objectType+".") {
		return fmt.Errorf("record activity %s: the action is not in api.ActivityActions or is not of object type %q", action, objectType)
	}
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
