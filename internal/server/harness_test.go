package server_test

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
	"github.com/orgs-dev/terraform-provider-orgs/internal/server"
	"github.com/orgs-dev/terraform-provider-orgs/internal/server/servertest"
)

// The harness starts one in-process server per test (its own SQLite file, fake clock, captured logs and
// invitation emails) and gives the tests a vocabulary: sign up, make an organization, add members, create
// tokens, call an operation as a principal. Every response passes through checkResponse, so no error body
// the suite sees escapes the problem+json contract.

type harness struct {
	URL    string
	DBPath string
	Server *server.Server
	Clock  *servertest.Clock
	Logs   *servertest.LogBuffer
	// OwnerToken is the personal token of the user servertest bootstrapped, made without the API.
	OwnerToken string
	// DNS is the resolver domain verification asks: tests set the TXT records that prove domains.
	DNS *servertest.DNS
	// Receiver is a webhook endpoint on loopback, which the harness's server may deliver to (it allows
	// private targets unless a test's option says otherwise).
	Receiver *servertest.WebhookReceiver

	client *http.Client
	seq    atomic.Int64

	mu            sync.Mutex
	emails        []api.InvitationEmail
	verifications map[string]string // user id -> the code emailed at sign-up
}

// newHarness starts a server on a fresh database (servertest.Start: rate limiting off unless an option
// turns it on), with the harness's clock, log and mailboxes.
func newHarness(tb testing.TB, opts ...servertest.Option) *harness {
	tb.Helper()
	h := &harness{
		Clock:  servertest.NewClock(time.Now().UTC().Truncate(time.Second), time.Millisecond),
		Logs:   &servertest.LogBuffer{},
		client: &http.Client{Timeout: 30 * time.Second},

		verifications: map[string]string{},
	}
	mine := servertest.WithConfig(func(c *server.Config) {
		c.Now = h.Clock.Now
		c.OnInvitation = h.recordInvitation
		c.OnVerification = func(e api.VerificationEmail) {
			h.mu.Lock()
			defer h.mu.Unlock()
			h.verifications[e.UserID] = e.Code
		}
		c.Logger = h.Logs.Logger()
	})
	h.DNS = servertest.StartDNS(tb)
	h.Receiver = servertest.StartWebhookReceiver(tb)
	srv := servertest.Start(tb, append([]servertest.Option{mine, servertest.WithDNS(h.DNS), servertest.WithPrivateWebhookTargets()}, opts...)...)
	h.URL, h.DBPath, h.Server, h.OwnerToken = srv.URL, srv.DBPath, srv.Server, srv.OwnerToken
	return h
}

func (h *harness) recordInvitation(e api.InvitationEmail) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.emails = append(h.emails, e)
}

// invitationCode returns the code of the last email sent for an invitation.
func (h *harness) invitationCode(tb testing.TB, invitationID string) string {
	tb.Helper()
	h.mu.Lock()
	defer h.mu.Unlock()
	for i := len(h.emails) - 1; i >= 0; i-- {
		if h.emails[i].InvitationID == invitationID {
			return h.emails[i].Code
		}
	}
	tb.Fatalf("no invitation email was sent for invitation %s", invitationID)
	return ""
}

func (h *harness) invitationEmails() []api.InvitationEmail {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.emails)
}

// unique returns a value no other call returns, with a random part so that finding it in a response body
// cannot be a coincidence.
func (h *harness) unique(prefix string) string {
	var b [4]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	return fmt.Sprintf("%s-%d-%s", prefix, h.seq.Add(1), hex.EncodeToString(b[:]))
}

func (h *harness) email() string { return h.unique("user") + "@example.test" }

// ---- Requests ----

// anonymous is the credential of a caller that sends none.
const anonymous = ""

type response struct {
	Method, Path string
	Status       int
	Header       http.Header
	Body         []byte
}

func (r *response) String() string {
	return fmt.Sprintf("%s %s -> %d %s", r.Method, r.Path, r.Status, r.Body)
}

