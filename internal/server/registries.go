package server

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
	"github.com/orgs-dev/terraform-provider-orgs/internal/server/seal"
	"github.com/orgs-dev/terraform-provider-orgs/internal/server/store"
)

func (s *Server) registerContainerRegistries(a huma.API) {
	const tag = "Container registries"
	read := policy{org: true, roles: readersOfData, action: "read container registries"}
	write := func(action string) policy { return policy{org: true, roles: ownerAdmin, action: action} }
	register(a, s, operation(http.MethodGet, api.PathContainerRegistries, "list-container-registries", "List the organization's container registries (never their secrets)", http.StatusOK,
		read, tag), s.listContainerRegistries)
	register(a, s, operation(http.MethodPost, api.PathContainerRegistries, "create-container-registry", "Add container registry credentials", http.StatusCreated,
		write("create container registries"), tag), s.createContainerRegistry)
	register(a, s, operation(http.MethodGet, api.PathContainerRegistry, "get-container-registry", "Get a container registry (never its secrets)", http.StatusOK,
		read, tag), s.getContainerRegistry)
	register(a, s, operation(http.MethodPatch, api.PathContainerRegistry, "update-container-registry", "Update a container registry, its credentials included", http.StatusOK,
		write("update container registries"), tag), s.updateContainerRegistry)
	register(a, s, operation(http.MethodDelete, api.PathContainerRegistry, "delete-container-registry", "Delete a container registry", http.StatusNoContent,
		write("delete container registries"), tag), s.deleteContainerRegistry)
}

type RegistryPath struct {
	OrgPath
	RegistryID string `path:"registry_id" maxLength:"64" doc:"The container registry id."`
}

// registryRecord is a registry with its secrets; they never leave through the API, and are stored
// sealed (see seal.go).
type registryRecord struct {
	api.ContainerRegistry
	Password        string
	SecretAccessKey string
}

const registryColumns = `seq, id, organization_id, name, kind, url, description, username, password, access_key_id, secret_access_key, created_at, updated_at`

func scanRegistry(row rowScanner) (registryRecord, int64, error) {
	var r registryRecord
	var seq int64
	var created, updated string
	if err := row.Scan(&seq, &r.ID, &r.OrganizationID, &r.Name, &r.Kind, &r.URL, &r.Description, &r.Username, &r.Password,
		&r.AccessKeyID, &r.SecretAccessKey, &created, &updated); err != nil {
		return registryRecord{}, 0, err
	}
	r.CreatedAt, r.UpdatedAt = parseTime(created), parseTime(updated)
	return r, seq, nil
}

