package api

import "time"

// Teams: a team belongs to one organization and grants its members access by group. Its slug names it
// in paths and imports and never changes; its name may change. Team members are active members of the
// organization.
const (
	PathTeams           = PathOrganization + "/teams"
	PathTeam            = PathTeams + "/{team_slug}"
	PathTeamMembers     = PathTeam + "/members"
	PathTeamMember      = PathTeamMembers + "/{email}"
	PathTeamMemberships = PathOrganization + "/team-memberships" // GET: every team membership of the organization, paged (refresh in a few requests)
)

// TeamRole is a person's role in a team: maintainers manage the team's membership.
type TeamRole string

const (
	TeamRoleMaintainer TeamRole = "maintainer"
	TeamRoleMember     TeamRole = "member"
)

var TeamRoles = []TeamRole{TeamRoleMaintainer, TeamRoleMember}

// TeamGrantRoles are the organization roles a team may grant its members: never owner.
var TeamGrantRoles = []Role{RoleAdmin, RoleMember, RoleBiller}

type Team struct {
	ID             string `json:"id" readOnly:"true"`
	OrganizationID string `json:"organization_id" readOnly:"true"`
	Name           string `json:"name" doc:"Unique in the organization, compared without regard to case."`
	Slug           string `json:"slug" doc:"Names the team in paths; unique in the organization; never changes."`
	Description    string `json:"description"`
	// Role is the organization role the team grants its members on top of their own; empty: none.
	Role             Role                       `json:"role" enum:",admin,member,biller" doc:"The organization role the team grants its members (admin, member or biller; never owner), or empty for none. A member's rights are those of their own role and of every team grant."`
	EnvironmentRoles map[string]EnvironmentRole `json:"environment_roles" doc:"Environment id to the role the team grants its members there."`
	CreatedAt        time.Time                  `json:"created_at" readOnly:"true"`
	UpdatedAt        time.Time                  `json:"updated_at" readOnly:"true"`
}

type TeamCreate struct {
	Name             string                     `json:"name" minLength:"1" maxLength:"100"`
	Slug             string                     `json:"slug,omitempty" maxLength:"63" doc:"Derived from the name when absent; unique in the organization."`
	Description      string                     `json:"description,omitempty" maxLength:"1000"`
	Role             Role                       `json:"role,omitempty" enum:",admin,member,biller" doc:"admin, member or biller; empty for none."`
	EnvironmentRoles map[string]EnvironmentRole `json:"environment_roles,omitempty"`
}

// TeamUpdate is a PATCH; EnvironmentRoles, when present, replaces the whole map; Role "" removes the grant.
type TeamUpdate struct {
	Name             *string                     `json:"name,omitempty" minLength:"1" maxLength:"100"`
	Description      *string                     `json:"description,omitempty" maxLength:"1000"`
	Role             *Role                       `json:"role,omitempty" enum:",admin,member,biller" doc:"admin, member or biller; empty removes the grant."`
	EnvironmentRoles *map[string]EnvironmentRole `json:"environment_roles,omitempty"`
}

// TeamMember is one person's membership of one team.
type TeamMember struct {
	OrganizationID string    `json:"organization_id" readOnly:"true"`
	TeamSlug       string    `json:"team_slug" readOnly:"true"`
	UserID         string    `json:"user_id" readOnly:"true"`
	Email          string    `json:"email"`
	Role           TeamRole  `json:"role"`
	CreatedAt      time.Time `json:"created_at" readOnly:"true"`
}

type TeamMemberCreate struct {
	Email string   `json:"email" maxLength:"254"`
	Role  TeamRole `json:"role,omitempty" doc:"maintainer or member (the default)."`
}

type TeamMemberUpdate struct {
	Role *TeamRole `json:"role,omitempty"`
}

// QuantityTeams is the plan quantity of teams.
const QuantityTeams = "teams"