// problem decodes an error body (checkResponse has already verified its shape).
func (r *response) problem(tb testing.TB) api.Problem {
	tb.Helper()
	var p api.Problem
	if err := json.Unmarshal(r.Body, &p); err != nil {
		tb.Fatalf("%s: body is not a problem document: %v", r, err)
	}
	return p
}

// streamed wraps a body so the client cannot know its length and sends it chunked.
type streamed struct{ io.Reader }

// send makes one request. body is nil, raw bytes ([]byte or string), a streamed reader, or a value sent as
// JSON; header holds name/value pairs.
func (h *harness) send(cred, method, path string, body any, header ...string) (*response, error) {
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		rd = bytes.NewReader(b)
	case string:
		rd = strings.NewReader(b)
	case streamed:
		rd = b
	default:
		data, err := json.Marshal(b)
		if err != nil {
			return nil, fmt.Errorf("encode body: %w", err)
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, h.URL+path, rd)
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", api.ContentTypeJSON)
	}
	if cred != anonymous {
		req.Header.Set("Authorization", "Bearer "+cred)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := h.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	if err != nil {
		return nil, fmt.Errorf("%s %s: read body: %w", method, path, err)
	}
	return &response{Method: method, Path: path, Status: res.StatusCode, Header: res.Header, Body: data}, nil
}

// do sends a request and checks the response against the contract every response must meet.
func (h *harness) do(tb testing.TB, cred, method, path string, body any, header ...string) *response {
	tb.Helper()
	r, err := h.send(cred, method, path, body, header...)
	if err != nil {
		tb.Fatal(err)
	}
	checkResponse(tb, r)
	return r
}

// expect is do, failing the test unless the status is want.
func (h *harness) expect(tb testing.TB, want int, cred, method, path string, body any, header ...string) *response {
	tb.Helper()
	r := h.do(tb, cred, method, path, body, header...)
	if r.Status != want {
		tb.Fatalf("want %d, got %s", want, r)
	}
	return r
}

// expectProblem is expect for an error, also checking its problem type.
func (h *harness) expectProblem(tb testing.TB, want int, problemType, cred, method, path string, body any, header ...string) api.Problem {
	tb.Helper()
	p := h.expect(tb, want, cred, method, path, body, header...).problem(tb)
	if p.Type != problemType {
		tb.Fatalf("%s %s: want problem type %s, got %s (%s)", method, path, problemType, p.Type, p.Detail)
	}
	return p
}

// problemTypesForStatus are the problem types a status may carry where only those fit. A 404 says
// either that the organization in the path is not visible or that the object is missing from one that
// is; a 410 only ever says that the organization was deleted.
var problemTypesForStatus = map[int][]string{
	http.StatusUnauthorized:          {api.ProblemUnauthorized},
	http.StatusForbidden:             {api.ProblemForbidden},
	http.StatusNotFound:              {api.ProblemNotFound, api.ProblemOrganizationNotFound},
	http.StatusGone:                  {api.ProblemOrganizationDeleted},
	http.StatusPreconditionFailed:    {api.ProblemPreconditionFailed},
	http.StatusRequestEntityTooLarge: {api.ProblemTooLarge},
	http.StatusTooManyRequests:       {api.ProblemRateLimited},
	http.StatusServiceUnavailable:    {api.ProblemUnavailable},
}

