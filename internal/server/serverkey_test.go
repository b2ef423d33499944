package server_test

import (
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
	"github.com/orgs-dev/terraform-provider-orgs/internal/server"
	"github.com/orgs-dev/terraform-provider-orgs/internal/server/seal"
	"github.com/orgs-dev/terraform-provider-orgs/internal/server/servertest"
)

// sealedRegistry starts a server whose key is in its key file, makes a container registry (its password
// sealed with that key), and stops the server. It returns the database, the key and the registry's path.
func sealedRegistry(t *testing.T) (dbPath string, key []byte, registryPath, token string) {
	t.Helper()
	h := newHarness(t)
	owner := h.signup(t)
	org := h.createOrg(t, owner.Token, api.PlanTeam)
	reg, _ := h.createRegistry(t, owner.Token, org.ID)
	if err := h.Server.Close(); err != nil {
		t.Fatal(err)
	}
	key, err := seal.ReadKeyFile(h.DBPath + ".key")
	if err != nil {
		t.Fatal(err)
	}
	return h.DBPath, key, path(api.PathContainerRegistry, "org_id", org.ID, "registry_id", reg.ID), owner.Token
}

// TestServerKeyMustMatch (round two, finding 2): a server started with another key, or whose key file is
// gone while the database holds sealed secrets, refuses to start, saying which key the database expects
// and how to recover; nothing is written, and with the right key back everything opens.
func TestServerKeyMustMatch(t *testing.T) {
	t.Parallel()
	dbPath, key, registryPath, token := sealedRegistry(t)

	other := seal.NewKey()
	_, err := server.New(server.Config{DBPath: dbPath, SecretKey: other})
	if err == nil || !strings.Contains(err.Error(), "expects the key with id "+seal.KeyID(key)) ||
		!strings.Contains(err.Error(), "the server key from ORGS_SECRET_KEY (id "+seal.KeyID(other)+")") || !strings.Contains(err.Error(), "keys rotate") {
		t.Fatalf("started with another key: %v; want a refusal naming both key ids, where the wrong one came from, and the rotation", err)
	}
	// The same from a key file: the refusal names the file.
	otherFile := dbPath + ".other.key"
	if err := seal.WriteKeyFile(otherFile, other); err != nil {
		t.Fatal(err)
	}
	_, err = server.New(server.Config{DBPath: dbPath, KeyFile: otherFile})
	if err == nil || !strings.Contains(err.Error(), "the server key from the key file "+otherFile+" (id "+seal.KeyID(other)+")") {
		t.Fatalf("started with another key file: %v; want a refusal naming that file", err)
	}

	if err := os.Rename(dbPath+".key", dbPath+".key.bak"); err != nil {
		t.Fatal(err)
	}
	_, err = server.New(server.Config{DBPath: dbPath})
	if err == nil || !strings.Contains(err.Error(), "does not exist, but the database") || !strings.Contains(err.Error(), "restore the key file") {
		t.Fatalf("started without its key file: %v; want a refusal saying to restore it", err)
	}
	if _, err := os.Stat(dbPath + ".key"); !os.IsNotExist(err) {
		t.Fatalf("the refused start made a key file anyway: %v", err)
	}
	if err := os.Rename(dbPath+".key.bak", dbPath+".key"); err != nil {
		t.Fatal(err)
	}

	h := restart(t, dbPath)
	h.expect(t, http.StatusOK, token, http.MethodPatch, registryPath, api.ContainerRegistryUpdate{Description: new("still opens")})
}

// TestRotateKey: the rotation refuses to run beside a server, re-seals every sealed secret with the new
// key in one transaction; the server then starts with the new key, opens the secrets, and refuses the
// old key.
func TestRotateKey(t *testing.T) {
	t.Parallel()
	dbPath, oldKey, registryPath, token := sealedRegistry(t)
	newKey := seal.NewKey()
	admin, err := server.OpenAdmin(t.Context(), server.AdminConfig{DBPath: dbPath})
	if err != nil {
		t.Fatal(err)
	}
	// Beside a running server the rotation is refused: that server holds the old key.
	running := restart(t, dbPath)
	if _, err := admin.RotateKey(t.Context(), oldKey, newKey); err == nil || !strings.Contains(err.Error(), "a server is running on") {
		t.Fatalf("a rotation beside a running server: %v", err)
	}
	if err := running.Server.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := admin.RotateKey(t.Context(), newKey, seal.NewKey()); err == nil || !strings.Contains(err.Error(), "is not the database's") {
		t.Fatalf("a rotation from a key that is not the database's: %v", err)
	}
	n, err := admin.RotateKey(t.Context(), oldKey, newKey)
	if err != nil || n != 1 {
		t.Fatalf("rotate: %d re-sealed, %v; want the one registry", n, err)
	}
	if err := admin.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := server.New(server.Config{DBPath: dbPath, SecretKey: oldKey}); err == nil {
		t.Fatal("the old key still starts the server after the rotation")
	}
	s := servertest.Start(t, servertest.WithDatabase(dbPath), servertest.WithConfig(func(c *server.Config) { c.SecretKey = newKey }))
	h := &harness{URL: s.URL, DBPath: dbPath, Server: s.Server, client: &http.Client{}}
	h.expect(t, http.StatusOK, token, http.MethodPatch, registryPath, api.ContainerRegistryUpdate{Description: new("re-sealed")})
}

// restart starts a server again on dbPath (its key from the key file beside it).
func restart(t *testing.T, dbPath string) *harness {
	t.Helper()
	s := servertest.Start(t, servertest.WithDatabase(dbPath))
	return &harness{URL: s.URL, DBPath: dbPath, Server: s.Server, client: &http.Client{}}
}
