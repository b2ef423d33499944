package provider_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	tfjson "github.com/hashicorp/terraform-json"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/orgs-dev/terraform-provider-orgs/internal/acctest"
	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
	"github.com/orgs-dev/terraform-provider-orgs/internal/client"
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

// dockerHubWriteOnly are the arguments of a Docker Hub registry whose password is write-only.
func dockerHubWriteOnly(name, url, password string, version int) []string {
	return []string{
		fmt.Sprintf("name = %q", name),
		`kind = "dockerhub"`,
		fmt.Sprintf("url = %q", url),
		`username = "ci-bot"`,
		fmt.Sprintf("secret_wo = %q", password),
		fmt.Sprintf("secret_wo_version = %d", version),
	}
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
		CheckDestroy:             env.CheckDestroy("orgs_container_registry", registryGone),
		Steps: []resource.TestStep{
			{
				Config: registryConfig(env, org.ID, dockerHub("hub", "https://registry-1.docker.io", "first-secret")...),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("description"), knownvalue.StringExact("")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("access_key_id"), knownvalue.Null()),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("password"), knownvalue.StringExact("first-secret")),
					statecheck.ExpectSensitiveValue(addr, tfjsonpath.New("password")),
					// password, unlike secret_wo, keeps the secret in state; this also shows that
					// expectInState sees it there.
					expectInState("first-secret", true),
					sameID.AddStateValue(addr, tfjsonpath.New("id")),
					expectRegistryOnServer(env, org.ID, addr, &id, api.ContainerRegistry{
						Name: "hub", Kind: api.RegistryDockerHub, URL: "https://registry-1.docker.io", Username: "ci-bot",
					}),
					statecheck.ExpectIdentity(addr, map[string]knownvalue.Check{
						"organization_id": knownvalue.StringExact(org.ID),
						"id":              knownvalue.NotNull(),
					}),
					statecheck.ExpectIdentityValueMatchesState(addr, tfjsonpath.New("id")),
				},
			},
			{
				ResourceName:      addr,
				ImportState:       true,
				ImportStateIdFunc: acctest.ImportID(addr, "organization_id", "id"),
				ImportStateVerify: true,
				// The API never returns secrets.
				ImportStateVerifyIgnore: []string{"password", "secret_access_key"},
			},
			{
				// An import block with the identity from state; the step checks that the imported
				// identity equals it. The API never returns the password, so the plan sets it from
				// the configuration: an update, and nothing else.
				ResourceName:       addr,
				ImportState:        true,
				ImportStateKind:    resource.ImportBlockWithResourceIdentity,
				ExpectNonEmptyPlan: true,
				ImportPlanChecks: resource.ImportPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
					plancheck.ExpectKnownValue(addr, tfjsonpath.New("password"), knownvalue.StringExact("first-secret")),
				}},
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
		CheckDestroy:             env.CheckDestroy("orgs_container_registry", registryGone),
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
				ImportStateIdFunc:       acctest.ImportID(addr, "organization_id", "id"),
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
	writes := newWriteRecorder(t, env)
	config := func(args ...string) string { return writes.registryConfig(org.ID, args...) }
	const addr = "orgs_container_registry.test"

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             env.CheckDestroy("orgs_container_registry", registryGone),
		Steps: []resource.TestStep{
			{
				Config: config(dockerHub("hub", "https://registry-1.docker.io", "first-secret")...),
			},
			{
				PreConfig: writes.reset,
				Config:    config(dockerHub("renamed", "https://registry-1.docker.io", "first-secret")...),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
				}},
				Check: writes.expectOne(http.MethodPatch, map[string]any{"name": "renamed"}),
			},
			{
				PreConfig: writes.reset,
				Config:    config(dockerHub("renamed", "https://registry-1.docker.io", "second-secret")...),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
				}},
				Check: writes.expectOne(http.MethodPatch, map[string]any{"password": "second-secret"}),
			},
		},
	})
}

