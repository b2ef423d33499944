// Package api holds the wire types of the organizations API: the one definition shared by the
// reference server (which generates its OpenAPI document from them) and the provider's client.
package api

import "time"

// BasePath is the prefix of every API route.
const BasePath = "/api/v1"

// Routes. Placeholders in braces are path parameters; clients fill them with url.PathEscape'd values
// (a label key may hold a '/', sent as %2F).
const (
	PathOpenAPI = BasePath + "/openapi.json"

	PathUsers          = BasePath + "/users" // POST: sign up (no credential)
	PathCurrentUser    = BasePath + "/user"
	PathPersonalTokens = BasePath + "/user/tokens"
	PathPersonalToken  = BasePath + "/user/tokens/{token_id}"
	PathVerifyEmail    = BasePath + "/user/verify-email" // POST with the code emailed at sign-up
	// Memberships others added the current user to wait for the user's answer.
	PathMemberships       = BasePath + "/user/memberships"
	PathMembershipAccept  = PathMemberships + "/{org_id}/accept"
	PathMembershipDecline = PathMemberships + "/{org_id}/decline"
	PathInvitationAccept  = BasePath + "/invitations/accept" // POST with the emailed code (no credential needed)

	PathOrganizations       = BasePath + "/orgs"
	PathOrganization        = PathOrganizations + "/{org_id}"
	PathMembers             = PathOrganization + "/members"
	PathMember              = PathMembers + "/{email}"
	PathMemberResend        = PathMember + "/resend"
	PathInvitations         = PathOrganization + "/invitations"
	PathInvitation          = PathInvitations + "/{invitation_id}"
	PathInvitationResend    = PathInvitation + "/resend"
	PathAPITokens           = PathOrganization + "/tokens"
	PathAPIToken            = PathAPITokens + "/{token_id}"
	PathContainerRegistries = PathOrganization + "/registries"
	PathContainerRegistry   = PathContainerRegistries + "/{registry_id}"
	PathLabels              = PathOrganization + "/labels"
	PathLabel               = PathLabels + "/{key}"
	PathEnvironments        = PathOrganization + "/environments"
	PathEnvironment         = PathEnvironments + "/{environment_id}"
	PathUsage               = PathOrganization + "/usage"
	PathDomains             = PathOrganization + "/domains"
	PathDomain              = PathDomains + "/{domain}"
	PathDomainVerify        = PathDomain + "/verify"
	PathActivity            = PathOrganization + "/activity"
)

// HTTP headers with a meaning in this API.
const (
	HeaderIdempotencyKey = "Idempotency-Key"
	HeaderIfMatch        = "If-Match"
	HeaderETag           = "ETag"
	HeaderRetryAfter     = "Retry-After"
	// The IETF RateLimit header fields (draft-ietf-httpapi-ratelimit-headers), on every response subject
	// to the rate limit, 429s included. The policy `"default";q=<burst>;w=<seconds>` is a token bucket
	// of q requests that refills fully in w seconds (a sustained rate of q/w per second); the state
	// `"default";r=<remaining>;t=<seconds until full>` is the caller's bucket after this request.
	HeaderRateLimitPolicy = "RateLimit-Policy"
	HeaderRateLimit       = "RateLimit"
)

// Pagination query parameters and bounds.
const (
	QueryPageSize    = "page_size"
	QueryPageToken   = "page_token"
	DefaultPageSize  = 100
	MaxPageSize      = 1000
	MaxBodyBytes     = 1 << 20
	ContentTypeJSON  = "application/json"
	ContentTypeError = "application/problem+json"
)

// Page is one page of a list. An empty NextPageToken means the last page.
type Page[T any] struct {
	Items         []T    `json:"items" doc:"The objects on this page."`
	NextPageToken string `json:"next_page_token" doc:"Pass as page_token to get the next page; empty on the last page."`
}

// Role is a member's (or an organization token's) role in an organization.
type Role string