// checkResponse enforces, for every response of the suite, that an error is an RFC 9457 problem document
// with a stable type, a title, the HTTP status and a human detail, and that a 429 says when to come back.
// It reports with Errorf so that it is safe from any goroutine.
func checkResponse(tb testing.TB, r *response) {
	tb.Helper()
	if r.Status >= 500 && r.Status != http.StatusServiceUnavailable {
		tb.Errorf("server error: %s", r)
	}
	if r.Status < 400 {
		return
	}
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != api.ContentTypeError {
		tb.Errorf("%s: error Content-Type is %q, want %s", r, r.Header.Get("Content-Type"), api.ContentTypeError)
	}
	var p api.Problem
	if err := json.Unmarshal(r.Body, &p); err != nil {
		tb.Errorf("%s: error body is not a problem document: %v", r, err)
		return
	}
	switch {
	case !strings.HasPrefix(p.Type, "urn:orgs:problem:"):
		tb.Errorf("%s: problem type %q is not one of the API's stable types", r, p.Type)
	case p.Title == "":
		tb.Errorf("%s: problem without a title", r)
	case p.Detail == "":
		tb.Errorf("%s: problem without a detail", r)
	case p.Status != r.Status:
		tb.Errorf("%s: problem status %d differs from the HTTP status", r, p.Status)
	}
	if want, ok := problemTypesForStatus[r.Status]; ok && !slices.Contains(want, p.Type) {
		tb.Errorf("%s: a %d must carry a problem type of %v, got %s", r, r.Status, want, p.Type)
	}
	if (p.Type == api.ProblemOrganizationNotFound || p.Type == api.ProblemOrganizationDeleted) &&
		!strings.HasPrefix(r.Path, api.PathOrganizations+"/") {
		tb.Errorf("%s: problem type %s outside /orgs/{org_id}", r, p.Type)
	}
	if r.Status == http.StatusTooManyRequests {
		checkRetryAfter(tb, r)
	}
}

// checkRetryAfter verifies Retry-After is delay-seconds or an HTTP date (RFC 9110 10.2.3).
func checkRetryAfter(tb testing.TB, r *response) {
	tb.Helper()
	v := r.Header.Get(api.HeaderRetryAfter)
	if v == "" {
		tb.Errorf("%s: no Retry-After header", r)
		return
	}
	if n, err := strconv.Atoi(v); err == nil && n >= 0 {
		return
	}
	if _, err := http.ParseTime(v); err != nil {
		tb.Errorf("%s: Retry-After %q is neither seconds nor an HTTP date", r, v)
	}
}

func decode[T any](tb testing.TB, r *response) T {
	tb.Helper()
	var v T
	if err := json.Unmarshal(r.Body, &v); err != nil {
		tb.Fatalf("%s: decode %T: %v", r, v, err)
	}
	return v
}

// path fills a route template: path(api.PathLabel, "org_id", id, "key", key). Values are path-escaped,
// so a label key with '/' travels as %2F.
func path(tmpl string, kv ...string) string {
	p := tmpl
	for i := 0; i+1 < len(kv); i += 2 {
		p = strings.ReplaceAll(p, "{"+kv[i]+"}", url.PathEscape(kv[i+1]))
	}
	if strings.Contains(p, "{") {
		panic(fmt.Sprintf("path %s: unfilled parameter", p))
	}
	return p
}

var pathParam = regexp.MustCompile(`\{([a-z_]+)\}`)

// fill fills every parameter of a route template from params, failing when one is missing.
func fill(tb testing.TB, route string, params map[string]string) string {
	tb.Helper()
	var missing []string
	p := pathParam.ReplaceAllStringFunc(route, func(m string) string {
		name := m[1 : len(m)-1]
		v, ok := params[name]
		if !ok {
			missing = append(missing, name)
		}
		return url.PathEscape(v)
	})
	if len(missing) > 0 {
		tb.Fatalf("route %s: no value for %v", route, missing)
	}
	return p
}

