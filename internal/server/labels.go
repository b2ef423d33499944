package server

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
	"github.com/orgs-dev/terraform-provider-orgs/internal/server/store"
)

func (s *Server) registerLabels(a huma.API) {
	const tag = "Labels"
	read := policy{org: true, roles: readersOfData, action: "read labels"}
	write := func(action string) policy { return policy{org: true, roles: ownerAdmin, action: action} }
	register(a, s, operation(http.MethodGet, api.PathLabels, "list-labels", "List the organization's labels", http.StatusOK,
		read, tag), s.listLabels)
	create, update, remove := write("create labels"), write("update labels"), write("delete labels")
	register(a, s, operation(http.MethodPost, api.PathLabels, "create-label", "Create a label; keys are unique in the organization", http.StatusCreated,
		create, tag), s.createLabel)
	register(a, s, operation(http.MethodGet, api.PathLabel, "get-label", "Get a label by key (a '/' in the key is sent as %2F)", http.StatusOK,
		read, tag), s.getLabel)
	register(a, s, operation(http.MethodPatch, api.PathLabel, "update-label", "Update a label's value or propagation", http.StatusOK,
		update, tag), s.updateLabel)
	register(a, s, operation(http.MethodDelete, api.PathLabel, "delete-label", "Delete a label", http.StatusNoContent,
		remove, tag), s.deleteLabel)
	type in = bulkInput[api.LabelCreate, api.LabelUpdate]
	registerBulk(a, s, bulkOperation(api.PathBulkLabels, "bulk-labels", "Create, update and delete labels in bulk", write("write labels"), tag),
		bulkCollection[in, api.LabelCreate, api.LabelUpdate, api.Label]{
			noun: "label", items: orgBulkItems[api.LabelCreate, api.LabelUpdate],
			createPolicy: create, updatePolicy: update, deletePolicy: remove,
			create: func(ctx context.Context, in *in, b api.LabelCreate) (api.Label, error) {
				return objectOf(s.createLabel(ctx, &createLabelInput{OrgPath: in.OrgPath, Body: b}))
			},
			update: func(ctx context.Context, in *in, key string, b api.LabelUpdate) (api.Label, error) {
				return objectOf(s.updateLabel(ctx, &updateLabelInput{LabelPath: LabelPath{OrgPath: in.OrgPath, Key: key}, Body: b}))
			},
			delete: func(ctx context.Context, in *in, key string) error {
				_, err := s.deleteLabel(ctx, &LabelPath{OrgPath: in.OrgPath, Key: key})
				return err
			},
		})
}

type LabelPath struct {
	OrgPath
	Key string `path:"key" maxLength:"317" doc:"The label key, path-escaped (a '/' is %2F)."`
}

const labelColumns = `seq, organization_id, key, value, propagate_to_cloud_provider, created_at, updated_at`

func scanLabel(row rowScanner) (api.Label, int64, error) {
	var l api.Label
	var seq int64
	var created, updated string
	if err := row.Scan(&seq, &l.OrganizationID, &l.Key, &l.Value, &l.PropagateToCloudProvider, &created, &updated); err != nil {
		return api.Label{}, 0, err
	}
	l.CreatedAt, l.UpdatedAt = parseTime(created), parseTime(updated)
	return l, seq, nil
}

func (s *Server) loadLabel(ctx context.Context, q querier, orgID, key string) (api.Label, error) {
	l, _, err := scanLabel(q.QueryRowContext(ctx, `SELECT `+labelColumns+` FROM labels WHERE organization_id = ? AND key = ?`, orgID, key))
	if errors.Is(err, sql.ErrNoRows) {
		return api.Label{}, errNotFound("label %q not found", key)
	}
	return l, err
}

type listLabelsInput struct {
	OrgPath
	PageParams
}

func (s *Server) listLabels(ctx context.Context, in *listLabelsInput) (*pageOutput[api.Label], error) {
	after, err := in.cursor()
	if err != nil {
		return nil, err
	}
	items, seqs, err := queryPage(ctx, s.reader, scanLabel, `SELECT `+labelColumns+` FROM labels WHERE organization_id = ? AND seq > ? ORDER BY seq LIMIT ?`,
		in.OrgID, after, in.PageSize+1)
	if err != nil {
		return nil, err
	}
	return &pageOutput[api.Label]{Body: page(items, seqs, in.PageSize)}, nil
}

