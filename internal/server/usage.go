package server

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
)

func (s *Server) registerUsage(a huma.API) {
	register(a, s, operation(http.MethodGet, api.PathUsage, "get-usage", "Get the organization's plan and, for each limited quantity, used, limit and remaining", http.StatusOK,
		policy{org: true, roles: readersOfUsage, action: "read usage"}, "Usage"), s.getUsage)
}

// quantityTables says where each limited quantity is counted.
var quantityTables = map[string]string{
	api.QuantityMembers:             "members",
	api.QuantityEnvironments:        "environments",
	api.QuantityAPITokens:           "api_tokens",
	api.QuantityContainerRegistries: "container_registries",
	api.QuantityLabels:              "labels",
	api.QuantityTeams:               "teams",
}

// quantityNames are the quantities as error messages spell them.
var quantityNames = map[string]string{
	api.QuantityMembers:             "members",
	api.QuantityEnvironments:        "environments",
	api.QuantityAPITokens:           "API tokens",
	api.QuantityContainerRegistries: "container registries",
	api.QuantityLabels:              "labels",
	api.QuantityTeams:               "teams",
}

// countQuantity is how much of quantity the organization uses. Members are counted by seat
// (countSeats).
func (s *Server) countQuantity(ctx context.Context, q querier, orgID, quantity string) (int64, error) {
	if quantity == api.QuantityMembers {
		seats, err := s.countSeats(ctx, q, orgID, "")
		return seats.Total(), err
	}
	table, ok := quantityTables[quantity]
	if !ok {
		return 0, fmt.Errorf("unknown quantity %q", quantity)
	}
	query, args := `SELECT count(*) FROM `+table+` WHERE organization_id = ?`, []any{orgID}
	if quantity == api.QuantityAPITokens {
		// An expired token can do nothing and holds no slot: rotating a token leaves the old one listed
		// (expired) after its overlap, and that must not use up a small plan's limit.
		query += ` AND (expires_at IS NULL OR expires_at > ?)`
		args = append(args, s.nowText())
	}
	var n int64
	if err := q.QueryRowContext(ctx, query, args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("count %s: %w", quantity, err)
	}
	return n, nil
}

// countSeats is the one rule for what holds a seat of the plan's member limit: active memberships,
// invited and pending ones until they expire, and pending invitations until they expire (leaving out
// the invitation exceptInvitation). Declined and expired ones hold none. Usage reports the same
// counts, and the provider's plan-time check reads them there.
func (s *Server) countSeats(ctx context.Context, q querier, orgID, exceptInvitation string) (api.Seats, error) {
	var seats api.Seats
	now := s.nowText()
	err := q.QueryRowContext(ctx, `SELECT
		(SELECT count(*) FROM members WHERE organization_id = ? AND status = 'active'),
		(SELECT count(*) FROM members WHERE organization_id = ? AND status = 'pending' AND expires_at > ?),
		(SELECT count(*) FROM members WHERE organization_id = ? AND status = 'invited' AND expires_at > ?),
		(SELECT count(*) FROM invitations WHERE organization_id = ? AND accepted_at IS NULL AND expires_at > ? AND id != ?)`,
		orgID, orgID, now, orgID, now, orgID, now, exceptInvitation).Scan(&seats.Active, &seats.Pending, &seats.Invited, &seats.Invitations)
	if err != nil {
		return api.Seats{}, fmt.Errorf("count seats: %w", err)
	}
	return seats, nil
}

// checkSeat refuses one more membership or pending invitation when the plan's member limit is
// reached; exceptInvitation is an invitation whose seat the new one takes over (or ""). The refusal
// says what holds the seats and names a plan that fits.
func (s *Server) checkSeat(ctx context.Context, q querier, orgID, exceptInvitation string) error {
	plan, err := planOf(ctx, q, orgID)
	if err != nil {
		return err
	}
	seats, err := s.countSeats(ctx, q, orgID, exceptInvitation)
	if err != nil {
		return err
	}
	if limit := api.PlanLimits[plan].Members; seats.Total() >= limit {
		return errLimit("plan %q allows %s and the organization's seats are all taken: %s. %s",
			plan, api.CountOf(limit, "member"), api.DescribeSeats(seats), api.PlanThatFits(seats.Total()+1))
	}
	return nil
}

func planOf(ctx context.Context, q querier, orgID string) (api.Plan, error) {
	var plan api.Plan
	err := q.QueryRowContext(ctx, `SELECT plan FROM organizations WHERE id = ?`, orgID).Scan(&plan)
	if err == sql.ErrNoRows {
		return "", errOrganizationNotFound(orgID)
	}
	return plan, err
}

// checkLimit refuses adding one more of quantity when the plan's limit is reached.
func (s *Server) checkLimit(ctx context.Context, q querier, orgID, quantity string) error {
	if quantity == api.QuantityMembers {
		return s.checkSeat(ctx, q, orgID, "")
	}
	plan, err := planOf(ctx, q, orgID)
	if err != nil {
		return err
	}
	used, err := s.countQuantity(ctx, q, orgID, quantity)
	if err != nil {
		return err
	}
	if limit := api.PlanLimits[plan].Quantity(quantity); used >= limit {
		return errLimit("plan %q allows at most %d %s; the organization has %d", plan, limit, quantityNames[quantity], used)
	}
	return nil
}

// checkPlanFits refuses moving to a plan whose limits are below what the organization already holds.
func (s *Server) checkPlanFits(ctx context.Context, q querier, orgID string, plan api.Plan) error {
	limits := api.PlanLimits[plan]
	for _, quantity := range api.Quantities {
		used, err := s.countQuantity(ctx, q, orgID, quantity)
		if err != nil {
			return err
		}
		if limit := limits.Quantity(quantity); used > limit {
			return errLimit("cannot change to plan %q: it allows at most %d %s and the organization has %d; remove some first",
				plan, limit, quantityNames[quantity], used)
		}
	}
	return nil
}

func (s *Server) getUsage(ctx context.Context, in *OrgPath) (*objectOutput[api.Usage], error) {
	plan, err := planOf(ctx, s.reader, in.OrgID)
	if err != nil {
		return nil, err
	}
	u := api.Usage{OrganizationID: in.OrgID, Plan: plan, Quantities: []api.UsageQuantity{}}
	limits := api.PlanLimits[plan]
	for _, quantity := range api.Quantities {
		used, err := s.countQuantity(ctx, s.reader, in.OrgID, quantity)
		if err != nil {
			return nil, err
		}
		limit := limits.Quantity(quantity)
		q := api.UsageQuantity{Name: quantity, Used: used, Limit: limit, Remaining: max(limit-used, 0)}
		if quantity == api.QuantityMembers {
			seats, err := s.countSeats(ctx, s.reader, in.OrgID, "")
			if err != nil {
				return nil, err
			}
			q.Seats = &seats
		}
		u.Quantities = append(u.Quantities, q)
	}
	return newObjectOutput(u), nil
}