// TestAccContainerRegistry_writeOnlyPassword follows secret_wo through its life: sent on create and
// whenever secret_wo_version changes, never otherwise, never in state; and the moves from and back to
// the sensitive password.
func TestAccContainerRegistry_writeOnlyPassword(t *testing.T) {
	t.Parallel()
	env := acctest.New(t)
	org := env.CreateOrganization(t, api.PlanHobby)
	writes := newWriteRecorder(t, env)
	config := func(args ...string) string { return writes.registryConfig(org.ID, args...) }
	const addr = "orgs_container_registry.test"
	const hubURL = "https://registry-1.docker.io"
	onServer := api.ContainerRegistry{Name: "hub", Kind: api.RegistryDockerHub, URL: hubURL, Username: "ci-bot"}
	var id string

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             env.CheckDestroy("orgs_container_registry", registryGone),
		Steps: []resource.TestStep{
			{
				Config: config(dockerHubWriteOnly("hub", hubURL, "wo-secret-1", 1)...),
				Check: writes.expectOne(http.MethodPost, map[string]any{
					"name": "hub", "kind": "dockerhub", "url": hubURL, "username": "ci-bot", "password": "wo-secret-1",
				}),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("secret_wo"), knownvalue.Null()),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("password"), knownvalue.Null()),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("secret_wo_version"), knownvalue.Int64Exact(1)),
					expectInState("wo-secret-1", false),
					expectRegistryOnServer(env, org.ID, addr, &id, onServer),
				},
			},
			{
				PreConfig: writes.reset,
				Config:    config(dockerHubWriteOnly("hub", hubURL, "wo-secret-1", 1)...),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectEmptyPlan(),
				}},
				Check: writes.expectNone(),
			},
			{
				// Nothing tells a new write-only value from the old one but its version.
				PreConfig: writes.reset,
				Config:    config(dockerHubWriteOnly("hub", hubURL, "wo-secret-2", 1)...),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectEmptyPlan(),
				}},
				Check: writes.expectNone(),
			},
			{
				PreConfig: writes.reset,
				Config:    config(dockerHubWriteOnly("hub", hubURL, "wo-secret-2", 2)...),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
				}},
				Check: writes.expectOne(http.MethodPatch, map[string]any{"password": "wo-secret-2"}),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("secret_wo"), knownvalue.Null()),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("secret_wo_version"), knownvalue.Int64Exact(2)),
					expectInState("wo-secret-2", false),
					expectRegistryOnServer(env, org.ID, addr, &id, onServer),
				},
			},
			{
				ResourceName:      addr,
				ImportState:       true,
				ImportStateIdFunc: acctest.ImportID(addr, "organization_id", "id"),
				ImportStateVerify: true,
				// Nothing in the API gives the version back; secret_wo is null on both sides.
				ImportStateVerifyIgnore: []string{"secret_wo_version"},
			},
			{
				// Back to the sensitive password: sent, and kept in state.
				PreConfig: writes.reset,
				Config:    config(dockerHub("hub", hubURL, "plain-secret")...),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
				}},
				Check: writes.expectOne(http.MethodPatch, map[string]any{"password": "plain-secret"}),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("secret_wo_version"), knownvalue.Null()),
					expectInState("plain-secret", true),
				},
			},
			{
				// The password moves into secret_wo without a version: it leaves the state, and no
				// secret is sent (an empty one least of all); the server keeps the one it has.
				PreConfig: writes.reset,
				Config: config(`name = "hub"`, `kind = "dockerhub"`, fmt.Sprintf("url = %q", hubURL), `username = "ci-bot"`,
					`secret_wo = "wo-secret-3"`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
				}},
				Check: writes.expectOne(http.MethodPatch, map[string]any{}),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("password"), knownvalue.Null()),
					expectInState("plain-secret", false),
					expectInState("wo-secret-3", false),
				},
			},
			{
				// Setting the version is a change like any other: it sends secret_wo.
				PreConfig: writes.reset,
				Config:    config(dockerHubWriteOnly("hub", hubURL, "wo-secret-3", 3)...),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
				}},
				Check: writes.expectOne(http.MethodPatch, map[string]any{"password": "wo-secret-3"}),
				ConfigStateChecks: []statecheck.StateCheck{
					expectInState("wo-secret-3", false),
					expectRegistryOnServer(env, org.ID, addr, &id, onServer),
				},
			},
		},
	})
}

