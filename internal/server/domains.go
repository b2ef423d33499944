package server

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
	"github.com/orgs-dev/terraform-provider-orgs/internal/server/store"
)

// Verified domains. An organization claims a domain and proves it owns it with a DNS TXT record; a
// proven account whose address is in one of its verified domains then joins at once when added
// (joiningStatus). Nothing else is granted by a domain, removing one demotes no one, and a domain is
// verified for one organization at a time: proving it for another takes it from the first.
//
// The server checks a domain when asked (POST .../verify), and checks pending domains itself every
// Config.DomainCheckInterval, so a plan shows a domain verified soon after its record appears. A DNS
// lookup never runs inside a write transaction: the writer is never held waiting for the network.

// DefaultDomainCheckInterval is how often pending domains are checked when Config.DomainCheckInterval is 0.
const DefaultDomainCheckInterval = time.Minute

// domainCheckerActor is who the activity log names for what the server's own checks of domains
// change: actor type "user" with the id ServerActor, as OperatorActor names an operator.
var domainCheckerActor = [2]string{"user", ServerActor}

// domainCheckBatch bounds how many pending domains one round of checks looks up.
const domainCheckBatch = 50

// verificationRecordPrefix is the label before the domain in the TXT record's name.
const verificationRecordPrefix = "_orgs-verification."

func (s *Server) registerDomains(a huma.API) {
	const tag = "Domains"
	read := policy{org: true, roles: readersOfData, action: "read domains"}
	write := func(action string) policy { return policy{org: true, roles: ownerAdmin, action: action} }
	register(a, s, operation(http.MethodGet, api.PathDomains, "list-domains", "List the organization's domains, verified or pending", http.StatusOK,
		read, tag), s.listDomains)
	register(a, s, operation(http.MethodPost, api.PathDomains, "create-domain", "Claim a domain; it is verified once a DNS TXT record proves it", http.StatusCreated,
		write("claim domains"), tag), s.createDomain)
	register(a, s, operation(http.MethodGet, api.PathDomain, "get-domain", "Get a domain (its ASCII form)", http.StatusOK,
		read, tag), s.getDomain)
	register(a, s, operation(http.MethodPost, api.PathDomainVerify, "verify-domain", "Check the domain's TXT record now; verified when it holds the value", http.StatusOK,
		policy{org: true, roles: ownerAdmin, action: "verify domains"}, tag), s.verifyDomain)
	register(a, s, operation(http.MethodDelete, api.PathDomain, "delete-domain", "Remove a domain; no member is demoted", http.StatusNoContent,
		write("remove domains"), tag), s.deleteDomain)
}

type DomainPath struct {
	OrgPath
	Domain string `path:"domain" maxLength:"253" doc:"The domain, in its ASCII or Unicode form."`
}

const domainColumns = `seq, id, organization_id, domain, token, status, verified_at, created_at`

func scanDomain(row rowScanner) (api.Domain, int64, error) {
	var d api.Domain
	var seq int64
	var token, created string
	var verified sql.NullString
	if err := row.Scan(&seq, &d.ID, &d.OrganizationID, &d.Domain, &token, &d.Status, &verified, &created); err != nil {
		return api.Domain{}, 0, err
	}
	d.VerificationRecordName = verificationRecordPrefix + d.Domain
	d.VerificationRecordValue = verificationValue(token)
	d.VerifiedAt, d.CreatedAt = parseNullTime(verified), parseTime(created)
	return d, seq, nil
}

func verificationValue(token string) string { return "orgs-domain-verification=" + token }

func (s *Server) loadDomain(ctx context.Context, q querier, orgID, domain string) (api.Domain, error) {
	key, err := api.DomainKey(domain)
	if err != nil {
		return api.Domain{}, errNotFound("domain %q not found: %v", domain, err)
	}
	d, _, err := scanDomain(q.QueryRowContext(ctx, `SELECT `+domainColumns+` FROM domains WHERE organization_id = ? AND domain = ?`, orgID, key))
	if errors.Is(err, sql.ErrNoRows) {
		return api.Domain{}, errNotFound("domain %q not found", domain)
	}
	return d, err
}