// listAll walks every page of a list with the given page size (0: the server's default).
func listAll[T any](tb testing.TB, h *harness, cred, route string, pageSize int) []T {
	tb.Helper()
	var all []T
	token := ""
	for pages := 0; ; pages++ {
		if pages > 10000 {
			tb.Fatalf("%s: the pages never end", route)
		}
		q := url.Values{}
		if pageSize > 0 {
			q.Set(api.QueryPageSize, strconv.Itoa(pageSize))
		}
		if token != "" {
			q.Set(api.QueryPageToken, token)
		}
		p := route
		if len(q) > 0 {
			p += "?" + q.Encode()
		}
		page := decode[api.Page[T]](tb, h.expect(tb, http.StatusOK, cred, http.MethodGet, p, nil))
		if pageSize > 0 && len(page.Items) > pageSize {
			tb.Fatalf("%s: %d items on a page of %d", p, len(page.Items), pageSize)
		}
		all = append(all, page.Items...)
		if page.NextPageToken == "" {
			return all
		}
		token = page.NextPageToken
	}
}

// ---- Building blocks ----

type user struct {
	api.User
	Token string
}

func (h *harness) signup(tb testing.TB) user {
	tb.Helper()
	return h.signupAs(tb, h.email())
}

// signupAs signs up with email and proves the address with the code the server emailed.
func (h *harness) signupAs(tb testing.TB, email string) user {
	tb.Helper()
	u := h.signupUnverified(tb, email)
	r := h.expect(tb, http.StatusOK, u.Token, http.MethodPost, api.PathVerifyEmail, api.EmailVerification{Code: h.verificationCode(tb, u.ID)})
	u.User = decode[api.User](tb, r)
	if !u.EmailVerified {
		tb.Fatalf("verification answered an unverified user: %s", r)
	}
	return u
}

// signupUnverified signs up with email and leaves the address unproven.
func (h *harness) signupUnverified(tb testing.TB, email string) user {
	tb.Helper()
	r := h.expect(tb, http.StatusCreated, anonymous, http.MethodPost, api.PathUsers, api.SignupRequest{Email: email, Name: "Test " + email})
	s := decode[api.SignupResponse](tb, r)
	if s.Token == "" || s.User.ID == "" {
		tb.Fatalf("signup answered without a user id or token: %s", r)
	}
	return user{User: s.User, Token: s.Token}
}

// verificationCode is the code emailed to the user at sign-up.
func (h *harness) verificationCode(tb testing.TB, userID string) string {
	tb.Helper()
	h.mu.Lock()
	defer h.mu.Unlock()
	code, ok := h.verifications[userID]
	if !ok {
		tb.Fatalf("no verification email was sent for user %s", userID)
	}
	return code
}

func (h *harness) createOrg(tb testing.TB, cred string, plan api.Plan) api.Organization {
	tb.Helper()
	return decode[api.Organization](tb, h.expect(tb, http.StatusCreated, cred, http.MethodPost, api.PathOrganizations, h.orgCreateBody(plan)))
}

func (h *harness) orgCreateBody(plan api.Plan) api.OrganizationCreate {
	return api.OrganizationCreate{
		Name:               h.unique("org"),
		Description:        h.unique("description"),
		Website:            "https://" + h.unique("site") + ".example.test",
		AdminContactEmails: []string{h.email()},
		Plan:               plan,
	}
}

func (h *harness) addMember(tb testing.TB, cred, orgID, email string, role api.Role) api.Member {
	tb.Helper()
	r := h.expect(tb, http.StatusCreated, cred, http.MethodPost, path(api.PathMembers, "org_id", orgID), api.MemberCreate{Email: email, Role: role})
	return decode[api.Member](tb, r)
}

// newMember signs up a user, adds them to the organization and has them accept the membership.
func (h *harness) newMember(tb testing.TB, cred, orgID string, role api.Role) user {
	tb.Helper()
	u := h.signup(tb)
	if m := h.addMember(tb, cred, orgID, u.Email, role); m.Status == api.MemberPending {
		h.acceptMembership(tb, u.Token, orgID)
	}
	return u
}

func (h *harness) acceptMembership(tb testing.TB, cred, orgID string) api.Member {
	tb.Helper()
	m := decode[api.Member](tb, h.expect(tb, http.StatusOK, cred, http.MethodPost, path(api.PathMembershipAccept, "org_id", orgID), nil))
	if m.Status != api.MemberActive {
		tb.Fatalf("an accepted membership reads %+v", m)
	}
	return m
}

