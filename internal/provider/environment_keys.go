package provider

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
)

// environment_roles are keyed by the environment's slug, so that a reviewer reads in a plan which
// environment a change is about; the API keys them by environment id. These turn one into the other,
// through the organization's environments listing (one read per organization per run).

// environmentIndex is an organization's environments by slug and by id, for environment_roles, whose
// keys are slugs (or ids).
type environmentIndex struct{ bySlug, byID map[string]api.Environment }

func (d *providerData) environments(ctx context.Context, orgID string) (environmentIndex, error) {
	envs, err := d.listings.Environments.All(ctx, orgID)
	if err != nil {
		return environmentIndex{}, err
	}
	idx := environmentIndex{bySlug: map[string]api.Environment{}, byID: map[string]api.Environment{}}
	for _, e := range envs {
		idx.bySlug[e.Slug], idx.byID[e.ID] = e, e
	}
	return idx, nil
}

// lookup finds the environment a key of environment_roles names, by slug or by id.
func (x environmentIndex) lookup(key string) (api.Environment, bool) {
	if e, ok := x.bySlug[key]; ok {
		return e, true
	}
	e, ok := x.byID[key]
	return e, ok
}

func (x environmentIndex) slugs() []string {
	out := slices.Sorted(maps.Keys(x.bySlug))
	if len(out) == 0 {
		return []string{"(none)"}
	}
	return out
}

// environmentRolesByID is environment_roles as the API takes it: keyed by environment id.
func (d *providerData) environmentRolesByID(ctx context.Context, orgID string, m types.Map) (map[string]api.EnvironmentRole, diag.Diagnostics) {
	roles, diags := environmentRoles(ctx, m)
	if diags.HasError() || len(roles) == 0 {
		return roles, diags
	}
	idx, err := d.environments(ctx, orgID)
	if err != nil {
		diags.Append(apiErrorDiagnostic(fmt.Sprintf("list the environments of organization %s", orgID), err))
		return nil, diags
	}
	out := make(map[string]api.EnvironmentRole, len(roles))
	for key, role := range roles {
		e, ok := idx.lookup(key)
		if !ok {
			diags.AddAttributeError(path.Root("environment_roles").AtMapKey(key), "No such environment",
				fmt.Sprintf("Organization %s has no environment with the slug or id %q; its environments' slugs are: %s.", orgID, key, strings.Join(idx.slugs(), ", ")))
			continue
		}
		out[e.ID] = role
	}
	return out, diags
}

// environmentKeys turns the server's environment roles (by id) into the keys the state holds: the
// key the prior state or plan used for the same environment (an id stays an id), else its slug, as an
// import and generated configuration write them.
func (d *providerData) environmentKeys(ctx context.Context, orgID string, prior types.Map, byID map[string]api.EnvironmentRole) (map[string]api.EnvironmentRole, diag.Diagnostics) {
	if len(byID) == 0 {
		return byID, nil
	}
	idx, err := d.environments(ctx, orgID)
	if err != nil {
		return nil, diag.Diagnostics{apiErrorDiagnostic(fmt.Sprintf("list the environments of organization %s", orgID), err)}
	}
	used := map[string]bool{}
	if !prior.IsNull() && !prior.IsUnknown() {
		for key := range prior.Elements() {
			if e, ok := idx.lookup(key); ok && key == e.ID {
				used[e.ID] = true
			}
		}
	}
	out := make(map[string]api.EnvironmentRole, len(byID))
	for id, role := range byID {
		e, ok := idx.byID[id]
		if !ok || used[id] || e.Slug == "" {
			out[id] = role
			continue
		}
		out[e.Slug] = role
	}
	return out, nil
}

// checkEnvironmentKeys refuses, at plan time, a key of environment_roles that names no environment of
// the organization, once, naming the key and the slugs there are. Unknown keys (an environment this
// plan creates, by its slug attribute) wait for apply.
func (d *providerData) checkEnvironmentKeys(ctx context.Context, orgID string, envRoles types.Map, resp *resource.ModifyPlanResponse) {
	if envRoles.IsNull() || envRoles.IsUnknown() || len(envRoles.Elements()) == 0 || d.listings == nil {
		return
	}
	idx, err := d.environments(ctx, orgID)
	if err != nil {
		tflog.Debug(ctx, "could not list the organization's environments to check environment_roles at plan time", map[string]any{"error": err.Error()})
		return
	}
	for _, key := range slices.Sorted(maps.Keys(envRoles.Elements())) {
		if _, ok := idx.lookup(key); !ok {
			resp.Diagnostics.AddAttributeError(path.Root("environment_roles").AtMapKey(key), "No such environment",
				fmt.Sprintf("Organization %s has no environment with the slug or id %q; its environments' slugs are: %s. "+
					"For an environment this configuration creates, use its slug attribute (orgs_environment.<name>.slug) as the key, so the plan waits for it.",
					orgID, key, strings.Join(idx.slugs(), ", ")))
		}
	}
}

// withEnvironmentSlugs is members with their environment roles keyed by slug, for generated
// configuration.
func (d *providerData) withEnvironmentSlugs(ctx context.Context, orgID string, members []api.Member) ([]api.Member, error) {
	out := make([]api.Member, len(members))
	for i, m := range members {
		keyed, diags := d.environmentKeys(ctx, orgID, types.MapNull(types.StringType), m.EnvironmentRoles)
		if diags.HasError() {
			return nil, fmt.Errorf("key the environment roles of %s by slug: %s", m.Email, diags.Errors()[0].Detail())
		}
		m.EnvironmentRoles = keyed
		out[i] = m
	}
	return out, nil
}