// inVerifiedDomain reports whether email is in one of the organization's verified domains.
func inVerifiedDomain(ctx context.Context, q querier, orgID, email string) (bool, error) {
	at := strings.LastIndexByte(email, '@')
	key, err := api.DomainKey(email[at+1:])
	if at < 0 || err != nil {
		return false, nil //nolint:nilerr // an address whose domain is not valid is in no verified domain
	}
	var found bool
	err = q.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM domains WHERE organization_id = ? AND domain = ? AND status = 'verified')`, orgID, key).Scan(&found)
	return found, err
}

type listDomainsInput struct {
	OrgPath
	PageParams
}

func (s *Server) listDomains(ctx context.Context, in *listDomainsInput) (*pageOutput[api.Domain], error) {
	after, err := in.cursor()
	if err != nil {
		return nil, err
	}
	items, seqs, err := queryPage(ctx, s.reader, scanDomain, `SELECT `+domainColumns+` FROM domains WHERE organization_id = ? AND seq > ? ORDER BY seq LIMIT ?`,
		in.OrgID, after, in.PageSize+1)
	if err != nil {
		return nil, err
	}
	return &pageOutput[api.Domain]{Body: page(items, seqs, in.PageSize)}, nil
}

type createDomainInput struct {
	OrgPath
	IdempotencyHeader
	Body api.DomainCreate
}

func (s *Server) createDomain(ctx context.Context, in *createDomainInput) (*objectOutput[api.Domain], error) {
	key, err := api.DomainKey(in.Body.Domain)
	if err != nil {
		return nil, invalidField("domain", err)
	}
	var d api.Domain
	err = s.writeOrg(ctx, func(tx *sql.Tx, a access) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM domains WHERE organization_id = ?`, a.orgID).Scan(&n); err != nil {
			return err
		}
		if n >= api.MaxDomainsPerOrganization {
			return errLimit("an organization may claim at most %d domains; it has %d", api.MaxDomainsPerOrganization, n)
		}
		id := newID(prefixDomain)
		_, err := tx.ExecContext(ctx, `INSERT INTO domains (id, organization_id, domain, token, status, created_at) VALUES (?, ?, ?, ?, 'pending', ?)`,
			id, a.orgID, key, randomString(32), s.nowText())
		if store.IsUniqueViolation(err) {
			return errConflict("the organization already claims the domain %s", key)
		}
		if err != nil {
			return fmt.Errorf("insert domain: %w", err)
		}
		if err := s.record(ctx, tx, a.orgID, "domain.create", "domain", id); err != nil {
			return err
		}
		d, err = s.loadDomain(ctx, tx, a.orgID, key)
		return err
	})
	if err != nil {
		return nil, err
	}
	return newObjectOutput(d), nil
}

func (s *Server) getDomain(ctx context.Context, in *DomainPath) (*objectOutput[api.Domain], error) {
	d, err := s.loadDomain(ctx, s.reader, in.OrgID, in.Domain)
	if err != nil {
		return nil, err
	}
	return newObjectOutput(d), nil
}

// verifyDomain looks the domain's TXT record up (before its write begins), and marks it verified when
// the record holds the value; the answer says what was found when it does not.
func (s *Server) verifyDomain(ctx context.Context, in *DomainPath) (*objectOutput[api.Domain], error) {
	d, err := s.loadDomain(ctx, s.reader, in.OrgID, in.Domain)
	if err != nil {
		return nil, err
	}
	proven, found, lookupErr := s.lookupVerification(ctx, d)
	if !proven {
		detail := fmt.Sprintf("no TXT record %s holds %q", d.VerificationRecordName, d.VerificationRecordValue)
		switch {
		case lookupErr != nil:
			detail += fmt.Sprintf(" (the lookup failed: %v)", lookupErr)
		case len(found) > 0:
			detail += fmt.Sprintf(" (it holds %q)", found)
		}
		if d.Status == api.DomainVerified {
			return newObjectOutput(d), nil // verified before; DNS changing later takes nothing away
		}
		return nil, errConflict("the domain %s is not verified yet: %s; add the record and verify again", d.Domain, detail)
	}
	err = s.write(ctx, func(tx *sql.Tx) error {
		actorType, actorID := principalFrom(ctx).actor()
		if err := s.markVerified(ctx, tx, d, actorType, actorID); err != nil {
			return err
		}
		d, err = s.loadDomain(ctx, tx, in.OrgID, d.Domain)
		return err
	})
	if err != nil {
		return nil, err
	}
	return newObjectOutput(d), nil
}

