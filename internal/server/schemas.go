package server

import (
	"reflect"

	"github.com/danielgtaylor/huma/v2"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
)

// The wire types in internal/api use named string types for their enumerations (api.Role, api.Plan,
// ...), and internal/api does not depend on huma. The schema registry is told to describe each of those
// types with the schema of a stand-in type below, which lists the allowed values: the OpenAPI document
// shows them and huma rejects anything else with a 422 naming the field, before a handler runs.
func registerEnumSchemas(r huma.Registry) {
	r.RegisterTypeAlias(reflect.TypeFor[api.Role](), reflect.TypeFor[roleSchema]())
	r.RegisterTypeAlias(reflect.TypeFor[api.EnvironmentRole](), reflect.TypeFor[environmentRoleSchema]())
	r.RegisterTypeAlias(reflect.TypeFor[api.Plan](), reflect.TypeFor[planSchema]())
	r.RegisterTypeAlias(reflect.TypeFor[api.RegistryKind](), reflect.TypeFor[registryKindSchema]())
	r.RegisterTypeAlias(reflect.TypeFor[api.InvitationStatus](), reflect.TypeFor[invitationStatusSchema]())
	r.RegisterTypeAlias(reflect.TypeFor[api.EnvironmentStatus](), reflect.TypeFor[environmentStatusSchema]())
	r.RegisterTypeAlias(reflect.TypeFor[api.MemberStatus](), reflect.TypeFor[memberStatusSchema]())
	r.RegisterTypeAlias(reflect.TypeFor[api.TeamRole](), reflect.TypeFor[teamRoleSchema]())
}

func enumSchema[T ~string](description string, values []T) *huma.Schema {
	enum := make([]any, len(values))
	for i, v := range values {
		enum[i] = string(v)
	}
	return &huma.Schema{Type: huma.TypeString, Enum: enum, Description: description}
}

type (
	roleSchema              string
	environmentRoleSchema   string
	planSchema              string
	registryKindSchema      string
	invitationStatusSchema  string
	environmentStatusSchema string
	memberStatusSchema      string
	teamRoleSchema          string
)

func (teamRoleSchema) Schema(huma.Registry) *huma.Schema {
	return enumSchema("A person's role in a team: maintainers manage the team's membership.", api.TeamRoles)
}

func (memberStatusSchema) Schema(huma.Registry) *huma.Schema {
	return enumSchema("Whether a membership is in force (active) or waits for the user to accept it (pending).", api.MemberStatuses)
}

func (roleSchema) Schema(huma.Registry) *huma.Schema {
	return enumSchema("A role in an organization.", api.Roles)
}

func (environmentRoleSchema) Schema(huma.Registry) *huma.Schema {
	return enumSchema("What a member may do in one environment.", api.EnvironmentRoles)
}

func (planSchema) Schema(huma.Registry) *huma.Schema {
	return enumSchema("A subscription plan.", api.Plans)
}

func (registryKindSchema) Schema(huma.Registry) *huma.Schema {
	return enumSchema("The kind of container registry; ecr uses access keys, the others username and password.", api.RegistryKinds)
}

func (invitationStatusSchema) Schema(huma.Registry) *huma.Schema {
	return enumSchema("Where an invitation stands.", []api.InvitationStatus{api.InvitationPending, api.InvitationAccepted, api.InvitationExpired})
}

func (environmentStatusSchema) Schema(huma.Registry) *huma.Schema {
	return enumSchema("The connection status of the environment's agent.", []api.EnvironmentStatus{api.EnvironmentConnected, api.EnvironmentDisconnected})
}