const (
	RoleOwner  Role = "owner"
	RoleAdmin  Role = "admin"
	RoleMember Role = "member"
	RoleBiller Role = "biller"
)

// Roles lists every organization role; TokenRoles the ones an organization API token may carry.
var (
	Roles      = []Role{RoleOwner, RoleAdmin, RoleMember, RoleBiller}
	TokenRoles = []Role{RoleAdmin, RoleMember, RoleBiller}
)

// EnvironmentRole is what a member with role "member" may do in one environment.
type EnvironmentRole string

const (
	EnvironmentRoleRead  EnvironmentRole = "read"
	EnvironmentRoleRun   EnvironmentRole = "run"
	EnvironmentRoleAdmin EnvironmentRole = "admin"
)

var EnvironmentRoles = []EnvironmentRole{EnvironmentRoleRead, EnvironmentRoleRun, EnvironmentRoleAdmin}

// Plan is an organization's subscription plan.
type Plan string

const (
	PlanHobby      Plan = "hobby"
	PlanStarter    Plan = "starter"
	PlanStartup    Plan = "startup"
	PlanTeam       Plan = "team"
	PlanEnterprise Plan = "enterprise"
)

var Plans = []Plan{PlanHobby, PlanStarter, PlanStartup, PlanTeam, PlanEnterprise}

// RegistryKind says which kind of container registry a credential is for.
type RegistryKind string

const (
	RegistryDockerHub RegistryKind = "dockerhub"
	RegistryGitHub    RegistryKind = "github"
	RegistryGitLab    RegistryKind = "gitlab"
	RegistryECR       RegistryKind = "ecr" // Amazon ECR: access keys
	RegistryGAR       RegistryKind = "gar" // Google Artifact Registry
	RegistryACR       RegistryKind = "acr" // Azure Container Registry
	RegistryOther     RegistryKind = "other"
)

var RegistryKinds = []RegistryKind{RegistryDockerHub, RegistryGitHub, RegistryGitLab, RegistryECR, RegistryGAR, RegistryACR, RegistryOther}

// UsesAccessKeys reports whether a registry of this kind authenticates with an access key pair
// (access_key_id/secret_access_key) instead of username/password.
func (k RegistryKind) UsesAccessKeys() bool { return k == RegistryECR }

// InvitationStatus is where an invitation stands.
type InvitationStatus string

const (
	InvitationPending  InvitationStatus = "pending"
	InvitationAccepted InvitationStatus = "accepted"
	InvitationExpired  InvitationStatus = "expired"
)

var InvitationStatuses = []InvitationStatus{InvitationPending, InvitationAccepted, InvitationExpired}

// EnvironmentStatus is the connection status of an environment's agent.
type EnvironmentStatus string

const (
	EnvironmentConnected    EnvironmentStatus = "connected"
	EnvironmentDisconnected EnvironmentStatus = "disconnected"
)

// ---- Users and personal tokens ----

type User struct {
	ID            string    `json:"id" readOnly:"true"`
	Email         string    `json:"email" format:"email"`
	Name          string    `json:"name"`
	EmailVerified bool      `json:"email_verified" readOnly:"true" doc:"Whether the user proved they receive mail at the address (the code emailed at sign-up, or an accepted invitation). Until then the address is not theirs: nobody can add them to an organization and they cannot create one."`
	CreatedAt     time.Time `json:"created_at" readOnly:"true"`
}

// EmailVerification proves the current user receives mail at their address.
type EmailVerification struct {
	Code string `json:"code" minLength:"1" maxLength:"200" doc:"The code emailed at sign-up."`
}

// VerificationEmail is what the server "sends" at sign-up: the code that proves the address. The
// reference server hands it to a configured hook instead of a mail system.
type VerificationEmail struct {
	To     string
	UserID string
	Code   string
}

// SignupRequest creates a user; the response carries the user's first personal token. The address is
// the user's only once proven (POST PathVerifyEmail with the emailed code); sign-up answers the same
// whether or not someone else already holds the address.
type SignupRequest struct {
	Email string `json:"email" format:"email" maxLength:"254" doc:"The new user's email; unique, compared case-insensitively."`
	Name  string `json:"name,omitempty" maxLength:"200"`
}

