package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
	"github.com/orgs-dev/terraform-provider-orgs/internal/provider/emailtype"
)

// The data sources and list resources of teams, made from the generic types in data_sources.go and
// list_resources.go, reading through the shared listings.

var teamItems = []itemAttr[api.Team]{
	stringItem("id", "The team's id.", func(t *api.Team) string { return t.ID }),
	stringItem("name", "The team's name.", func(t *api.Team) string { return t.Name }),
	stringItem("slug", "The team's slug, unique in the organization; `orgs_team_member.team_slug` and imports name the team by it.", func(t *api.Team) string { return t.Slug }),
	stringItem("description", "What the team is for; `\"\"` for nothing.", func(t *api.Team) string { return t.Description }),
	nullableStringItem("role", "The organization role the team grants its members: "+markdownList(api.TeamGrantRoles)+"; null for none.",
		func(t *api.Team) types.String { return teamState(t, timeouts.Value{}).Role }),
	valueItem("environment_roles",
		schema.MapAttribute{
			MarkdownDescription: "What the team's members may do in each environment: environment id to " + markdownList(api.EnvironmentRoles) + ".",
			Computed:            true,
			ElementType:         types.StringType,
		},
		func(t *api.Team) attr.Value { return teamState(t, timeouts.Value{}).EnvironmentRoles }),
	nullableStringItem("created_at", "When the team was created (RFC 3339).", func(t *api.Team) types.String { return timeValue(t.CreatedAt) }),
}

func teamDataSource() *objectDataSource[api.Team] {
	return &objectDataSource[api.Team]{
		typeName:       "_team",
		description:    "One team of an organization, found by slug. Reading a team that does not exist fails.",
		inOrganization: true,
		orgDescription: "The organization the team belongs to.",
		key:            "slug",
		keyArg: schema.StringAttribute{
			MarkdownDescription: "The team's slug.",
			Required:            true,
		},
		noun:  "team",
		items: teamItems,
		read: func(ctx context.Context, d providerData, orgID, slug string) (*api.Team, error) {
			return d.listings.Teams.Get(ctx, orgID, slug)
		},
	}
}

func teamsDataSource() *collectionDataSource[api.Team] {
	return &collectionDataSource[api.Team]{
		typeName:       "_teams",
		description:    "The teams of an organization, optionally only those that grant one organization role. Manage one with the `orgs_team` resource.",
		inOrganization: true,
		orgDescription: "The organization whose teams to read.",
		attribute:      "teams",
		noun:           "team",
		plural:         "teams",
		itemsDoc:       "The teams, in the order the API lists them (oldest first).",
		filters:        []listFilter[api.Team]{teamRoleFilter},
		items:          teamItems,
		all: func(ctx context.Context, d providerData, orgID string) ([]api.Team, error) {
			return d.listings.Teams.All(ctx, orgID)
		},
	}
}

var (
	teamRoleFilter = listFilter[api.Team]{
		name: "role", description: "Only teams that grant this organization role", values: stringsOf(api.TeamGrantRoles),
		field: func(t *api.Team) string { return string(t.Role) },
	}
	teamMemberRoleFilter = listFilter[api.TeamMember]{
		name: "role", description: "Only team members with this team role", values: stringsOf(api.TeamRoles),
		field: func(m *api.TeamMember) string { return string(m.Role) },
	}
)

func teamListResource() *listResource[api.Team, teamModel] {
	return &listResource[api.Team, teamModel]{
		typeName:       "_team",
		description:    "Lists the teams of an organization.",
		inOrganization: true,
		filters:        []listFilter[api.Team]{teamRoleFilter},
		all: func(ctx context.Context, d providerData, orgID string) ([]api.Team, error) {
			teams, err := d.listings.Teams.All(ctx, orgID)
			if err != nil {
				return nil, err
			}
			return d.teamsWithEnvironmentSlugs(ctx, orgID, teams)
		},
		state:    teamState,
		display:  func(t *api.Team) string { return fmt.Sprintf("%s (%s)", t.Name, t.Slug) },
		identity: teamIdentity,
	}
}

func teamMemberListResource() *listResource[api.TeamMember, teamMemberModel] {
	return &listResource[api.TeamMember, teamMemberModel]{
		typeName:       "_team_member",
		description:    "Lists the team memberships of an organization, of every team: one result per person in a team.",
		inOrganization: true,
		filters:        []listFilter[api.TeamMember]{teamMemberRoleFilter},
		all: func(ctx context.Context, d providerData, orgID string) ([]api.TeamMember, error) {
			return d.listings.TeamMembers.All(ctx, orgID)
		},
		state: func(m *api.TeamMember, noTimeouts timeouts.Value) teamMemberModel {
			return teamMemberState(emailtype.NewNull(), m, noTimeouts)
		},
		display:  func(m *api.TeamMember) string { return fmt.Sprintf("%s in %s (%s)", m.Email, m.TeamSlug, m.Role) },
		identity: teamMemberIdentity,
	}
}

// teamRoster is one team's whole membership, as orgs_team_members holds it.
type teamRoster struct {
	organizationID, slug string
	members              map[string]api.TeamRole
}

// teamRosters are every team of orgID with its members: two listings, whatever the number of teams.
func (d *providerData) teamRosters(ctx context.Context, orgID string) ([]teamRoster, error) {
	teams, err := d.listings.Teams.All(ctx, orgID)
	if err != nil {
		return nil, err
	}
	memberships, err := d.listings.TeamMembers.All(ctx, orgID)
	if err != nil {
		return nil, err
	}
	rosters := make([]teamRoster, len(teams))
	index := make(map[string]int, len(teams))
	for i, t := range teams {
		rosters[i] = teamRoster{organizationID: orgID, slug: t.Slug, members: map[string]api.TeamRole{}}
		index[t.Slug] = i
	}
	for _, m := range memberships {
		if i, ok := index[m.TeamSlug]; ok {
			rosters[i].members[m.Email] = m.Role
		}
	}
	return rosters, nil
}

func teamMembersListResource() *listResource[teamRoster, teamMembersModel] {
	return &listResource[teamRoster, teamMembersModel]{
		typeName: "_team_members",
		description: "Lists the teams of an organization, each with its whole membership, as `orgs_team_members` holds it. " +
			"Generate configuration from this one or from `orgs_team_member`, not both: a team's membership is managed one way or the other.",
		inOrganization: true,
		all: func(ctx context.Context, d providerData, orgID string) ([]teamRoster, error) {
			return d.teamRosters(ctx, orgID)
		},
		state: func(r *teamRoster, noTimeouts timeouts.Value) teamMembersModel {
			return teamMembersModel{
				ID:             types.StringValue(r.organizationID + "/" + r.slug),
				OrganizationID: types.StringValue(r.organizationID),
				TeamSlug:       types.StringValue(r.slug),
				Members:        teamRolesValue(r.members),
				Timeouts:       noTimeouts,
			}
		},
		display: func(r *teamRoster) string {
			return fmt.Sprintf("%s (%s)", r.slug, api.CountOf(int64(len(r.members)), "member"))
		},
		identity: teamMembersIdentity,
	}
}