func (h *harness) createAPIToken(tb testing.TB, cred, orgID string, role api.Role) api.APIToken {
	tb.Helper()
	r := h.expect(tb, http.StatusCreated, cred, http.MethodPost, path(api.PathAPITokens, "org_id", orgID), api.APITokenCreate{Name: h.unique("token"), Role: role})
	t := decode[api.APIToken](tb, r)
	if t.Token == "" {
		tb.Fatalf("token created without its secret: %s", r)
	}
	return t
}

func (h *harness) createPersonalToken(tb testing.TB, cred string) api.PersonalToken {
	tb.Helper()
	r := h.expect(tb, http.StatusCreated, cred, http.MethodPost, api.PathPersonalTokens, api.PersonalTokenCreate{Name: h.unique("pat")})
	return decode[api.PersonalToken](tb, r)
}

func (h *harness) labelBody() api.LabelCreate {
	return api.LabelCreate{Key: h.unique("example.test/k"), Value: h.unique("v")}
}

func (h *harness) createLabel(tb testing.TB, cred, orgID string) api.Label {
	tb.Helper()
	return decode[api.Label](tb, h.expect(tb, http.StatusCreated, cred, http.MethodPost, path(api.PathLabels, "org_id", orgID), h.labelBody()))
}

func (h *harness) registryBody() api.ContainerRegistryCreate {
	return api.ContainerRegistryCreate{
		Name:        h.unique("registry"),
		Kind:        api.RegistryGitHub,
		URL:         "https://" + h.unique("ghcr") + ".example.test",
		Description: h.unique("registry description"),
		Username:    h.unique("robot"),
		Password:    h.unique("registry-password"),
	}
}

func (h *harness) createRegistry(tb testing.TB, cred, orgID string) (api.ContainerRegistry, api.ContainerRegistryCreate) {
	tb.Helper()
	body := h.registryBody()
	r := h.expect(tb, http.StatusCreated, cred, http.MethodPost, path(api.PathContainerRegistries, "org_id", orgID), body)
	return decode[api.ContainerRegistry](tb, r), body
}

func (h *harness) environmentBody() api.EnvironmentCreate {
	return api.EnvironmentCreate{Name: h.unique("Env"), Slug: h.unique("env")}
}

func (h *harness) createEnvironment(tb testing.TB, cred, orgID string) api.Environment {
	tb.Helper()
	r := h.expect(tb, http.StatusCreated, cred, http.MethodPost, path(api.PathEnvironments, "org_id", orgID), h.environmentBody())
	return decode[api.Environment](tb, r)
}

func (h *harness) teamBody() api.TeamCreate {
	return api.TeamCreate{Name: h.unique("Team"), Description: h.unique("description")}
}

func (h *harness) createTeam(tb testing.TB, cred, orgID string, body api.TeamCreate) api.Team {
	tb.Helper()
	return decode[api.Team](tb, h.expect(tb, http.StatusCreated, cred, http.MethodPost, path(api.PathTeams, "org_id", orgID), body))
}

func (h *harness) addTeamMember(tb testing.TB, cred, orgID, teamSlug, email string, role api.TeamRole) api.TeamMember {
	tb.Helper()
	r := h.expect(tb, http.StatusCreated, cred, http.MethodPost, path(api.PathTeamMembers, "org_id", orgID, "team_slug", teamSlug), api.TeamMemberCreate{Email: email, Role: role})
	return decode[api.TeamMember](tb, r)
}

// createInvitation invites email and returns the invitation and the code its email carried.
// createDomain claims a new domain for the organization; it is pending until verified.
func (h *harness) createDomain(tb testing.TB, cred, orgID string) api.Domain {
	tb.Helper()
	r := h.expect(tb, http.StatusCreated, cred, http.MethodPost, path(api.PathDomains, "org_id", orgID), api.DomainCreate{Domain: h.unique("corp") + ".example.test"})
	d := decode[api.Domain](tb, r)
	if d.Status != api.DomainPending || d.VerificationRecordName == "" || d.VerificationRecordValue == "" {
		tb.Fatalf("a new domain: %s", r)
	}
	return d
}