type createLabelInput struct {
	OrgPath
	IdempotencyHeader
	Body api.LabelCreate
}

func (s *Server) createLabel(ctx context.Context, in *createLabelInput) (*objectOutput[api.Label], error) {
	b := in.Body
	if err := api.ValidateLabelKey(b.Key); err != nil {
		return nil, invalidField("key", err)
	}
	if err := api.ValidateLabelValue(b.Value); err != nil {
		return nil, invalidField("value", err)
	}
	now := s.now().UTC()
	l := api.Label{OrganizationID: in.OrgID, Key: b.Key, Value: b.Value, PropagateToCloudProvider: b.PropagateToCloudProvider, CreatedAt: now, UpdatedAt: now}
	err := s.writeOrg(ctx, func(tx *sql.Tx, a access) error {
		if _, err := s.loadLabel(ctx, tx, a.orgID, b.Key); err == nil {
			return errConflict("label %q already exists in the organization; keys are unique", b.Key)
		}
		if err := s.checkLimit(ctx, tx, a.orgID, api.QuantityLabels); err != nil {
			return err
		}
		ts := store.FormatTime(now)
		if _, err := tx.ExecContext(ctx, `INSERT INTO labels (organization_id, key, value, propagate_to_cloud_provider, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)`,
			l.OrganizationID, l.Key, l.Value, l.PropagateToCloudProvider, ts, ts); err != nil {
			if store.IsUniqueViolation(err) {
				return errConflict("label %q already exists in the organization; keys are unique", b.Key)
			}
			return fmt.Errorf("insert label: %w", err)
		}
		return s.record(ctx, tx, a.orgID, "label.create", "label", l.Key)
	})
	if err != nil {
		return nil, err
	}
	return newObjectOutput(l), nil
}

func (s *Server) getLabel(ctx context.Context, in *LabelPath) (*objectOutput[api.Label], error) {
	l, err := s.loadLabel(ctx, s.reader, in.OrgID, in.Key)
	if err != nil {
		return nil, err
	}
	return newObjectOutput(l), nil
}

type updateLabelInput struct {
	LabelPath
	IfMatchHeader
	Body api.LabelUpdate
}

func (s *Server) updateLabel(ctx context.Context, in *updateLabelInput) (*objectOutput[api.Label], error) {
	b := in.Body
	if b.Value != nil {
		if err := api.ValidateLabelValue(*b.Value); err != nil {
			return nil, invalidField("value", err)
		}
	}
	var out api.Label
	err := s.writeOrg(ctx, func(tx *sql.Tx, a access) error {
		cur, err := s.loadLabel(ctx, tx, a.orgID, in.Key)
		if err != nil {
			return err
		}
		if err := checkIfMatch(in.IfMatch, cur); err != nil {
			return err
		}
		next := cur
		if b.Value != nil {
			next.Value = *b.Value
		}
		if b.PropagateToCloudProvider != nil {
			next.PropagateToCloudProvider = *b.PropagateToCloudProvider
		}
		if next == cur {
			out = cur
			return nil
		}
		next.UpdatedAt = s.now().UTC()
		if _, err := tx.ExecContext(ctx, `UPDATE labels SET value = ?, propagate_to_cloud_provider = ?, updated_at = ? WHERE organization_id = ? AND key = ?`,
			next.Value, next.PropagateToCloudProvider, store.FormatTime(next.UpdatedAt), a.orgID, cur.Key); err != nil {
			return fmt.Errorf("update label: %w", err)
		}
		out = next
		return s.record(ctx, tx, a.orgID, "label.update", "label", cur.Key)
	})
	if err != nil {
		return nil, err
	}
	return newObjectOutput(out), nil
}

func (s *Server) deleteLabel(ctx context.Context, in *LabelPath) (*struct{}, error) {
	return nil, s.deleteOrgObject(ctx, labelObject, in.Key)
}