type SignupResponse struct {
	User  User   `json:"user"`
	Token string `json:"token" doc:"A personal access token for the new user. Shown once."`
}

type PersonalToken struct {
	ID         string     `json:"id" readOnly:"true"`
	Name       string     `json:"name"`
	ExpiresAt  *time.Time `json:"expires_at,omitempty"`
	CreatedAt  time.Time  `json:"created_at" readOnly:"true"`
	LastUsedAt *time.Time `json:"last_used_at,omitempty" readOnly:"true" doc:"When the token last authenticated a request. The server records a token's use at most once a minute, so this may be up to a minute behind its latest use. Absent when never used."`
	Token      string     `json:"token,omitempty" doc:"The secret. Present only in the response that creates the token."`
}

type PersonalTokenCreate struct {
	Name      string     `json:"name" minLength:"1" maxLength:"100"`
	ExpiresAt *time.Time `json:"expires_at,omitempty" doc:"When the token stops working; never when absent."`
}

// ---- Organizations ----

type OrganizationSettings struct {
	ArtifactsStorageLimitGB int64 `json:"artifacts_storage_limit_gb" minimum:"0" maximum:"100000" doc:"Artifacts storage limit in GB."`
	AIHintsEnabled          bool  `json:"ai_hints_enabled" doc:"Whether AI hints are shown."`
	MaskWebhookURLs         bool  `json:"mask_webhook_urls" doc:"Whether webhook URLs are masked in the UI and logs."`
}

// DefaultOrganizationSettings are the settings of an organization created without any.
var DefaultOrganizationSettings = OrganizationSettings{ArtifactsStorageLimitGB: 10}

type Organization struct {
	ID                 string               `json:"id" readOnly:"true"`
	Name               string               `json:"name"`
	Description        string               `json:"description"`
	Website            string               `json:"website"`
	AdminContactEmails []string             `json:"admin_contact_emails"`
	Plan               Plan                 `json:"plan"`
	Settings           OrganizationSettings `json:"settings"`
	CreatedAt          time.Time            `json:"created_at" readOnly:"true"`
	UpdatedAt          time.Time            `json:"updated_at" readOnly:"true"`
}

type OrganizationCreate struct {
	Name               string                      `json:"name" minLength:"1" maxLength:"100"`
	Description        string                      `json:"description,omitempty" maxLength:"1000"`
	Website            string                      `json:"website,omitempty" maxLength:"2048" doc:"An http or https URL."`
	AdminContactEmails []string                    `json:"admin_contact_emails" minItems:"1" maxItems:"20" doc:"Addresses that receive important notices."`
	Plan               Plan                        `json:"plan,omitempty" doc:"Defaults to hobby."`
	Settings           *OrganizationSettingsUpdate `json:"settings,omitempty" doc:"Each setting left out takes its default."`
}

// OrganizationUpdate is a PATCH: absent fields are left as they are. Changing the plan is billing:
// owners and billers only.
type OrganizationUpdate struct {
	Name               *string                     `json:"name,omitempty" minLength:"1" maxLength:"100"`
	Description        *string                     `json:"description,omitempty" maxLength:"1000"`
	Website            *string                     `json:"website,omitempty" maxLength:"2048"`
	AdminContactEmails []string                    `json:"admin_contact_emails,omitempty" minItems:"1" maxItems:"20"`
	Plan               *Plan                       `json:"plan,omitempty"`
	Settings           *OrganizationSettingsUpdate `json:"settings,omitempty"`
}

// OrganizationSettingsUpdate is some of the settings: in a create, a setting left out takes its default
// (DefaultOrganizationSettings); in an update, it is left as it is.
type OrganizationSettingsUpdate struct {
	ArtifactsStorageLimitGB *int64 `json:"artifacts_storage_limit_gb,omitempty" minimum:"0" maximum:"100000" doc:"Artifacts storage limit in GB."`
	AIHintsEnabled          *bool  `json:"ai_hints_enabled,omitempty" doc:"Whether AI hints are shown."`
	MaskWebhookURLs         *bool  `json:"mask_webhook_urls,omitempty" doc:"Whether webhook URLs are masked in the UI and logs."`
}

