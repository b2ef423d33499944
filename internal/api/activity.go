package api

import (
	"regexp"
	"slices"
	"strings"
)

// Filters of the activity listing (GET PathActivity), as query parameters. They combine: an entry is
// listed when it matches every filter given. A repeated parameter (object_type, object_id) matches any
// of its values.
const (
	QueryActivityObjectType = "object_type"
	QueryActivityObjectID   = "object_id"
	QueryActivityAction     = "action"
	QueryActivityActorType  = "actor_type"
	QueryActivityActorID    = "actor_id"
	QueryActivitySince      = "since" // RFC 3339; entries at or after it
	QueryActivityUntil      = "until" // RFC 3339; entries before it
)

// MaxActivityObjectIDs is how many object_id values one activity request may carry: enough for a
// refresh to ask about every object it found changed in one organization at once, few enough that
// the server's lookup stays a bounded set of index probes.
const MaxActivityObjectIDs = 100

// Actor types of ActivityEntry.ActorType.
const (
	ActorUser  = "user"
	ActorToken = "token"
)

// ActivityActions are the actions the activity log records, <object type>.<verb>: the one list that
// the server checks every entry against, webhooks subscribe to (WebhookEvents) and the object types
// derive from.
var ActivityActions = []string{
	"organization.create", "organization.update", "organization.plan_change",
	"member.create", "member.update", "member.delete", "member.leave", "member.accept", "member.decline", "member.resend",
	"invitation.create", "invitation.resend", "invitation.accept", "invitation.delete",
	"api_token.create", "api_token.update", "api_token.delete",
	"container_registry.create", "container_registry.update", "container_registry.delete",
	"label.create", "label.update", "label.delete",
	"environment.create", "environment.update", "environment.delete",
	"domain.create", "domain.verify", "domain.unverify", "domain.delete",
	"team.create", "team.update", "team.delete",
	"team_member.create", "team_member.update", "team_member.delete",
	"webhook.create", "webhook.update", "webhook.delete", "webhook.redeliver",
}

// ActivityObjectTypes are the kinds of object the activity log names (ActivityEntry.ObjectType), the
// values object_type accepts: the object types of ActivityActions, in their order.
var ActivityObjectTypes = func() []string {
	var types []string
	for _, a := range ActivityActions {
		t, _, _ := strings.Cut(a, ".")
		if !slices.Contains(types, t) {
			types = append(types, t)
		}
	}
	return types
}()

// ActivityActionPattern is the form of every action the log records: <object_type>.<verb>.
var ActivityActionPattern = regexp.MustCompile(`^[a-z][a-z_]*\.[a-z][a-z_]*$`)
