package provider_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"

	tfjson "github.com/hashicorp/terraform-json"
	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/orgs-dev/terraform-provider-orgs/internal/acctest"
	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
)

// registryConfig is one orgs_container_registry.test with the given argument lines.
func registryConfig(env *acctest.Env, orgID string, args ...string) string {
	return env.ProviderBlock() + fmt.Sprintf(`
resource "orgs_container_registry" "test" {
  organization_id = %q
  %s
}
`, orgID, strings.Join(args, "\n  "))
}

// dockerHub are the arguments of a Docker Hub registry.
func dockerHub(name, url, password string, more ...string) []string {
	return append([]string{
		fmt.Sprintf("name = %q", name),
		`kind = "dockerhub"`,
		fmt.Sprintf("url = %q", url),
		`username = "ci-bot"`,
		fmt.Sprintf("password = %q", password),
	}, more...)
}

func TestAccContainerRegistry_lifecycle(t *testing.T) {
	t.Parallel()
	env := acctest.New(t)
	org := env.CreateOrganization(t, api.PlanHobby)
	const addr = "orgs_container_registry.test"
	sameID := statecheck.CompareValue(compare.ValuesSame())
	var id string

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             checkDestroyed(env, "orgs_container_registry", registryGone),
		Steps: []resource.TestStep{
			{
				Config: registryConfig(env, org.ID, dockerHub("hub", "https://registry-1.docker.io", "first-secret")...),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("description"), knownvalue.StringExact("")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("access_key_id"), knownvalue.Null()),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("password"), knownvalue.StringExact("first-secret")),
					statecheck.ExpectSensitiveValue(addr, tfjsonpath.New("password")),
					sameID.AddStateValue(addr, tfjsonpath.New("id")),
					expectRegistryOnServer(env, org.ID, addr, &id, api.ContainerRegistry{
						Name: "hub", Kind: api.RegistryDockerHub, URL: "https://registry-1.docker.io", Username: "ci-bot",
					}),
				},
			},
			{
				ResourceName:      addr,
				ImportState:       true,
				ImportStateIdFunc: importIDOf(addr),
				ImportStateVerify: true,
				// The API never returns secrets.
				ImportStateVerifyIgnore: []string{"password", "secret_access_key"},
			},
			{
				Config: registryConfig(env, org.ID, dockerHub("hub-mirror", "https://mirror.example.com", "second-secret", `description = "pulls base images"`)...),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					sameID.AddStateValue(addr, tfjsonpath.New("id")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("password"), knownvalue.StringExact("second-secret")),
					expectRegistryOnServer(env, org.ID, addr, &id, api.ContainerRegistry{
						Name: "hub-mirror", Kind: api.RegistryDockerHub, URL: "https://mirror.example.com",
						Description: "pulls base images", Username: "ci-bot",
					}),
				},
			},
			{
				Config: registryConfig(env, org.ID, dockerHub("hub-mirror", "https://mirror.example.com", "second-secret", `description = "pulls base images"`)...),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectEmptyPlan(),
				}},
			},
			{
				PreConfig: func() {
					if err := env.Client.DeleteContainerRegistry(t.Context(), org.ID, id); err != nil {
						t.Fatalf("delete registry behind Terraform's back: %v", err)
					}
				},
				Config: registryConfig(env, org.ID, dockerHub("hub-mirror", "https://mirror.example.com", "second-secret", `description = "pulls base images"`)...),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionCreate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					expectRegistryOnServer(env, org.ID, addr, &id, api.ContainerRegistry{
						Name: "hub-mirror", Kind: api.RegistryDockerHub, URL: "https://mirror.example.com",
						Description: "pulls base images", Username: "ci-bot",
					}),
				},
			},
		},
	})
}