// loadRegistry reads a registry with its secrets opened.
func (s *Server) loadRegistry(ctx context.Context, q querier, orgID, id string) (registryRecord, error) {
	r, _, err := scanRegistry(q.QueryRowContext(ctx, `SELECT `+registryColumns+` FROM container_registries WHERE organization_id = ? AND id = ?`, orgID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return registryRecord{}, errNotFound("container registry %q not found", id)
	}
	if err != nil {
		return registryRecord{}, err
	}
	if r.Password, err = s.sealer.Open(r.Password, registrySecretContext(r.ID, "password")); err != nil {
		return registryRecord{}, fmt.Errorf("registry %s: %w", r.ID, err)
	}
	if r.SecretAccessKey, err = s.sealer.Open(r.SecretAccessKey, registrySecretContext(r.ID, "secret_access_key")); err != nil {
		return registryRecord{}, fmt.Errorf("registry %s: %w", r.ID, err)
	}
	return r, nil
}

// validateRegistry checks the URL and that the credentials fit the kind: access keys for kinds that use
// them, username and password for the others, and nothing of the other pair.
func validateRegistry(r registryRecord) error {
	if err := api.ValidateHTTPURL(r.URL); err != nil {
		return invalidField("url", err)
	}
	type field struct{ name, value string }
	need := []field{{"username", r.Username}, {"password", r.Password}}
	forbid := []field{{"access_key_id", r.AccessKeyID}, {"secret_access_key", r.SecretAccessKey}}
	if r.Kind.UsesAccessKeys() {
		need, forbid = forbid, need
	}
	for _, f := range need {
		if f.value == "" {
			return invalidField(f.name, fmt.Errorf("is required for a registry of kind %s", r.Kind))
		}
	}
	for _, f := range forbid {
		if f.value != "" {
			return invalidField(f.name, fmt.Errorf("is not used by a registry of kind %s; leave it empty", r.Kind))
		}
	}
	return nil
}

type listContainerRegistriesInput struct {
	OrgPath
	PageParams
}

func (s *Server) listContainerRegistries(ctx context.Context, in *listContainerRegistriesInput) (*pageOutput[api.ContainerRegistry], error) {
	after, err := in.cursor()
	if err != nil {
		return nil, err
	}
	items, seqs, err := queryPage(ctx, s.reader, func(r rowScanner) (api.ContainerRegistry, int64, error) {
		rec, seq, err := scanRegistry(r)
		return rec.ContainerRegistry, seq, err
	}, `SELECT `+registryColumns+` FROM container_registries WHERE organization_id = ? AND seq > ? ORDER BY seq LIMIT ?`,
		in.OrgID, after, in.PageSize+1)
	if err != nil {
		return nil, err
	}
	return &pageOutput[api.ContainerRegistry]{Body: page(items, seqs, in.PageSize)}, nil
}

type createContainerRegistryInput struct {
	OrgPath
	IdempotencyHeader
	Body api.ContainerRegistryCreate
}

func (s *Server) createContainerRegistry(ctx context.Context, in *createContainerRegistryInput) (*objectOutput[api.ContainerRegistry], error) {
	b := in.Body
	now := s.now().UTC()
	r := registryRecord{
		ContainerRegistry: api.ContainerRegistry{
			ID: newID(prefixRegistry), OrganizationID: in.OrgID, Name: b.Name, Kind: b.Kind, URL: b.URL, Description: b.Description,
			Username: b.Username, AccessKeyID: b.AccessKeyID, CreatedAt: now, UpdatedAt: now,
		},
		Password: b.Password, SecretAccessKey: b.SecretAccessKey,
	}
	if err := validateRegistry(r); err != nil {
		return nil, err
	}
	err := s.writeOrg(ctx, func(tx *sql.Tx, a access) error {
		if err := s.checkLimit(ctx, tx, a.orgID, api.QuantityContainerRegistries); err != nil {
			return err
		}
		ts := store.FormatTime(now)
		if _, err := tx.ExecContext(ctx, `INSERT INTO container_registries (id, organization_id, name, kind, url, description, username, password,
				access_key_id, secret_access_key, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			r.ID, r.OrganizationID, r.Name, r.Kind, r.URL, r.Description, r.Username,
			s.sealer.Seal(r.Password, registrySecretContext(r.ID, "password")), r.AccessKeyID,
			s.sealer.Seal(r.SecretAccessKey, registrySecretContext(r.ID, "secret_access_key")), ts, ts); err != nil {
			return fmt.Errorf("insert container registry: %w", err)
		}
		return s.record(ctx, tx, a.orgID, "container_registry.create", "container_registry", r.ID)
	})
	if err != nil {
		return nil, err
	}
	return newObjectOutput(r.ContainerRegistry), nil
}

func (s *Server) getContainerRegistry(ctx context.Context, in *RegistryPath) (*objectOutput[api.ContainerRegistry], error) {
	r, err := s.loadRegistry(ctx, s.reader, in.OrgID, in.RegistryID)
	if err != nil {
		return nil, err
	}
	return newObjectOutput(r.ContainerRegistry), nil
}

type updateContainerRegistryInput struct {
	RegistryPath
	IfMatchHeader
	Body api.ContainerRegistryUpdate
}

func (s *Server) updateContainerRegistry(ctx context.Context, in *updateContainerRegistryInput) (*objectOutput[api.ContainerRegistry], error) {
	b := in.Body
	var out api.ContainerRegistry
	err := s.writeOrg(ctx, func(tx *sql.Tx, a access) error {
		cur, err := s.loadRegistry(ctx, tx, a.orgID, in.RegistryID)
		if err != nil {
			return err
		}
		if err := checkIfMatch(in.IfMatch, cur.ContainerRegistry); err != nil {
			return err
		}
		next := cur
		set := func(dst *string, v *string) {
			if v != nil {
				*dst = *v
			}
		}
		set(&next.Name, b.Name)
		set(&next.URL, b.URL)
		set(&next.Description, b.Description)
		set(&next.Username, b.Username)
		set(&next.Password, b.Password)
		set(&next.AccessKeyID, b.AccessKeyID)
		set(&next.SecretAccessKey, b.SecretAccessKey)
		if err := validateRegistry(next); err != nil {
			return err
		}
		if next == cur {
			out = cur.ContainerRegistry
			return nil
		}
		next.UpdatedAt = s.now().UTC()
		if _, err := tx.ExecContext(ctx, `UPDATE container_registries SET name = ?, url = ?, description = ?, username = ?, password = ?,
				access_key_id = ?, secret_access_key = ?, updated_at = ? WHERE id = ?`,
			next.Name, next.URL, next.Description, next.Username,
			s.sealer.Seal(next.Password, registrySecretContext(cur.ID, "password")), next.AccessKeyID,
			s.sealer.Seal(next.SecretAccessKey, registrySecretContext(cur.ID, "secret_access_key")),
			store.FormatTime(next.UpdatedAt), cur.ID); err != nil {
			return fmt.Errorf("update container registry: %w", err)
		}
		out = next.ContainerRegistry
		return s.record(ctx, tx, a.orgID, "container_registry.update", "container_registry", cur.ID)
	})
	if err != nil {
		return nil, err
	}
	return newObjectOutput(out), nil
}

func (s *Server) deleteContainerRegistry(ctx context.Context, in *RegistryPath) (*struct{}, error) {
	return nil, s.deleteOrgObject(ctx, registryObject, in.RegistryID)
}

// registrySecretContext is where a registry secret is stored, which its sealing is bound to.
func registrySecretContext(registryID, column string) string {
	return "container_registries/" + registryID + "/" + column
}

// sealLegacySecrets seals the registry secrets of rows written before sealing existed. secure_delete
// has SQLite overwrite the plaintext it frees, and the checkpoint moves the change out of the
// write-ahead log, so the old values do not linger on disk.
func (s *Server) sealLegacySecrets(ctx context.Context) error {
	found, err := registrySecrets(ctx, s.db.Writer,
		`WHERE (password != '' AND password NOT LIKE 'sealed:%') OR (secret_access_key != '' AND secret_access_key NOT LIKE 'sealed:%')`)
	if err != nil {
		return fmt.Errorf("find unsealed registry secrets: %w", err)
	}
	if len(found) == 0 {
		return nil
	}
	if _, err := s.db.Writer.ExecContext(ctx, `PRAGMA secure_delete = ON`); err != nil {
		return err
	}
	err = s.write(ctx, func(tx *sql.Tx) error {
		for _, r := range found {
			if err := resealRegistry(ctx, tx, r, s.sealer, s.sealer); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	_, err = s.db.Writer.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`)
	return err
}

// registrySecret is a registry's stored secrets, sealed or (written before sealing existed) not.
type registrySecret struct{ id, password, secret string }

// registrySecrets reads the stored secrets of the registries that where (a WHERE clause, or "") keeps.
func registrySecrets(ctx context.Context, q querier, where string) ([]registrySecret, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, password, secret_access_key FROM container_registries `+where)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var found []registrySecret
	for rows.Next() {
		var r registrySecret
		if err := rows.Scan(&r.id, &r.password, &r.secret); err != nil {
			return nil, err
		}
		found = append(found, r)
	}
	return found, rows.Err()
}

// resealRegistry writes r's secrets sealed with to: a sealed one is first opened with from, one stored
// before sealing existed is taken as it is.
func resealRegistry(ctx context.Context, tx *sql.Tx, r registrySecret, from, to *seal.Sealer) error {
	reseal := func(stored, column string) (string, error) {
		if stored == "" {
			return "", nil
		}
		context := registrySecretContext(r.id, column)
		plain := stored
		if strings.HasPrefix(stored, seal.Prefix) {
			opened, err := from.Open(stored, context)
			if err != nil {
				return "", fmt.Errorf("registry %s: %w", r.id, err)
			}
			plain = opened
		}
		return to.Seal(plain, context), nil
	}
	password, err := reseal(r.password, "password")
	if err != nil {
		return err
	}
	secret, err := reseal(r.secret, "secret_access_key")
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE container_registries SET password = ?, secret_access_key = ? WHERE id = ?`, password, secret, r.id); err != nil {
		return fmt.Errorf("seal the secrets of registry %s: %w", r.id, err)
	}
	return nil
}