// AsUpdate is every setting of s, to create an organization with exactly these settings.
func (s OrganizationSettings) AsUpdate() *OrganizationSettingsUpdate {
	return &OrganizationSettingsUpdate{
		ArtifactsStorageLimitGB: &s.ArtifactsStorageLimitGB,
		AIHintsEnabled:          &s.AIHintsEnabled,
		MaskWebhookURLs:         &s.MaskWebhookURLs,
	}
}

// Apply returns s with the settings u gives.
func (u OrganizationSettingsUpdate) Apply(s OrganizationSettings) OrganizationSettings {
	if u.ArtifactsStorageLimitGB != nil {
		s.ArtifactsStorageLimitGB = *u.ArtifactsStorageLimitGB
	}
	if u.AIHintsEnabled != nil {
		s.AIHintsEnabled = *u.AIHintsEnabled
	}
	if u.MaskWebhookURLs != nil {
		s.MaskWebhookURLs = *u.MaskWebhookURLs
	}
	return s
}

// ---- Members ----

// MemberStatus is where a membership is in its life: invited (the address has no account yet),
// pending (the user has not accepted), active, declined, or expired (an invitation or pending
// membership nobody accepted in time). Only an active membership gives rights; the seats of the plan's
// member limit are held by active, pending and invited memberships and pending invitations, never by
// declined or expired ones.
type MemberStatus string

const (
	// MemberActive: the user is a member with the role's rights.
	MemberActive MemberStatus = "active"
	// MemberPending: someone else added the user, who has not accepted yet. A pending membership gives
	// no access and does not count toward the user's organization cap or as an owner, but holds a seat
	// of the organization's plan until it expires.
	MemberPending MemberStatus = "pending"
	// MemberInvited: the address has no account yet; it was emailed a code, and the membership is
	// accepted with it (POST /api/v1/invitations/accept), or waits, pending, once the person signs up.
	MemberInvited MemberStatus = "invited"
	// MemberDeclined: the user declined; the organization may ask again (resend) after DeclineCooldown.
	MemberDeclined MemberStatus = "declined"
	// MemberExpired: invited or pending, and not accepted before expires_at; it holds no seat, and a
	// resend offers it again.
	MemberExpired MemberStatus = "expired"
)

var MemberStatuses = []MemberStatus{MemberActive, MemberPending, MemberInvited, MemberDeclined, MemberExpired}

type Member struct {
	OrganizationID   string                     `json:"organization_id" readOnly:"true"`
	UserID           string                     `json:"user_id" readOnly:"true" doc:"The member's user; empty while the address has no account (invited)."`
	Email            string                     `json:"email"`
	Name             string                     `json:"name" readOnly:"true"`
	Role             Role                       `json:"role"`
	Status           MemberStatus               `json:"status" readOnly:"true" doc:"invited, pending, active, declined or expired: see MemberStatus. A pending user accepts with POST /api/v1/user/memberships/{org_id}/accept; an invited address with the emailed code (POST /api/v1/invitations/accept)."`
	EnvironmentRoles map[string]EnvironmentRole `json:"environment_roles" doc:"Environment id to role; what a member with role member may do there."`
	ExpiresAt        *time.Time                 `json:"expires_at,omitempty" readOnly:"true" doc:"When an invited or pending membership lapses unless accepted."`
	DeclinedAt       *time.Time                 `json:"declined_at,omitempty" readOnly:"true" doc:"When the user declined (status declined)."`
	CreatedAt        time.Time                  `json:"created_at" readOnly:"true"`
}

