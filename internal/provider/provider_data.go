package provider

import (
	"context"
	"sync"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
	"github.com/orgs-dev/terraform-provider-orgs/internal/client"
)

// providerData is what the provider's Configure hands to every resource, data source and ephemeral
// resource: the API client, and the listings that every read of an organization-held object goes
// through (one read path, shared by all resources of the provider process, so a large organization is
// refreshed in a few list requests).
type providerData struct {
	client   *client.Client
	listings *client.Listings
	// usages memoizes each organization's usage for plan-time limit checks: one read per organization
	// per run, however many objects are planned.
	usages *memo[api.Usage]
	// plannedPlans holds, by organization id, the plan an orgs_organization of this run is changing to
	// (planned before the members that refer to it), for the plan-time member limit.
	plannedPlans *sync.Map
	// defaultOrganizationID is the provider's organization_id, for those that leave theirs out; "" for none.
	defaultOrganizationID string
}

func newProviderData(c *client.Client, defaultOrganizationID string) *providerData {
	return &providerData{
		client:                c,
		listings:              client.NewListings(c, client.ListingsConfig{}),
		usages:                &memo[api.Usage]{},
		plannedPlans:          &sync.Map{},
		defaultOrganizationID: defaultOrganizationID,
	}
}

// usage is the organization's usage, read once per run.
func (d *providerData) usage(ctx context.Context, orgID string) (*api.Usage, error) {
	return d.usages.get(orgID, func() (*api.Usage, error) { return d.client.GetUsage(ctx, orgID) })
}

// memo keeps the first successful result of fetch per key; a failure is not kept, so the next call
// tries again.
type memo[T any] struct {
	mu   sync.Mutex
	done map[string]*T
}

func (m *memo[T]) get(key string, fetch func() (*T, error)) (*T, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if v, ok := m.done[key]; ok {
		return v, nil
	}
	v, err := fetch()
	if err != nil {
		return nil, err
	}
	if m.done == nil {
		m.done = map[string]*T{}
	}
	m.done[key] = v
	return v, nil
}