// TestAccContainerRegistry_accessKeys covers kind ecr, which authenticates with access keys, and a
// change of kind, which the API cannot make in place.
func TestAccContainerRegistry_accessKeys(t *testing.T) {
	t.Parallel()
	env := acctest.New(t)
	org := env.CreateOrganization(t, api.PlanHobby)
	const addr = "orgs_container_registry.test"
	ecr := []string{
		`name = "images"`,
		`kind = "ecr"`,
		`url = "https://123456789012.dkr.ecr.eu-west-1.amazonaws.com"`,
		`access_key_id = "AKIAEXAMPLE"`,
		`secret_access_key = "not-really-secret"`,
	}
	idsDiffer := statecheck.CompareValue(compare.ValuesDiffer())
	var id string

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             checkDestroyed(env, "orgs_container_registry", registryGone),
		Steps: []resource.TestStep{
			{
				Config: registryConfig(env, org.ID, ecr...),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("username"), knownvalue.Null()),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("password"), knownvalue.Null()),
					statecheck.ExpectSensitiveValue(addr, tfjsonpath.New("secret_access_key")),
					idsDiffer.AddStateValue(addr, tfjsonpath.New("id")),
					expectRegistryOnServer(env, org.ID, addr, &id, api.ContainerRegistry{
						Name: "images", Kind: api.RegistryECR, URL: "https://123456789012.dkr.ecr.eu-west-1.amazonaws.com", AccessKeyID: "AKIAEXAMPLE",
					}),
				},
			},
			{
				ResourceName:            addr,
				ImportState:             true,
				ImportStateIdFunc:       importIDOf(addr),
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"password", "secret_access_key"},
			},
			{
				Config: registryConfig(env, org.ID, dockerHub("images", "https://registry-1.docker.io", "hub-secret")...),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionDestroyBeforeCreate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					idsDiffer.AddStateValue(addr, tfjsonpath.New("id")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("access_key_id"), knownvalue.Null()),
					expectRegistryOnServer(env, org.ID, addr, &id, api.ContainerRegistry{
						Name: "images", Kind: api.RegistryDockerHub, URL: "https://registry-1.docker.io", Username: "ci-bot",
					}),
				},
			},
		},
	})
}

// TestAccContainerRegistry_secretsSentOnlyWhenChanged watches the provider's requests through a proxy:
// an update that leaves the password alone must not send it again; one that changes it must.
func TestAccContainerRegistry_secretsSentOnlyWhenChanged(t *testing.T) {
	t.Parallel()
	env := acctest.New(t)
	org := env.CreateOrganization(t, api.PlanHobby)
	patches := newPatchRecorder(t, env.Endpoint)
	config := func(args ...string) string {
		return fmt.Sprintf("provider \"orgs\" {\n  endpoint = %q\n  token    = %q\n}\n", patches.url, env.Token) +
			strings.TrimPrefix(registryConfig(env, org.ID, args...), env.ProviderBlock())
	}
	const addr = "orgs_container_registry.test"

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             checkDestroyed(env, "orgs_container_registry", registryGone),
		Steps: []resource.TestStep{
			{
				Config: config(dockerHub("hub", "https://registry-1.docker.io", "first-secret")...),
			},
			{
				PreConfig: patches.reset,
				Config:    config(dockerHub("renamed", "https://registry-1.docker.io", "first-secret")...),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
				}},
				Check: func(*terraform.State) error {
					return patches.expectOne(map[string]any{"name": "renamed"})
				},
			},
			{
				PreConfig: patches.reset,
				Config:    config(dockerHub("renamed", "https://registry-1.docker.io", "second-secret")...),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
				}},
				Check: func(*terraform.State) error {
					return patches.expectOne(map[string]any{"password": "second-secret"})
				},
			},
		},
	})
}

// patchRecorder is a reverse proxy to the reference server that keeps the bodies of the PATCH requests
// it forwards.
type patchRecorder struct {
	url    string
	mu     sync.Mutex
	bodies []map[string]any
}