const ecrURL = "https://123456789012.dkr.ecr.eu-west-1.amazonaws.com"

// ecrWriteOnly is the configuration of an ECR registry whose secret key is write-only, with its provider
// talking through writes.
func ecrWriteOnly(writes *writeRecorder, orgID, key string, version int) string {
	return writes.registryConfig(orgID, `name = "images"`, `kind = "ecr"`, fmt.Sprintf("url = %q", ecrURL),
		`access_key_id = "AKIAEXAMPLE"`, fmt.Sprintf("secret_wo = %q", key),
		fmt.Sprintf("secret_wo_version = %d", version))
}

// TestAccContainerRegistry_writeOnlySecretAccessKey covers secret_wo on kind ecr.
func TestAccContainerRegistry_writeOnlySecretAccessKey(t *testing.T) {
	t.Parallel()
	env := acctest.New(t)
	org := env.CreateOrganization(t, api.PlanHobby)
	writes := newWriteRecorder(t, env)
	const addr = "orgs_container_registry.test"
	ecr := func(key string, version int) string { return ecrWriteOnly(writes, org.ID, key, version) }
	onServer := api.ContainerRegistry{Name: "images", Kind: api.RegistryECR, URL: ecrURL, AccessKeyID: "AKIAEXAMPLE"}
	var id string

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             env.CheckDestroy("orgs_container_registry", registryGone),
		Steps: []resource.TestStep{
			{
				Config: ecr("key-1", 1),
				Check: writes.expectOne(http.MethodPost, map[string]any{
					"name": "images", "kind": "ecr", "url": ecrURL, "access_key_id": "AKIAEXAMPLE", "secret_access_key": "key-1",
				}),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("secret_wo"), knownvalue.Null()),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("secret_access_key"), knownvalue.Null()),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("secret_wo_version"), knownvalue.Int64Exact(1)),
					expectInState("key-1", false),
					expectRegistryOnServer(env, org.ID, addr, &id, onServer),
				},
			},
			{
				ResourceName:            addr,
				ImportState:             true,
				ImportStateIdFunc:       acctest.ImportID(addr, "organization_id", "id"),
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"secret_wo_version"},
			},
			{
				PreConfig: writes.reset,
				Config:    ecr("key-2", 2),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
				}},
				Check: writes.expectOne(http.MethodPatch, map[string]any{"secret_access_key": "key-2"}),
				ConfigStateChecks: []statecheck.StateCheck{
					expectInState("key-1", false),
					expectInState("key-2", false),
					expectRegistryOnServer(env, org.ID, addr, &id, onServer),
				},
			},
			{
				PreConfig: writes.reset,
				Config:    ecr("key-2", 2),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectEmptyPlan(),
				}},
				Check: writes.expectNone(),
			},
		},
	})
}