// MemberCreate adds an address to the organization: active at once when it is a proven account in one
// of the organization's verified domains, pending when it is another account, invited when it has none.
type MemberCreate struct {
	Email            string                     `json:"email" maxLength:"254"`
	Role             Role                       `json:"role"`
	EnvironmentRoles map[string]EnvironmentRole `json:"environment_roles,omitempty"`
}

// MemberUpdate is a PATCH; EnvironmentRoles, when present, replaces the whole map.
type MemberUpdate struct {
	Role             *Role                       `json:"role,omitempty"`
	EnvironmentRoles *map[string]EnvironmentRole `json:"environment_roles,omitempty"`
}

// ---- Verified domains ----

// DomainStatus says whether the organization has proven that it owns a domain.
type DomainStatus string

const (
	DomainPending  DomainStatus = "pending"
	DomainVerified DomainStatus = "verified"
)

var DomainStatuses = []DomainStatus{DomainPending, DomainVerified}

// MaxDomainsPerOrganization is how many domains one organization may claim.
const MaxDomainsPerOrganization = 20

// Domain is an email domain an organization claims. Once verified (a DNS TXT record named
// VerificationRecordName holding VerificationRecordValue), a proven account with an address in it
// joins the organization at once when added; nothing else is granted by it. A domain is verified for
// one organization at a time.
type Domain struct {
	ID                      string       `json:"id" readOnly:"true"`
	OrganizationID          string       `json:"organization_id" readOnly:"true"`
	Domain                  string       `json:"domain" doc:"The domain, in its ASCII (IDNA) form."`
	Status                  DomainStatus `json:"status" readOnly:"true"`
	VerificationRecordName  string       `json:"verification_record_name" readOnly:"true" doc:"The DNS name of the TXT record that proves the domain."`
	VerificationRecordValue string       `json:"verification_record_value" readOnly:"true" doc:"The value the TXT record must hold."`
	VerifiedAt              *time.Time   `json:"verified_at,omitempty" readOnly:"true"`
	CreatedAt               time.Time    `json:"created_at" readOnly:"true"`
}

type DomainCreate struct {
	Domain string `json:"domain" minLength:"1" maxLength:"253"`
}

// ---- Invitations ----

type Invitation struct {
	ID             string           `json:"id" readOnly:"true"`
	OrganizationID string           `json:"organization_id" readOnly:"true"`
	Email          string           `json:"email"`
	Role           Role             `json:"role"`
	Status         InvitationStatus `json:"status" readOnly:"true"`
	InvitedBy      string           `json:"invited_by" readOnly:"true" doc:"Id of the user who invited."`
	ExpiresAt      time.Time        `json:"expires_at" readOnly:"true"`
	CreatedAt      time.Time        `json:"created_at" readOnly:"true"`
	AcceptedAt     *time.Time       `json:"accepted_at,omitempty" readOnly:"true"`
}

type InvitationCreate struct {
	Email string `json:"email" maxLength:"254"`
	Role  Role   `json:"role"`
}

// InvitationAccept is sent by the invitee with the code from the invitation email.
type InvitationAccept struct {
	Code string `json:"code" minLength:"1" maxLength:"200"`
	Name string `json:"name,omitempty" maxLength:"200" doc:"The name of the user, when accepting creates one."`
}

type InvitationAcceptance struct {
	Member Member `json:"member"`
	User   User   `json:"user"`
	Token  string `json:"token,omitempty" doc:"A personal token, present only when accepting created the user."`
}

// InvitationEmail is what the server "sends" when it creates or re-sends an invitation. The reference
// server hands it to a configured hook instead of a mail system.
type InvitationEmail struct {
	To             string
	OrganizationID string
	InvitationID   string
	Code           string
}

// ---- Organization API tokens ----

