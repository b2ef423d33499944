package api

import "regexp"

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

// ActivityObjectTypes are the kinds of object the activity log names (ActivityEntry.ObjectType), the
// values object_type accepts.
var ActivityObjectTypes = []string{
	"organization", "member", "invitation", "api_token", "container_registry", "label", "environment", "domain",
}

// ActivityActionPattern is the form of every action the log records: <object_type>.<verb>.
var ActivityActionPattern = regexp.MustCompile(`^[a-z][a-z_]*\.[a-z][a-z_]*$`)