// TestAccContainerRegistry_writeOnlyAfterImport imports a registry made outside Terraform: the import
// has no version of the write-only key, so the first apply sends it, once.
func TestAccContainerRegistry_writeOnlyAfterImport(t *testing.T) {
	t.Parallel()
	env := acctest.New(t)
	org := env.CreateOrganization(t, api.PlanHobby)
	writes := newWriteRecorder(t, env)
	const addr = "orgs_container_registry.test"
	reg, err := env.Client.CreateContainerRegistry(t.Context(), org.ID, api.ContainerRegistryCreate{
		Name: "images", Kind: api.RegistryECR, URL: ecrURL, AccessKeyID: "AKIAEXAMPLE", SecretAccessKey: "made-by-hand",
	})
	if err != nil {
		t.Fatal(err)
	}

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             env.CheckDestroy("orgs_container_registry", registryGone),
		Steps: []resource.TestStep{
			{
				Config:             ecrWriteOnly(writes, org.ID, "key-1", 1),
				ResourceName:       addr,
				ImportState:        true,
				ImportStateId:      org.ID + "/" + reg.ID,
				ImportStatePersist: true,
				ImportStateCheck: func(states []*terraform.InstanceState) error {
					if len(states) != 1 {
						return fmt.Errorf("imported %d objects, want 1", len(states))
					}
					attrs := states[0].Attributes
					if attrs["access_key_id"] != "AKIAEXAMPLE" {
						return fmt.Errorf("imported access_key_id %q, want AKIAEXAMPLE", attrs["access_key_id"])
					}
					for _, name := range []string{"secret_access_key", "secret_wo", "secret_wo_version"} {
						if v, ok := attrs[name]; ok && v != "" {
							return fmt.Errorf("imported %s is %q, want null", name, v)
						}
					}
					return nil
				},
			},
			{
				PreConfig: writes.reset,
				Config:    ecrWriteOnly(writes, org.ID, "key-1", 1),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
				}},
				Check: writes.expectOne(http.MethodPatch, map[string]any{"secret_access_key": "key-1"}),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("id"), knownvalue.StringExact(reg.ID)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("secret_wo_version"), knownvalue.Int64Exact(1)),
					expectInState("key-1", false),
				},
			},
			{
				PreConfig: writes.reset,
				Config:    ecrWriteOnly(writes, org.ID, "key-1", 1),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectEmptyPlan(),
				}},
				Check: writes.expectNone(),
			},
		},
	})
}

// stateCheckFunc adapts a function to statecheck.StateCheck.
type stateCheckFunc func(state *tfjson.State) error

func (f stateCheckFunc) CheckState(_ context.Context, req statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	resp.Error = f(req.State)
}

// expectInState checks whether secret appears anywhere in the state as OpenTofu reads it back from the
// state file (every attribute of every resource, sensitive ones in clear).
func expectInState(secret string, want bool) statecheck.StateCheck {
	return stateCheckFunc(func(state *tfjson.State) error {
		b, err := json.Marshal(state)
		if err != nil {
			return err
		}
		if got := bytes.Contains(b, []byte(secret)); got != want {
			return fmt.Errorf("secret %q in state: %v, want %v", secret, got, want)
		}
		return nil
	})
}

// writeRecorder is a reverse proxy to the reference server that keeps the bodies of the writes (POST
// and PATCH) it forwards, to see which secrets the provider sent.
type writeRecorder struct {
	env    *acctest.Env
	url    string
	mu     sync.Mutex
	writes []recordedWrite
}

type recordedWrite struct {
	method string
	body   map[string]any
}

func (w recordedWrite) String() string { return fmt.Sprintf("%s %v", w.method, w.body) }

func newWriteRecorder(t *testing.T, env *acctest.Env) *writeRecorder {
	u, err := url.Parse(env.Endpoint)
	if err != nil {
		t.Fatal(err)
	}
	p := &writeRecorder{env: env}
	proxy := httputil.NewSingleHostReverseProxy(u)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost || r.Method == http.MethodPatch {
			body, err := io.ReadAll(r.Body)
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadGateway)
				return
			}
			var fields map[string]any
			_ = json.Unmarshal(body, &fields) // a body that is not an object records as nil, and fails the check
			p.mu.Lock()
			p.writes = append(p.writes, recordedWrite{r.Method, fields})
			p.mu.Unlock()
			r.Body = io.NopCloser(bytes.NewReader(body))
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	p.url = srv.URL
	return p
}

// registryConfig is registryConfig with the provider talking to the server through the recorder.
func (p *writeRecorder) registryConfig(orgID string, args ...string) string {
	return fmt.Sprintf("provider \"orgs\" {\n  endpoint = %q\n  token    = %q\n}\n", p.url, p.env.Token) +
		strings.TrimPrefix(registryConfig(p.env, orgID, args...), p.env.ProviderBlock())
}