// markVerified makes d verified for its organization, taking it from any other organization that
// had verified it (that claim goes back to pending, and its log says so); the activity log names
// actorType and actorID as who verified it.
func (s *Server) markVerified(ctx context.Context, tx *sql.Tx, d api.Domain, actorType, actorID string) error {
	var status string
	if err := tx.QueryRowContext(ctx, `SELECT status FROM domains WHERE id = ?`, d.ID).Scan(&status); err != nil {
		return err // deleted meanwhile: sql.ErrNoRows
	}
	if status == string(api.DomainVerified) {
		return nil
	}
	others, _, err := queryPage(ctx, tx, scanDomain, `SELECT `+domainColumns+` FROM domains WHERE domain = ? AND status = 'verified'`, d.Domain)
	if err != nil {
		return err
	}
	for _, o := range others {
		if _, err := tx.ExecContext(ctx, `UPDATE domains SET status = 'pending', verified_at = NULL WHERE id = ?`, o.ID); err != nil {
			return err
		}
		if err := s.recordAs(ctx, tx, o.OrganizationID, domainCheckerActor[0], domainCheckerActor[1], "domain.unverify", "domain", o.ID); err != nil {
			return err
		}
	}
	if _, err := tx.ExecContext(ctx, `UPDATE domains SET status = 'verified', verified_at = ?, last_checked_at = ? WHERE id = ?`, s.nowText(), s.nowText(), d.ID); err != nil {
		return fmt.Errorf("verify domain: %w", err)
	}
	return s.recordAs(ctx, tx, d.OrganizationID, actorType, actorID, "domain.verify", "domain", d.ID)
}

func (s *Server) deleteDomain(ctx context.Context, in *DomainPath) (*struct{}, error) {
	err := s.writeOrg(ctx, func(tx *sql.Tx, a access) error {
		d, err := s.loadDomain(ctx, tx, a.orgID, in.Domain)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM domains WHERE id = ?`, d.ID); err != nil {
			return fmt.Errorf("delete domain: %w", err)
		}
		return s.record(ctx, tx, a.orgID, "domain.delete", "domain", d.ID)
	})
	return nil, err
}

// lookupVerification resolves d's TXT record through the server's resolver (Config.DNSResolver),
// reporting whether it holds d's value, and what it holds.
func (s *Server) lookupVerification(ctx context.Context, d api.Domain) (bool, []string, error) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	values, err := s.resolver.LookupTXT(ctx, d.VerificationRecordName+".")
	if err != nil {
		var dnsErr *net.DNSError
		if errors.As(err, &dnsErr) && dnsErr.IsNotFound {
			return false, nil, nil
		}
		return false, nil, err
	}
	return slices.Contains(values, d.VerificationRecordValue), values, nil
}

// newResolver resolves through the DNS server at addr ("host:port"), or the system's when addr is "".
func newResolver(addr string) *net.Resolver {
	if addr == "" {
		return net.DefaultResolver
	}
	return &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, network, addr)
	}}
}

// domainChecker checks pending domains every interval until stopped.
type domainChecker struct {
	stop chan struct{}
	done sync.WaitGroup
	once sync.Once
}

func (c *domainChecker) start(s *Server, interval time.Duration) {
	c.stop = make(chan struct{})
	c.done.Go(func() {
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-c.stop:
				return
			case <-t.C:
				if err := s.checkPendingDomains(context.Background(), interval); err != nil {
					s.log.Warn("check pending domains", "error", err)
				}
			}
		}
	})
}

func (c *domainChecker) close() {
	if c.stop == nil {
		return
	}
	c.once.Do(func() { close(c.stop) })
	c.done.Wait()
}

// checkPendingDomains looks up the pending domains not checked for interval (a batch at most), and
// marks those whose record holds their value verified.
func (s *Server) checkPendingDomains(ctx context.Context, interval time.Duration) error {
	due, _, err := queryPage(ctx, s.reader, scanDomain, `SELECT `+domainColumns+` FROM domains
		WHERE status = 'pending' AND (last_checked_at IS NULL OR last_checked_at <= ?) ORDER BY last_checked_at LIMIT ?`,
		store.FormatTime(s.now().Add(-interval)), domainCheckBatch)
	if err != nil {
		return err
	}
	for _, d := range due {
		proven, _, lookupErr := s.lookupVerification(ctx, d)
		err := s.write(ctx, func(tx *sql.Tx) error {
			if proven {
				return s.markVerified(ctx, tx, d, domainCheckerActor[0], domainCheckerActor[1])
			}
			_, err := tx.ExecContext(ctx, `UPDATE domains SET last_checked_at = ? WHERE id = ?`, s.nowText(), d.ID)
			return err
		})
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if lookupErr != nil {
			s.log.Debug("domain lookup", "domain", d.Domain, "error", lookupErr)
		}
	}
	return nil
}
