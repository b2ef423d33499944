package api

import (
	"fmt"
	"strings"
	"time"
)

// Limits are the most of each quantity an organization on a plan may hold.
type Limits struct {
	Members             int64
	Environments        int64
	APITokens           int64
	ContainerRegistries int64
	Labels              int64
	Teams               int64
}

// PlanLimits is the one table of plan limits; the server enforces it and the docs quote it.
var PlanLimits = map[Plan]Limits{
	PlanHobby:      {Members: 1, Environments: 1, APITokens: 2, ContainerRegistries: 1, Labels: 10, Teams: 1},
	PlanStarter:    {Members: 3, Environments: 2, APITokens: 5, ContainerRegistries: 3, Labels: 25, Teams: 3},
	PlanStartup:    {Members: 6, Environments: 5, APITokens: 10, ContainerRegistries: 5, Labels: 50, Teams: 10},
	PlanTeam:       {Members: 100, Environments: 20, APITokens: 50, ContainerRegistries: 20, Labels: 200, Teams: 50},
	PlanEnterprise: {Members: 10000, Environments: 100, APITokens: 500, ContainerRegistries: 100, Labels: 1000, Teams: 500},
}

// MaxOrganizationsPerUser is how many organizations one user may be an active member of.
const MaxOrganizationsPerUser = 5

// MaxPersonalTokensPerUser is how many personal access tokens one user may hold.
const MaxPersonalTokensPerUser = 50

// InvitationResendInterval is how long a pending invitation must wait between two sends: an
// invitation's email cannot be turned into a way to flood someone's mailbox. An expired invitation
// may be re-sent at once (that is how it becomes acceptable again), at most once per lifetime.
const InvitationResendInterval = 10 * time.Minute

// DeclineCooldown is how long after a user declines a membership the organization may not add or
// invite them again: a declined request is an answer, and must not be asked again and again.
const DeclineCooldown = 7 * 24 * time.Hour

// MinBootstrapTokenLength is the shortest bootstrap token the server accepts: a personal token given
// from outside must be as hard to guess as the ones the server makes.
const MinBootstrapTokenLength = 32

// Quantity returns the limit for a quantity name (QuantityMembers, ...).
func (l Limits) Quantity(name string) int64 {
	switch name {
	case QuantityMembers:
		return l.Members
	case QuantityEnvironments:
		return l.Environments
	case QuantityAPITokens:
		return l.APITokens
	case QuantityContainerRegistries:
		return l.ContainerRegistries
	case QuantityLabels:
		return l.Labels
	case QuantityTeams:
		return l.Teams
	}
	return 0
}

// Quantities lists the quantity names in the order Usage reports them.
var Quantities = []string{QuantityMembers, QuantityEnvironments, QuantityAPITokens, QuantityContainerRegistries, QuantityLabels, QuantityTeams}

// PlanThatFits names the smallest plan that allows members members, for the refusals of the server
// and of the provider's plan-time checks alike.
func PlanThatFits(members int64) string {
	for _, p := range Plans {
		if limit := PlanLimits[p].Members; limit >= members {
			return fmt.Sprintf("Plan %q allows %s: change the organization's plan first.", p, CountOf(limit, "member"))
		}
	}
	return "No plan allows that many members."
}

// CountOf is n of word, in the plural unless n is 1: "1 member", "3 members".
func CountOf(n int64, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// DescribeSeats says what holds an organization's seats, as refusals and plans show it:
// "3 seats: 1 active member, 1 pending membership, 1 pending invitation".
func DescribeSeats(s Seats) string {
	var parts []string
	for _, c := range []struct {
		n    int64
		what string
	}{{s.Active, "active member"}, {s.Pending, "pending membership"}, {s.Invited, "invited address"}, {s.Invitations, "pending invitation"}} {
		if c.n > 0 {
			parts = append(parts, CountOf(c.n, c.what))
		}
	}
	if len(parts) == 0 {
		return "no seats taken"
	}
	return CountOf(s.Total(), "seat") + ": " + strings.Join(parts, ", ")
}