func (p *writeRecorder) reset() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.writes = nil
}

// expectOne checks that exactly one write went out since the last reset: method, with exactly these
// fields.
func (p *writeRecorder) expectOne(method string, want map[string]any) resource.TestCheckFunc {
	return func(*terraform.State) error {
		p.mu.Lock()
		defer p.mu.Unlock()
		if len(p.writes) != 1 || p.writes[0].method != method || !maps.Equal(p.writes[0].body, want) {
			return fmt.Errorf("writes sent: %v; want exactly one: %s %v", p.writes, method, want)
		}
		return nil
	}
}

// expectNone checks that nothing was written since the last reset.
func (p *writeRecorder) expectNone() resource.TestCheckFunc {
	return func(*terraform.State) error {
		p.mu.Lock()
		defer p.mu.Unlock()
		if len(p.writes) != 0 {
			return fmt.Errorf("writes sent: %v; want none", p.writes)
		}
		return nil
	}
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
				ExpectError: wrappedText(`A registry of kind "ecr" authenticates with access_key_id and secret_access_key (or secret_wo): set access_key_id.`),
			},
			{
				Config:      registryConfig(env, org.ID, `name = "x"`, `kind = "ecr"`, hub, `access_key_id = "AKIA"`, `secret_access_key = "s"`, `password = "p"`),
				PlanOnly:    true,
				ExpectError: wrappedText(`A registry of kind "ecr" authenticates with access_key_id and secret_access_key (or secret_wo), not username and password: remove password.`),
			},
			{
				Config:      registryConfig(env, org.ID, `name = "x"`, `kind = "github"`, hub, `username = "u"`, `password = "p"`, `access_key_id = "AKIA"`),
				PlanOnly:    true,
				ExpectError: wrappedText(`remove access_key_id.`),
			},
			{
				Config:      registryConfig(env, org.ID, `name = "x"`, `kind = "github"`, hub, `username = "u"`),
				PlanOnly:    true,
				ExpectError: wrappedText(`A new registry of kind "github" needs its secret: set password, or secret_wo to keep it out of the state.`),
			},
			{
				Config:      registryConfig(env, org.ID, `name = "x"`, `kind = "github"`, hub, `username = "u"`, `password = "p"`, `secret_wo = "p"`),
				PlanOnly:    true,
				ExpectError: wrappedText(`Attribute "secret_wo" cannot be specified when "password" is specified`),
			},
			{
				Config:      registryConfig(env, org.ID, `name = "x"`, `kind = "github"`, hub, `username = "u"`, `password = "p"`, `secret_wo_version = 1`),
				PlanOnly:    true,
				ExpectError: wrappedText(`secret_wo_version is the version of secret_wo and applies only with it: set secret_wo, or remove secret_wo_version.`),
			},
			{
				Config: registryConfig(env, org.ID, `name = "x"`, `kind = "ecr"`, hub, `access_key_id = "AKIA"`,
					`secret_access_key = "s"`, `secret_wo = "s"`),
				PlanOnly:    true,
				ExpectError: wrappedText(`Attribute "secret_wo" cannot be specified when "secret_access_key" is specified`),
			},
			{
				Config: registryConfig(env, org.ID, `name = "x"`, `kind = "ecr"`, hub, `access_key_id = "AKIA"`,
					`secret_access_key = "s"`, `secret_wo_version = 1`),
				PlanOnly: true,
				ExpectError: wrappedText(`secret_wo_version is the version of secret_wo and applies only with it: ` +
					`set secret_wo, or remove secret_wo_version.`),
			},
			{
				Config:      registryConfig(env, org.ID, `name = "x"`, `kind = "ecr"`, hub, `access_key_id = "AKIA"`),
				PlanOnly:    true,
				ExpectError: wrappedText(`set secret_access_key, or secret_wo to keep it out of the state.`),
			},
			{
				Config:      registryConfig(env, org.ID, `name = "x"`, `kind = "ecr"`, hub, `access_key_id = "AKIA"`, `secret_wo = "s"`, `username = "u"`),
				PlanOnly:    true,
				ExpectError: wrappedText(`A registry of kind "ecr" authenticates with access_key_id and secret_access_key (or secret_wo), not username and password: remove username.`),
			},
			{
				// A write-only secret without a version is valid (sent on create only): the rules above
				// refuse only what they must.
				Config:             registryConfig(env, org.ID, `name = "x"`, `kind = "github"`, hub, `username = "u"`, `secret_wo = "p"`),
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
			},
			{
				Config:      registryConfig(env, org.ID, `name = "x"`, `kind = "github"`, `url = "ghcr.io"`, `username = "u"`, `password = "p"`),
				PlanOnly:    true,
				ExpectError: wrappedText(`Attribute url must be an absolute http or https URL`),
			},
		},
	})
}

