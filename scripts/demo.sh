#!/usr/bin/env bash
# The demo (`make demo`, or `make demo CLI=terraform`): builds the provider and the reference server,
# takes the CLI (an OpenTofu or Terraform already installed when its version is one the provider
# supports, tofu first unless CLI names one; otherwise the pinned one, built from source once), starts
# the server on a free loopback port with a fresh database,
# applies examples/demo (which prints its outputs), checks that a second plan has nothing to do, and
# stops the server. Everything it writes lives in a temporary directory that is removed at the end;
# nothing is left running, whatever happens.
#
# DEMO_CLI=/path/to/tofu (or terraform) uses that binary as it is: the test command's demo step runs
# the pinned OpenTofu, as the tests do.
#
# `make demo KEEP=1` keeps going instead: the server keeps running and everything stays in .demo/ (the
# database, the state, the configuration), and the demo prints the commands to continue from there.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
source scripts/lib.sh

root=$(pwd)
keep="${KEEP:-}"
if [ -n "$keep" ]; then
  work="$root/.demo"
  if [ -f "$work/server.pid" ] && kill -0 "$(cat "$work/server.pid")" 2>/dev/null; then
    die "a kept demo is still running (pid $(cat "$work/server.pid")); stop it first: kill $(cat "$work/server.pid")"
  fi
  rm -rf "$work"
  mkdir -p "$work"
else
  work=$(mktemp -d)
fi
server_pid=""
started=$SECONDS

cleanup() {
  local rc=$?
  if [ -n "$keep" ] && [ "$rc" -eq 0 ]; then
    exit 0 # kept on purpose: the server runs on, .demo/ stays
  fi
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    echo ">> stopping the reference server"
    kill -TERM "$server_pid" 2>/dev/null || true
    # Give it a moment to close the database cleanly, then make sure it is gone.
    for _ in $(seq 50); do
      kill -0 "$server_pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  [ -n "$keep" ] || rm -rf "$work"
  if [ "$rc" -eq 130 ]; then
    echo "demo interrupted" >&2
  elif [ "$rc" -ne 0 ]; then
    echo "demo FAILED (see the message above)" >&2
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

n=0
step() {
  n=$((n + 1))
  printf '\n==> %d. %s\n' "$n" "$*"
}

step "building the provider and the reference server"
mkdir -p "$work/bin" "$work/demo"
go build -o "$work/bin/terraform-provider-orgs" .
go build -o "$work/bin/orgs-apiserver" ./internal/cmd/orgs-apiserver

cli_name="${CLI:-}"
case "$cli_name" in
'' | tofu | terraform) ;;
*) die "CLI must be tofu or terraform, not $cli_name" ;;
esac
if [ -n "${DEMO_CLI:-}" ]; then
  step "using the CLI DEMO_CLI names"
  [ -x "$DEMO_CLI" ] || die "DEMO_CLI=$DEMO_CLI is not an executable file"
  cli="$DEMO_CLI"
  echo "using $cli"
else
  step "finding ${cli_name:-OpenTofu or Terraform}: an installed one the provider supports, or the pinned one built from source"
  if ! cli=$(scripts/find-cli.sh ${cli_name:+"$cli_name"}); then
    echo "building the pinned ${cli_name:-tofu} instead (the first time: 5 to 10 minutes; then cached)"
    cli=$(scripts/ensure-cli.sh "${cli_name:-tofu}")
    echo "using $cli"
  fi
fi
case "$(basename "$cli")" in
terraform*) cli_name=terraform ;;
*) cli_name=tofu ;;
esac

step "starting the reference server on a free loopback port, with a fresh database"
# A fresh random bootstrap token, handed to the server and the provider through the environment only.
# The demo adds alice@ and bob@ as members directly; -auto-accept-memberships makes them active at once
# instead of pending until they accept, which a demo with nobody to accept needs (local use only).
token=$(od -An -tx1 -N24 /dev/urandom | tr -d ' \n')
log="$work/server.log"
ORGS_BOOTSTRAP_EMAIL=demo-owner@example.com \
  ORGS_BOOTSTRAP_TOKEN="$token" \
  ORGS_SEED_USERS=alice@example.com,bob@example.com \
  "$work/bin/orgs-apiserver" -listen 127.0.0.1:0 -db "$work/orgs.db" -auto-accept-memberships >"$log" 2>&1 &