func newPatchRecorder(t *testing.T, target string) *patchRecorder {
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	p := &patchRecorder{}
	proxy := httputil.NewSingleHostReverseProxy(u)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPatch {
			body, err := io.ReadAll(r.Body)
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadGateway)
				return
			}
			var fields map[string]any
			_ = json.Unmarshal(body, &fields) // a body that is not an object records as nil, and fails the check
			p.mu.Lock()
			p.bodies = append(p.bodies, fields)
			p.mu.Unlock()
			r.Body = io.NopCloser(bytes.NewReader(body))
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	p.url = srv.URL
	return p
}

func (p *patchRecorder) reset() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.bodies = nil
}

// expectOne checks that exactly one PATCH went out since the last reset, with exactly these fields.
func (p *patchRecorder) expectOne(want map[string]any) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.bodies) != 1 || !maps.Equal(p.bodies[0], want) {
		return fmt.Errorf("PATCH bodies sent: %v; want exactly one: %v", p.bodies, want)
	}
	return nil
}

func TestAccContainerRegistry_validation(t *testing.T) {
	t.Parallel()
	env := acctest.New(t)
	org := env.CreateOrganization(t, api.PlanHobby)
	hub := `url = "https://registry-1.docker.io"`

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:   registryConfig(env, org.ID, `name = "x"`, `kind = "quay"`, hub, `username = "u"`, `password = "p"`),
				PlanOnly: true,
				ExpectError: regexp.MustCompile(`(?s)` + wrappedText(`Attribute kind value must be one of:`).String() +
					`.*got:(?:\s|│)+"quay"`),
			},
			{
				Config:      registryConfig(env, org.ID, `name = "x"`, `kind = "ecr"`, hub),
				PlanOnly:    true,
				ExpectError: wrappedText(`A registry of kind "ecr" authenticates with access_key_id and secret_access_key: set access_key_id.`),
			},
			{
				Config:      registryConfig(env, org.ID, `name = "x"`, `kind = "ecr"`, hub, `access_key_id = "AKIA"`, `secret_access_key = "s"`, `password = "p"`),
				PlanOnly:    true,
				ExpectError: wrappedText(`A registry of kind "ecr" authenticates with access_key_id and secret_access_key, not username and password: remove password.`),
			},
			{
				Config:      registryConfig(env, org.ID, `name = "x"`, `kind = "github"`, hub, `username = "u"`, `password = "p"`, `access_key_id = "AKIA"`),
				PlanOnly:    true,
				ExpectError: wrappedText(`remove access_key_id.`),
			},
			{
				Config:      registryConfig(env, org.ID, `name = "x"`, `kind = "github"`, hub, `username = "u"`),
				PlanOnly:    true,
				ExpectError: wrappedText(`A registry of kind "github" authenticates with username and password: set password.`),
			},
			{
				Config:      registryConfig(env, org.ID, `name = "x"`, `kind = "github"`, `url = "ghcr.io"`, `username = "u"`, `password = "p"`),
				PlanOnly:    true,
				ExpectError: wrappedText(`Attribute url must be an absolute http or https URL`),
			},
		},
	})
}

// expectRegistryOnServer compares the server's registry (the one whose id is in state; recorded in *id)
// with want, on the fields the API returns.
func expectRegistryOnServer(env *acctest.Env, orgID, addr string, id *string, want api.ContainerRegistry) statecheck.StateCheck {
	return serverCheck(func(ctx context.Context, state *tfjson.State) error {
		var err error
		if *id, err = stateString(state, addr, "id"); err != nil {
			return err
		}
		got, err := env.Client.GetContainerRegistry(ctx, orgID, *id)
		if err != nil {
			return fmt.Errorf("registry on the server: %w", err)
		}
		if got.Name != want.Name || got.Kind != want.Kind || got.URL != want.URL || got.Description != want.Description ||
			got.Username != want.Username || got.AccessKeyID != want.AccessKeyID {
			return fmt.Errorf("registry on the server: %+v\nwant: %+v", *got, want)
		}
		return nil
	})
}

func registryGone(ctx context.Context, env *acctest.Env, attrs map[string]string) error {
	_, err := env.Client.GetContainerRegistry(ctx, attrs["organization_id"], attrs["id"])
	return err
}
