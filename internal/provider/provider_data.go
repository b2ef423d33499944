package provider

import (
	"context"
	"maps"
	"sync"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
	"github.com/orgs-dev/terraform-provider-orgs/internal/client"
)

// providerData is what the provider's Configure hands to every resource, data source and ephemeral
// resource: the API client, the listings that every read of an organization-held object goes through
// (one read path, shared by all resources of the provider process, so a large organization is
// refreshed in a few list requests), and the coalesced writes (a large first apply is a few bulk
// requests).
type providerData struct {
	client   *client.Client
	listings *client.Listings
	// writes coalesces the creates, updates and deletes of members, invitations, labels and team
	// memberships that Terraform runs in parallel into bulk requests (one write path, like listings for
	// reads).
	writes *client.Writes
	// lastChanges says who last changed the objects a refresh found changed outside Terraform (drift.go).
	lastChanges *client.LastChanges
	// usages memoizes each organization's usage for plan-time limit checks: one read per organization
	// per run, however many objects are planned.
	usages *memo[api.Usage]
	// plannedPlans holds, by organization id, the plan an orgs_organization of this run is changing to
	// (planned before the members that refer to it), for the plan-time member limit.
	plannedPlans *sync.Map
	// ownerLosses holds, by organization, the active owners this run's plan removes, demotes or
	// replaces, so that the last-owner rule counts the whole plan and not one membership at a time.
	ownerLosses *ownerLosses
	// plannedTeams holds, by organization, the teams this run's plan creates, for the plan-time team
	// limit, which counts them all.
	plannedTeams *plannedSet
	// plannedMembers holds, by organization, the addresses (by email key) this run's plan adds as
	// members, so that a team membership of one of them is not reported as of a non-member.
	plannedMembers *plannedSet
	// currentUsers memoizes the user the credential acts as (key ""), for orgs_members' own-owner rule.
	currentUsers *memo[api.User]
	// memberManagers records, by organization, which of orgs_member and orgs_members this run plans, to
	// warn when both manage one organization.
	memberManagers *memberManagers
	// defaultOrganizationID is the provider's organization_id, for those that leave theirs out; "" for none.
	defaultOrganizationID string
}

func newProviderData(c *client.Client, defaultOrganizationID string) *providerData {
	return &providerData{
		client:                c,
		listings:              client.NewListings(c, client.ListingsConfig{}),
		writes:                client.NewWrites(c, client.WritesConfig{}),
		lastChanges:           client.NewLastChanges(c, 0),
		usages:                &memo[api.Usage]{},
		plannedPlans:          &sync.Map{},
		ownerLosses:           &ownerLosses{},
		plannedTeams:          &plannedSet{},
		plannedMembers:        &plannedSet{},
		currentUsers:          &memo[api.User]{},
		memberManagers:        &memberManagers{},
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

// ownerLosses are the owners a plan takes away, by organization: a set (by email key), so planning
// the same membership twice in one process counts it once.
type ownerLosses struct {
	mu    sync.Mutex
	byOrg map[string]map[string]string
}

// add records that the plan takes away the owner with key (spelled email) in orgID, and returns every
// owner the plan takes away there, by key.
func (o *ownerLosses) add(orgID, key, email string) map[string]string {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.byOrg == nil {
		o.byOrg = map[string]map[string]string{}
	}
	if o.byOrg[orgID] == nil {
		o.byOrg[orgID] = map[string]string{}
	}
	o.byOrg[orgID][key] = email
	return maps.Clone(o.byOrg[orgID])
}

// plannedSet is a set of keys per organization that a run's plan creates: planning the same object
// twice in one process counts it once.
type plannedSet struct {
	mu    sync.Mutex
	byOrg map[string]map[string]bool
}

// add records key in orgID and returns how many keys orgID has.
func (p *plannedSet) add(orgID, key string) int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.byOrg == nil {
		p.byOrg = map[string]map[string]bool{}
	}
	if p.byOrg[orgID] == nil {
		p.byOrg[orgID] = map[string]bool{}
	}
	p.byOrg[orgID][key] = true
	return int64(len(p.byOrg[orgID]))
}

func (p *plannedSet) has(orgID, key string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.byOrg[orgID][key]
}