server_pid=$!
echo "$server_pid" >"$work/server.pid"

endpoint=""
deadline=$((SECONDS + 30))
while [ -z "$endpoint" ]; do
  endpoint=$(grep -o 'listening on http://[^[:space:]"]*' "$log" | head -n 1 | sed 's/^listening on //' || true)
  [ -n "$endpoint" ] && break
  if ! kill -0 "$server_pid" 2>/dev/null; then
    cat "$log" >&2
    die "the reference server exited before it was ready"
  fi
  if [ "$SECONDS" -ge "$deadline" ]; then
    cat "$log" >&2
    die "the reference server did not say it was listening within 30s"
  fi
  sleep 0.1
done
echo "server ready at $endpoint (database $work/orgs.db; users demo-owner@, alice@ and bob@example.com)"

step "writing a CLI configuration that uses the provider just built (dev_overrides)"
cat >"$work/cli.tfrc" <<EOF
provider_installation {
  dev_overrides {
    "orgs-dev/orgs" = "$work/bin"
  }
  direct {}
}
EOF
cp "$root"/examples/demo/*.tf "$work/demo/"
export TF_CLI_CONFIG_FILE="$work/cli.tfrc"
export TF_IN_AUTOMATION=1
export ORGS_ENDPOINT="$endpoint"
export ORGS_TOKEN="$token"
unset TF_CLI_ARGS TF_CLI_ARGS_plan TF_CLI_ARGS_apply TF_WORKSPACE
echo "wrote $TF_CLI_CONFIG_FILE; the configuration is a copy of examples/demo"

step "$cli_name apply: an organization with members, a team, an invitation, an API token, a registry and labels (its outputs at the end)"
"$cli" -chdir="$work/demo" apply -auto-approve -input=false -no-color

step "a second plan, which must find nothing to change"
set +e
"$cli" -chdir="$work/demo" plan -detailed-exitcode -input=false -no-color >"$work/plan.txt" 2>&1
plan_rc=$?
set -e
case "$plan_rc" in
0) echo "no changes: the configuration and the server agree" ;;
2)
  cat "$work/plan.txt" >&2
  die "the second plan wants changes (above); after an apply it must be empty"
  ;;
*)
  cat "$work/plan.txt" >&2
  die "the second plan failed (exit code $plan_rc)"
  ;;
esac

printf '\n==> demo passed in %ds\n' $((SECONDS - started))

if [ -n "$keep" ]; then
  # The credential goes into a file only the user can read, never onto the terminal.
  umask 077
  printf 'export TF_CLI_CONFIG_FILE=%q\nexport ORGS_ENDPOINT=%q\nexport ORGS_TOKEN=%q\n' \
    "$work/cli.tfrc" "$endpoint" "$token" >"$work/env.sh"
  cli_base=$(basename "$cli")
  org_id=$("$cli" -chdir="$work/demo" output -raw organization_id)
  printf '\nThe reference server is still running (pid %s, database %s, log %s),\n' "$server_pid" "$work/orgs.db" "$work/server.log"
  printf 'and the state is in %s. To continue, with %s (%s):\n\n' "$work/demo" "$cli_base" "$cli"
  printf '  source .demo/env.sh && cd .demo/demo && alias %s=%q\n' "$cli_base" "$cli"
  printf '  %s plan                          # nothing to change\n' "$cli_base"
  printf '  %s\n' "sed -i '/orgs_member\" \"alice\"/,/^}/ s/\"admin\"/\"member\"/' main.tf"
  printf '  %s apply                         # alice@example.com becomes a plain member: one update in place\n' "$cli_base"
  printf '  %s state rm orgs_member.alice    # forget her membership, then import it back:\n' "$cli_base"
  printf '  %s import orgs_member.alice %s/alice@example.com\n' "$cli_base" "$org_id"
  printf '  %s plan                          # nothing to change again\n\n' "$cli_base"
  printf 'When you are done: kill %s   (and rm -rf .demo to start afresh)\n' "$server_pid"
fi
