package main_test

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
)

// testKeysRotate: `keys rotate` re-seals the container registries with a new server key and replaces
// the key file; the server then starts with the new file and opens the secrets, and refuses to start
// with the old key, saying which key the database expects.
func testKeysRotate(t *testing.T, bin string) {
	dir := t.TempDir()
	db := filepath.Join(dir, "orgs.db")
	owner, token := "keys-owner-"+randomHex()+"@example.test", "orgs_pat_"+randomHex()+randomHex()
	p := start(t, bin, db, owner, token)
	var org api.Organization
	p.must(t, http.StatusCreated, token, http.MethodPost, api.PathOrganizations,
		api.OrganizationCreate{Name: "keys", AdminContactEmails: []string{owner}, Plan: api.PlanTeam}, &org)
	var reg api.ContainerRegistry
	p.must(t, http.StatusCreated, token, http.MethodPost, strings.ReplaceAll(api.PathContainerRegistries, "{org_id}", org.ID),
		api.ContainerRegistryCreate{Name: "ghcr", Kind: api.RegistryGitHub, URL: "https://ghcr.example.test", Username: "robot", Password: "hunter2"}, &reg)
	if err := p.stop(t, syscall.SIGTERM); err != nil {
		t.Fatalf("stop: %v", err)
	}
	oldKey, err := os.ReadFile(db + ".key")
	if err != nil {
		t.Fatal(err)
	}

	stdout, stderr, code := runCommand(t, bin, "keys", "rotate", "-db", db)
	if code != 0 || stdout != "" || !strings.Contains(stderr, "re-sealed 1 container registries with a new server key") {
		t.Fatalf("keys rotate: exit %d\nstdout %q\nstderr %s", code, stdout, stderr)
	}
	newKey, err := os.ReadFile(db + ".key")
	if err != nil || bytes.Equal(newKey, oldKey) {
		t.Fatalf("the key file after the rotation: %v (unchanged: %v)", err, bytes.Equal(newKey, oldKey))
	}
	if _, err := os.Stat(db + ".key.new"); !os.IsNotExist(err) {
		t.Fatalf("the rotation left its pending key file: %v", err)
	}

	p = start(t, bin, db, owner, token)
	p.must(t, http.StatusOK, token, http.MethodPatch,
		strings.ReplaceAll(strings.ReplaceAll(api.PathContainerRegistry, "{org_id}", org.ID), "{registry_id}", reg.ID),
		api.ContainerRegistryUpdate{Description: new("re-sealed")}, nil)
	if err := p.stop(t, syscall.SIGTERM); err != nil {
		t.Fatalf("stop: %v", err)
	}

	if err := os.WriteFile(db+".key", oldKey, 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, bin, "-listen", "127.0.0.1:0", "-db", db).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "does not open the database") || !strings.Contains(string(out), "expects the key with id") {
		t.Fatalf("started with the key from before the rotation: %v\n%s", err, out)
	}
}