// TestContainerRegistry_writeOnlyClientCapabilities validates configurations the way the CLI asks for
// it, with and without the client's support for write-only attributes (Terraform and OpenTofu 1.11 and
// later): a capable client is nudged from a secret kept in state to its write-only variant, an older one
// is not, and an older one cannot silently drop a write-only secret.
func TestContainerRegistry_writeOnlyClientCapabilities(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	server, err := acctest.ProtoV6ProviderFactories["orgs"]()
	if err != nil {
		t.Fatal(err)
	}
	schemas, err := server.GetProviderSchema(ctx, &tfprotov6.GetProviderSchemaRequest{})
	if err != nil {
		t.Fatal(err)
	}
	schema, ok := schemas.ResourceSchemas["orgs_container_registry"]
	if !ok {
		t.Fatal("no orgs_container_registry in the provider schema")
	}
	objectType, ok := schema.ValueType().(tftypes.Object)
	if !ok {
		t.Fatalf("schema value type is %T, want an object", schema.ValueType())
	}
	// config is a configuration with these string arguments, every other one null.
	config := func(args map[string]string) *tfprotov6.DynamicValue {
		values := map[string]tftypes.Value{}
		for name, typ := range objectType.AttributeTypes {
			values[name] = tftypes.NewValue(typ, nil)
			if v, ok := args[name]; ok {
				values[name] = tftypes.NewValue(typ, v)
			}
		}
		dv, err := tfprotov6.NewDynamicValue(objectType, tftypes.NewValue(objectType, values))
		if err != nil {
			t.Fatal(err)
		}
		return &dv
	}
	hub := map[string]string{"organization_id": "org_x", "name": "hub", "kind": "dockerhub", "url": "https://registry-1.docker.io", "username": "u"}
	ecr := map[string]string{"organization_id": "org_x", "name": "ecr", "kind": "ecr", "url": "https://ecr.example.com", "access_key_id": "AKIA"}
	with := func(base map[string]string, name, value string) map[string]string {
		m := maps.Clone(base)
		m[name] = value
		return m
	}

	for _, tc := range []struct {
		name      string
		args      map[string]string
		writeOnly bool   // the client supports write-only attributes
		warnOn    string // the attribute that gets the write-only warning; "" for none
		errorOn   string // the attribute that gets an error; "" for none
	}{
		{name: "password, capable client", args: with(hub, "password", "p"), writeOnly: true, warnOn: "password"},
		{name: "password, older client", args: with(hub, "password", "p")},
		{name: "secret_wo for a password, capable client", args: with(hub, "secret_wo", "p"), writeOnly: true},
		{name: "secret_wo for a password, older client", args: with(hub, "secret_wo", "p"), errorOn: "secret_wo"},
		{name: "secret_access_key, capable client", args: with(ecr, "secret_access_key", "s"), writeOnly: true, warnOn: "secret_access_key"},
		{name: "secret_wo for a secret access key, capable client", args: with(ecr, "secret_wo", "s"), writeOnly: true},
		{name: "secret_wo for a secret access key, older client", args: with(ecr, "secret_wo", "s"), errorOn: "secret_wo"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := server.ValidateResourceConfig(ctx, &tfprotov6.ValidateResourceConfigRequest{
				TypeName:           "orgs_container_registry",
				Config:             config(tc.args),
				ClientCapabilities: &tfprotov6.ValidateResourceConfigClientCapabilities{WriteOnlyAttributesAllowed: tc.writeOnly},
			})
			if err != nil {
				t.Fatal(err)
			}
			var warnedOn, erredOn []string
			for _, d := range resp.Diagnostics {
				var at string
				if d.Attribute != nil {
					at = d.Attribute.String()
				}
				switch d.Severity {
				case tfprotov6.DiagnosticSeverityWarning:
					warnedOn = append(warnedOn, at)
					if !strings.Contains(d.Detail, "secret_wo") {
						t.Errorf("warning on %s does not name secret_wo: %s: %s", at, d.Summary, d.Detail)
					}
				case tfprotov6.DiagnosticSeverityError:
					erredOn = append(erredOn, at)
				}
			}
			if want := nonEmpty(tc.warnOn); !slices.Equal(warnedOn, want) {
				t.Errorf("warnings on %q, want on %q; diagnostics: %v", warnedOn, want, resp.Diagnostics)
			}
			if want := nonEmpty(tc.errorOn); !slices.Equal(erredOn, want) {
				t.Errorf("errors on %q, want on %q; diagnostics: %v", erredOn, want, resp.Diagnostics)
			}
		})
	}
}