// verifiedDomain claims a new domain and proves it: its TXT record set in the harness's DNS, then
// verified through the API.
func (h *harness) verifiedDomain(tb testing.TB, cred, orgID string) api.Domain {
	tb.Helper()
	d := h.createDomain(tb, cred, orgID)
	h.DNS.SetTXT(d.VerificationRecordName, d.VerificationRecordValue)
	r := h.expect(tb, http.StatusOK, cred, http.MethodPost, path(api.PathDomainVerify, "org_id", orgID, "domain", d.Domain), nil)
	if d = decode[api.Domain](tb, r); d.Status != api.DomainVerified || d.VerifiedAt == nil {
		tb.Fatalf("a proven domain: %s", r)
	}
	return d
}

func (h *harness) createWebhook(tb testing.TB, cred, orgID string, body api.WebhookCreate) api.Webhook {
	tb.Helper()
	return decode[api.Webhook](tb, h.expect(tb, http.StatusCreated, cred, http.MethodPost, path(api.PathWebhooks, "org_id", orgID), body))
}

func (h *harness) createInvitation(tb testing.TB, cred, orgID, email string, role api.Role) (api.Invitation, string) {
	tb.Helper()
	r := h.expect(tb, http.StatusCreated, cred, http.MethodPost, path(api.PathInvitations, "org_id", orgID), api.InvitationCreate{Email: email, Role: role})
	inv := decode[api.Invitation](tb, r)
	return inv, h.invitationCode(tb, inv.ID)
}

// acceptStatus is the status of a successful invitation acceptance.
const acceptStatus = http.StatusOK

// membershipCode is the latest code emailed to the invited address email (an invited membership).
func (h *harness) membershipCode(tb testing.TB, orgID, email string) string {
	tb.Helper()
	h.mu.Lock()
	defer h.mu.Unlock()
	for i := len(h.emails) - 1; i >= 0; i-- {
		if e := h.emails[i]; e.InvitationID == "" && e.OrganizationID == orgID && api.EmailKey(e.To) == api.EmailKey(email) {
			return e.Code
		}
	}
	tb.Fatalf("no membership invitation was emailed to %s for organization %s", email, orgID)
	return ""
}

// member reads one membership.
func (h *harness) member(tb testing.TB, cred, orgID, email string) api.Member {
	tb.Helper()
	return decode[api.Member](tb, h.expect(tb, http.StatusOK, cred, http.MethodGet, path(api.PathMember, "org_id", orgID, "email", email), nil))
}

// seats reads what holds the organization's seats, from its usage.
func (h *harness) seats(tb testing.TB, cred, orgID string) api.Seats {
	tb.Helper()
	u := decode[api.Usage](tb, h.expect(tb, http.StatusOK, cred, http.MethodGet, path(api.PathUsage, "org_id", orgID), nil))
	for _, q := range u.Quantities {
		if q.Name == api.QuantityMembers {
			if q.Seats == nil || q.Seats.Total() != q.Used {
				tb.Fatalf("usage of members: %+v; want seats that add up to what is used", q)
			}
			return *q.Seats
		}
	}
	tb.Fatalf("usage without members: %+v", u)
	return api.Seats{}
}

func (h *harness) acceptInvitation(tb testing.TB, code string) api.InvitationAcceptance {
	tb.Helper()
	r := h.expect(tb, acceptStatus, anonymous, http.MethodPost, api.PathInvitationAccept, api.InvitationAccept{Code: code})
	return decode[api.InvitationAcceptance](tb, r)
}

func (h *harness) members(tb testing.TB, cred, orgID string) []api.Member {
	tb.Helper()
	return listAll[api.Member](tb, h, cred, path(api.PathMembers, "org_id", orgID), 0)
}

