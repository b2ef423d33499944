package api

// Bulk writes: one request carries up to MaxBulkItems writes to one collection of one organization.
// Each item succeeds or fails on its own, with a problem document of its own; the request as a whole is
// idempotent under an Idempotency-Key, like every POST.
const (
	PathBulk            = PathOrganization + "/bulk"
	PathBulkMembers     = PathBulk + "/members"
	PathBulkInvitations = PathBulk + "/invitations"
	PathBulkLabels      = PathBulk + "/labels"
	PathBulkTeamMembers = PathTeam + "/bulk/members"
)

// MaxBulkItems is the most items one bulk request may carry.
const MaxBulkItems = 1000

// BulkOp is what one item of a bulk request does.
type BulkOp string

const (
	BulkCreate BulkOp = "create"
	BulkUpdate BulkOp = "update"
	BulkDelete BulkOp = "delete"
)

// BulkRequest is the body of a bulk request: C is the collection's create body, U its update body.
type BulkRequest[C, U any] struct {
	Items []BulkItem[C, U] `json:"items" minItems:"1" maxItems:"1000" doc:"The writes, applied in order; each succeeds or fails on its own."`
}

// BulkItem is one write: create carries Create; update carries Key and Update; delete carries Key. Key
// is what names the object in its own path (a member's email, a label's key, an invitation's id).
type BulkItem[C, U any] struct {
	Op     BulkOp `json:"op" enum:"create,update,delete"`
	Key    string `json:"key,omitempty" maxLength:"320" doc:"update and delete: the object, as its own path names it."`
	Create *C     `json:"create,omitempty" doc:"create: the object's create body."`
	Update *U     `json:"update,omitempty" doc:"update: the object's update body (a PATCH)."`
}

// BulkResponse answers a bulk request: one result per item, in the items' order.
type BulkResponse[T any] struct {
	Items []BulkResult[T] `json:"items"`
}

// BulkResult is one item's outcome: Status is the HTTP status the item would have had as a request of
// its own; Item is the object after a create or update; Problem says why the item failed.
type BulkResult[T any] struct {
	Status  int      `json:"status"`
	Item    *T       `json:"item,omitempty"`
	Problem *Problem `json:"problem,omitempty"`
}

// NoUpdate is the update body of a collection whose objects are never changed in place (invitations
// are resent or cancelled, not edited): an update item of its bulk endpoint fails on its own with a 422.
type NoUpdate struct{}

// BulkItemsPerRateToken is how many items of a bulk request cost the rate limiter as much as one
// request: a bulk request of n items costs BulkRequestCost(n) = ceil(n / BulkItemsPerRateToken), and at
// least one request. A small bulk (the coalesced writes of one apply step) costs what the one request
// it replaces costs, not more, so that coalescing never slows a paced client down.
const BulkItemsPerRateToken = 50

// BulkRequestCost is what a bulk request of n items takes from the caller's rate budget, in requests.
func BulkRequestCost(n int) int {
	return max(1, (max(n, 0)+BulkItemsPerRateToken-1)/BulkItemsPerRateToken)
}