type APIToken struct {
	ID             string     `json:"id" readOnly:"true"`
	OrganizationID string     `json:"organization_id" readOnly:"true"`
	Name           string     `json:"name"`
	Role           Role       `json:"role"`
	ExpiresAt      *time.Time `json:"expires_at,omitempty"`
	CreatedBy      string     `json:"created_by" readOnly:"true" doc:"Id of the user who created the token."`
	Active         bool       `json:"active" readOnly:"true" doc:"False while the creator is not a member, or after expiry."`
	CreatedAt      time.Time  `json:"created_at" readOnly:"true"`
	LastUsedAt     *time.Time `json:"last_used_at,omitempty" readOnly:"true" doc:"When the token last authenticated a request. The server records a token's use at most once a minute, so this may be up to a minute behind its latest use. Absent when never used."`
	Token          string     `json:"token,omitempty" readOnly:"true" doc:"The secret. Present only in the response that creates the token."`
}

type APITokenCreate struct {
	Name      string     `json:"name" minLength:"1" maxLength:"100"`
	Role      Role       `json:"role" doc:"admin, member or biller; never owner."`
	ExpiresAt *time.Time `json:"expires_at,omitempty" doc:"When the token stops working; never when absent. Must be in the future."`
}

// APITokenUpdate ends a token earlier than planned, for example a replaced token that must keep working
// for a while so that its consumers can switch to the new one. It can only shorten a token's life: a
// leaked secret can be cut short, never extended.
type APITokenUpdate struct {
	ExpiresAt time.Time `json:"expires_at" doc:"The token's new expiry: not before now, and not after its current expiry (a token that never expires may be given any expiry from now on). The same expiry again changes nothing."`
}

// ---- Container registries ----

type ContainerRegistry struct {
	ID             string       `json:"id" readOnly:"true"`
	OrganizationID string       `json:"organization_id" readOnly:"true"`
	Name           string       `json:"name"`
	Kind           RegistryKind `json:"kind"`
	URL            string       `json:"url"`
	Description    string       `json:"description"`
	Username       string       `json:"username" doc:"Empty for kinds that use access keys."`
	AccessKeyID    string       `json:"access_key_id" doc:"Empty for kinds that use username and password."`
	CreatedAt      time.Time    `json:"created_at" readOnly:"true"`
	UpdatedAt      time.Time    `json:"updated_at" readOnly:"true"`
}

// ContainerRegistryCreate carries the credentials; Password and SecretAccessKey are write-only and
// never returned.
type ContainerRegistryCreate struct {
	Name            string       `json:"name" minLength:"1" maxLength:"100"`
	Kind            RegistryKind `json:"kind"`
	URL             string       `json:"url" minLength:"1" maxLength:"2048"`
	Description     string       `json:"description,omitempty" maxLength:"1000"`
	Username        string       `json:"username,omitempty" maxLength:"256"`
	Password        string       `json:"password,omitempty" maxLength:"4096" writeOnly:"true"`
	AccessKeyID     string       `json:"access_key_id,omitempty" maxLength:"256"`
	SecretAccessKey string       `json:"secret_access_key,omitempty" maxLength:"4096" writeOnly:"true"`
}

type ContainerRegistryUpdate struct {
	Name            *string `json:"name,omitempty" minLength:"1" maxLength:"100"`
	URL             *string `json:"url,omitempty" minLength:"1" maxLength:"2048"`
	Description     *string `json:"description,omitempty" maxLength:"1000"`
	Username        *string `json:"username,omitempty" maxLength:"256"`
	Password        *string `json:"password,omitempty" maxLength:"4096" writeOnly:"true"`
	AccessKeyID     *string `json:"access_key_id,omitempty" maxLength:"256"`
	SecretAccessKey *string `json:"secret_access_key,omitempty" maxLength:"4096" writeOnly:"true"`
}

// ---- Labels ----

type Label struct {
	OrganizationID           string    `json:"organization_id" readOnly:"true"`
	Key                      string    `json:"key"`
	Value                    string    `json:"value"`
	PropagateToCloudProvider bool      `json:"propagate_to_cloud_provider"`
	CreatedAt                time.Time `json:"created_at" readOnly:"true"`
	UpdatedAt                time.Time `json:"updated_at" readOnly:"true"`
}