// ---- A populated organization and its principals ----

// principal is one kind of caller of the role matrix.
type principal int

const (
	asOwner principal = iota
	asAdmin
	asMember
	asBiller
	asTokenAdmin
	asTokenMember
	asTokenBiller
	asOutsider // a user who owns another organization and is not in this one
	asAnonymous
	principalCount
)

var principalNames = [principalCount]string{"owner", "admin", "member", "biller", "token-admin", "token-member", "token-biller", "outsider", "anonymous"}

func (p principal) String() string { return principalNames[p] }

// world is an organization holding one of everything, with a member of each role, an organization token
// of each role, and an outsider who owns an organization of their own.
type world struct {
	Org                                  api.Organization
	Owner, Admin, Member, Biller         user
	TokenAdmin, TokenMember, TokenBiller api.APIToken
	OwnerPAT                             api.PersonalToken

	Label           api.Label
	Registry        api.ContainerRegistry
	RegistrySecret  string
	Invitation      api.Invitation
	InvitationCode  string
	Environment     api.Environment
	DefaultEnvID    string
	Domain          api.Domain
	Team            api.Team // grants nothing; the member is in it
	Webhook         api.Webhook
	Delivery        api.WebhookDelivery // the delivery of the webhook's own creation
	Outsider        user
	OtherOrg        api.Organization
	OtherAdminToken api.APIToken

	// fresh holds, for one call of the role matrix, a user who makes the call instead of the principal's
	// usual user (a call only a fresh user can make, like proving an address).
	fresh map[principal]user
}

func (h *harness) newWorld(tb testing.TB, plan api.Plan) *world {
	tb.Helper()
	w := &world{Owner: h.signup(tb), fresh: map[principal]user{}}
	w.Org = h.createOrg(tb, w.Owner.Token, plan)
	id := w.Org.ID
	w.Admin = h.newMember(tb, w.Owner.Token, id, api.RoleAdmin)
	w.Member = h.newMember(tb, w.Owner.Token, id, api.RoleMember)
	w.Biller = h.newMember(tb, w.Owner.Token, id, api.RoleBiller)
	w.TokenAdmin = h.createAPIToken(tb, w.Owner.Token, id, api.RoleAdmin)
	w.TokenMember = h.createAPIToken(tb, w.Owner.Token, id, api.RoleMember)
	w.TokenBiller = h.createAPIToken(tb, w.Owner.Token, id, api.RoleBiller)
	w.OwnerPAT = h.createPersonalToken(tb, w.Owner.Token)
	w.Label = h.createLabel(tb, w.Owner.Token, id)
	var reg api.ContainerRegistryCreate
	w.Registry, reg = h.createRegistry(tb, w.Owner.Token, id)
	w.RegistrySecret = reg.Password
	w.Invitation, w.InvitationCode = h.createInvitation(tb, w.Owner.Token, id, h.email(), api.RoleMember)
	envs := listAll[api.Environment](tb, h, w.Owner.Token, path(api.PathEnvironments, "org_id", id), 0)
	for _, e := range envs {
		if e.Default {
			w.DefaultEnvID = e.ID
		}
	}
	if w.DefaultEnvID == "" {
		tb.Fatalf("a new organization has no default environment: %+v", envs)
	}
	w.Environment = h.createEnvironment(tb, w.Owner.Token, id)
	w.Domain = h.verifiedDomain(tb, w.Owner.Token, id)
	w.Team = h.createTeam(tb, w.Owner.Token, id, h.teamBody())
	h.addTeamMember(tb, w.Owner.Token, id, w.Team.Slug, w.Member.Email, api.TeamRoleMember)
	w.Webhook = h.createWebhook(tb, w.Owner.Token, id, api.WebhookCreate{URL: h.Receiver.URL, Events: []string{"webhook.*"}, Secret: h.unique("webhook-secret")})
	deliveries := decode[api.Page[api.WebhookDelivery]](tb, h.expect(tb, http.StatusOK, w.Owner.Token, http.MethodGet,
		path(api.PathWebhookDeliveries, "org_id", id, "webhook_id", w.Webhook.ID), nil))
	if len(deliveries.Items) != 1 {
		tb.Fatalf("a webhook subscribed to webhook.* has %d deliveries after its creation, want 1 (of webhook.create)", len(deliveries.Items))
	}
	w.Delivery = deliveries.Items[0]
	w.Outsider = h.signup(tb)
	w.OtherOrg = h.createOrg(tb, w.Outsider.Token, api.PlanTeam)
	w.OtherAdminToken = h.createAPIToken(tb, w.Outsider.Token, w.OtherOrg.ID, api.RoleAdmin)
	return w
}