// nonEmpty is the attribute paths a diagnostic is expected on: none for "".
func nonEmpty(name string) []string {
	if name == "" {
		return nil
	}
	return []string{tftypes.NewAttributePath().WithAttributeName(name).String()}
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

func registryGone(ctx context.Context, c *client.Client, attrs map[string]string) error {
	_, err := c.GetContainerRegistry(ctx, attrs["organization_id"], attrs["id"])
	return err
}

// TestAccContainerRegistry_planShowsOnlyItsKind (issue 25, item 4): the plan of a registry shows the
// attributes its kind uses and none of the other kind's. The CLIs show every write-only attribute of a
// resource in its plan, set or not, so there is one (secret_wo) that every kind uses.
func TestAccContainerRegistry_planShowsOnlyItsKind(t *testing.T) {
	t.Parallel()
	env := acctest.New(t)
	org := env.CreateOrganization(t, api.PlanTeam)
	cli := acctest.NewCLI(t, env)
	cli.WriteFile("main.tf", fmt.Sprintf(`
variable "secret" {
  type      = string
  sensitive = true
  ephemeral = true
  default   = "s3cret"
}

resource "orgs_container_registry" "ghcr" {
  organization_id   = %[1]q
  name              = "ghcr"
  kind              = "github"
  url               = "https://ghcr.io"
  username          = "bot"
  secret_wo         = var.secret
  secret_wo_version = 1
}

resource "orgs_container_registry" "ecr" {
  organization_id   = %[1]q
  name              = "ecr"
  kind              = "ecr"
  url               = %[2]q
  access_key_id     = "AKIAEXAMPLE"
  secret_wo         = var.secret
  secret_wo_version = 1
}
`, org.ID, ecrURL))
	out := cli.MustRun("plan")
	blocks := map[string]string{}
	for _, name := range []string{"ghcr", "ecr"} {
		m := regexp.MustCompile(`(?s)# orgs_container_registry\.` + name + ` will be created\n(.*?)\n    }\n`).FindStringSubmatch(out)
		if m == nil {
			t.Fatalf("the plan does not create orgs_container_registry.%s:\n%s", name, out)
		}
		blocks[name] = m[1]
	}
	for name, want := range map[string]struct{ shown, hidden []string }{
		"ghcr": {shown: []string{"username", "secret_wo ", "secret_wo_version"}, hidden: []string{"access_key", "password_wo"}},
		"ecr":  {shown: []string{"access_key_id", "secret_wo ", "secret_wo_version"}, hidden: []string{"username", "password", "secret_access_key_wo"}},
	} {
		for _, attr := range want.shown {
			if !strings.Contains(blocks[name], "+ "+attr) {
				t.Errorf("the plan of the %s registry does not show %s:\n%s", name, attr, blocks[name])
			}
		}
		for _, attr := range want.hidden {
			if strings.Contains(blocks[name], attr) {
				t.Errorf("the plan of the %s registry shows %s, which its kind does not use:\n%s", name, attr, blocks[name])
			}
		}
	}
}

// TestContainerRegistry_upgradesStateV0: the state of version 0 had password_wo and
// secret_access_key_wo, each with its version; version 1 has one secret_wo, and keeps the version the
// state held, so renaming the arguments in the configuration changes nothing and sends no secret.
func TestContainerRegistry_upgradesStateV0(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	server, err := acctest.ProtoV6ProviderFactories["orgs"]()
	if err != nil {
		t.Fatal(err)
	}
	schemas, err := server.GetProviderSchema(ctx, &tfprotov6.GetProviderSchemaRequest{})
	if err != nil {
		t.Fatal(err)
	}
	schema := schemas.ResourceSchemas["orgs_container_registry"]
	if schema == nil || schema.Version != 1 {
		t.Fatalf("orgs_container_registry schema: %+v, want version 1", schema)
	}
	for _, tc := range []struct {
		name    string
		v0      string
		version string // "" for null
	}{
		{"password_wo", `"password_wo": null, "password_wo_version": 3, "secret_access_key_wo": null, "secret_access_key_wo_version": null`, "3"},
		{"secret_access_key_wo", `"password_wo": null, "password_wo_version": null, "secret_access_key_wo": null, "secret_access_key_wo_version": 2`, "2"},
		{"neither", `"password_wo": null, "password_wo_version": null, "secret_access_key_wo": null, "secret_access_key_wo_version": null`, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			raw := `{"id": "reg_1", "organization_id": "org_1", "name": "hub", "kind": "dockerhub", "url": "https://registry-1.docker.io",
				"description": "", "username": "u", "password": null, "access_key_id": null, "secret_access_key": null,
				"timeouts": {"create": "5m", "read": null, "update": null, "delete": null}, ` + tc.v0 + `}`
			resp, err := server.UpgradeResourceState(ctx, &tfprotov6.UpgradeResourceStateRequest{
				TypeName: "orgs_container_registry", Version: 0, RawState: &tfprotov6.RawState{JSON: []byte(raw)},
			})
			if err != nil {
				t.Fatal(err)
			}
			if len(resp.Diagnostics) > 0 {
				t.Fatalf("diagnostics: %+v", resp.Diagnostics[0])
			}
			value, err := resp.UpgradedState.Unmarshal(schema.ValueType())
			if err != nil {
				t.Fatal(err)
			}
			var attrs map[string]tftypes.Value
			if err := value.As(&attrs); err != nil {
				t.Fatal(err)
			}
			if _, ok := attrs["password_wo_version"]; ok {
				t.Error("the upgraded state still has password_wo_version")
			}
			var version *big.Float
			if err := attrs["secret_wo_version"].As(&version); err != nil {
				t.Fatal(err)
			}
			got := ""
			if version != nil {
				got = version.String()
			}
			if got != tc.version {
				t.Errorf("secret_wo_version = %q, want %q", got, tc.version)
			}
			var name string
			var timeouts map[string]tftypes.Value
			var create string
			if attrs["name"].As(&name) != nil || name != "hub" || attrs["timeouts"].As(&timeouts) != nil || timeouts["create"].As(&create) != nil || create != "5m" {
				t.Errorf("the upgrade lost what version 0 held: %v", attrs)
			}
		})
	}
}
