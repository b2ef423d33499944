package client

import (
	"context"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
)

// Domains are addressed by name, in its ASCII or Unicode form: the server compares them in their
// ASCII (IDNA) form, which is what it returns.

// CreateDomain claims a domain for the organization; it is pending until a DNS TXT record proves it.
func (c *Client) CreateDomain(ctx context.Context, orgID string, req api.DomainCreate) (*api.Domain, error) {
	return create[api.Domain](ctx, c, req, api.PathDomains, orgID)
}

func (c *Client) GetDomain(ctx context.Context, orgID, domain string) (*api.Domain, error) {
	return get[api.Domain](ctx, c, api.PathDomain, orgID, domain)
}

func (c *Client) ListDomains(ctx context.Context, orgID string) ([]api.Domain, error) {
	return list[api.Domain](ctx, c, api.PathDomains, orgID)
}

// DeleteDomain removes the organization's claim; no member is demoted.
func (c *Client) DeleteDomain(ctx context.Context, orgID, domain string) error {
	return c.delete(ctx, api.PathDomain, orgID, domain)
}

// VerifyDomain asks the server to look the domain's TXT record up now. A domain whose record does not
// hold the value yet is refused with an error for which IsDomainNotVerified is true; its detail names
// the record and what the lookup found. Checking twice does no more than checking once, so the call
// carries an Idempotency-Key and is retried like a create.
func (c *Client) VerifyDomain(ctx context.Context, orgID, domain string) (*api.Domain, error) {
	return create[api.Domain](ctx, c, nil, api.PathDomainVerify, orgID, domain)
}

// IsDomainNotVerified reports whether err is VerifyDomain's answer that the domain's TXT record does
// not prove it yet: the one conflict that route gives.
func IsDomainNotVerified(err error) bool { return ProblemType(err) == api.ProblemConflict }

// domainKey is the form Listings compares domains in: the server's, so that a Unicode or upper-case
// spelling finds the domain the server lists in its ASCII form. A name that is not a domain stays as
// it is (and finds nothing).
func domainKey(domain string) string {
	if key, err := api.DomainKey(domain); err == nil {
		return key
	}
	return domain
}