func (w *world) cred(p principal) string {
	switch p {
	case asOwner:
		return w.Owner.Token
	case asAdmin:
		return w.Admin.Token
	case asMember:
		return w.Member.Token
	case asBiller:
		return w.Biller.Token
	case asTokenAdmin:
		return w.TokenAdmin.Token
	case asTokenMember:
		return w.TokenMember.Token
	case asTokenBiller:
		return w.TokenBiller.Token
	case asOutsider:
		return w.Outsider.Token
	}
	return anonymous
}

// userOf returns the user a principal acts as; organization tokens and anonymous callers have none.
func (w *world) userOf(p principal) (user, bool) {
	switch p {
	case asOwner:
		return w.Owner, true
	case asAdmin:
		return w.Admin, true
	case asMember:
		return w.Member, true
	case asBiller:
		return w.Biller, true
	case asOutsider:
		return w.Outsider, true
	}
	return user{}, false
}

// params are the path parameters that address the world's objects.
func (w *world) params() map[string]string {
	return map[string]string{
		"org_id":         w.Org.ID,
		"email":          w.Member.Email,
		"invitation_id":  w.Invitation.ID,
		"token_id":       w.TokenMember.ID,
		"registry_id":    w.Registry.ID,
		"key":            w.Label.Key,
		"environment_id": w.Environment.ID,
		"domain":         w.Domain.Domain,
		"team_slug":      w.Team.Slug,
		"webhook_id":     w.Webhook.ID,
		"delivery_id":    w.Delivery.ID,
	}
}

// ---- The route table, from the server's own OpenAPI document ----

type operation struct {
	Method string
	Route  string // a template, as the api.Path* constants spell it
}

func (o operation) String() string { return o.Method + " " + o.Route }

var httpMethods = map[string]string{
	"get": http.MethodGet, "post": http.MethodPost, "put": http.MethodPut,
	"patch": http.MethodPatch, "delete": http.MethodDelete,
}

// operations lists every operation the OpenAPI document describes, in a stable order.
func operations(tb testing.TB) []operation {
	tb.Helper()
	data, err := server.OpenAPI()
	if err != nil {
		tb.Fatalf("server.OpenAPI: %v", err)
	}
	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		tb.Fatalf("decode the OpenAPI document: %v", err)
	}
	var ops []operation
	for route, item := range doc.Paths {
		if !strings.HasPrefix(route, api.BasePath) {
			route = api.BasePath + route
		}
		for m := range item {
			if method, ok := httpMethods[m]; ok {
				ops = append(ops, operation{Method: method, Route: route})
			}
		}
	}
	if len(ops) == 0 {
		tb.Fatal("the OpenAPI document has no operations")
	}
	slices.SortFunc(ops, func(a, b operation) int { return strings.Compare(a.String(), b.String()) })
	return ops
}

func TestHarnessPathEscapesLabelKeys(t *testing.T) {
	got := path(api.PathLabel, "org_id", "o1", "key", "example.com/app")
	if want := "/api/v1/orgs/o1/labels/example.com%2Fapp"; got != want {
		t.Fatalf("path = %s, want %s", got, want)
	}
}