type LabelCreate struct {
	Key                      string `json:"key" minLength:"1" maxLength:"317" doc:"Kubernetes label-key syntax: an optional DNS-subdomain prefix and '/', then a name of at most 63 characters."`
	Value                    string `json:"value" maxLength:"63" doc:"Kubernetes label-value syntax; may be empty."`
	PropagateToCloudProvider bool   `json:"propagate_to_cloud_provider,omitempty"`
}

type LabelUpdate struct {
	Value                    *string `json:"value,omitempty" maxLength:"63"`
	PropagateToCloudProvider *bool   `json:"propagate_to_cloud_provider,omitempty"`
}

// ---- Environments ----

type Environment struct {
	ID             string            `json:"id" readOnly:"true"`
	OrganizationID string            `json:"organization_id" readOnly:"true"`
	Name           string            `json:"name"`
	Slug           string            `json:"slug"`
	Status         EnvironmentStatus `json:"status" doc:"connected: the agent is healthy; disconnected: it needs debugging."`
	Default        bool              `json:"default" readOnly:"true" doc:"The environment every new organization starts with."`
	CreatedAt      time.Time         `json:"created_at" readOnly:"true"`
}

type EnvironmentCreate struct {
	Name string `json:"name" minLength:"1" maxLength:"100"`
	Slug string `json:"slug,omitempty" maxLength:"63" doc:"Derived from the name when absent; unique in the organization."`
}

// EnvironmentUpdate is a PATCH; the agent reports its status through it.
type EnvironmentUpdate struct {
	Name   *string            `json:"name,omitempty" minLength:"1" maxLength:"100"`
	Status *EnvironmentStatus `json:"status,omitempty"`
}

// ---- Usage and activity ----

// Quantity names in Usage.
const (
	QuantityMembers             = "members"
	QuantityEnvironments        = "environments"
	QuantityAPITokens           = "api_tokens"
	QuantityContainerRegistries = "container_registries"
	QuantityLabels              = "labels"
)

type Usage struct {
	OrganizationID string          `json:"organization_id"`
	Plan           Plan            `json:"plan"`
	Quantities     []UsageQuantity `json:"quantities"`
}

type UsageQuantity struct {
	Name      string `json:"name"`
	Used      int64  `json:"used"`
	Limit     int64  `json:"limit"`
	Remaining int64  `json:"remaining"`
	// Seats says, for members, what holds the seats counted in Used.
	Seats *Seats `json:"seats,omitempty"`
}

// Seats are what holds the seats of a plan's member limit: active, pending and invited memberships,
// and pending invitations; declined and expired ones hold none.
type Seats struct {
	Active      int64 `json:"active"`
	Pending     int64 `json:"pending"`
	Invited     int64 `json:"invited"`
	Invitations int64 `json:"invitations"`
}

// Total is the seats held.
func (s Seats) Total() int64 { return s.Active + s.Pending + s.Invited + s.Invitations }

type ActivityEntry struct {
	ID             string    `json:"id"`
	OrganizationID string    `json:"organization_id"`
	ActorType      string    `json:"actor_type" enum:"user,token" doc:"Who acted: a user (personal token) or an organization API token."`
	ActorID        string    `json:"actor_id"`
	Action         string    `json:"action" doc:"What was done, such as member.create or label.update."`
	ObjectType     string    `json:"object_type"`
	ObjectID       string    `json:"object_id"`
	At             time.Time `json:"at"`
	// Who the actor is, in words a reader of the log may see (read when the log is listed, so they are
	// what holds now): see ActivityActor.
	ActorEmail string `json:"actor_email,omitempty" doc:"The acting user's address, while the user holds a membership of the organization (the members list shows it to every reader of the log); absent otherwise."`
	ActorName  string `json:"actor_name,omitempty" doc:"The acting organization API token's name, for readers who may list the organization's tokens (owners and admins), while the token exists; absent otherwise."`
	ActorRole  Role   `json:"actor_role,omitempty" doc:"The acting organization API token's role, under the same conditions as actor_name."`
}
