#!/usr/bin/env bash
# What a newcomer does, checked: clone main into an empty temporary folder (nothing beside it, no
# engine variables), run the README's two commands, and walk the README's first calls against the
# running platform. Uses its own database and object folder so it can run beside a development
# platform, but the platform's default ports (stop `pnpm start` first).
# --finetune also pastes the README's fine-tuning walk-through (about 10 minutes of CPU training).
#   bash scripts/fresh-clone-check.sh [--skip-tests] [--finetune] [repo-url-or-path]
set -euo pipefail
skip_tests=no
finetune=no
while [ "${1:-}" = --skip-tests ] || [ "${1:-}" = --finetune ]; do
  [ "$1" = --skip-tests ] && skip_tests=yes
  [ "$1" = --finetune ] && finetune=yes
  shift
done
source_repo=${1:-$(git -C "$(dirname "$0")/.." rev-parse --show-toplevel)}
work=$(mktemp -d)
clone="$work/medgrade"
db="medgrade_fresh_$$"
platform_pid=
cleanup() {
  [ -n "$platform_pid" ] && kill -TERM -- "-$platform_pid" 2>/dev/null && sleep 3
  psql -h 127.0.0.1 -U postgres -d postgres -qc "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
say() { printf '\n== fresh-clone-check: %s\n' "$*"; }
fail() { printf '\nfresh-clone-check FAILED: %s\n' "$*" >&2; exit 1; }

say "clone $source_repo (main) into $clone"
git clone -q --branch main "$source_repo" "$clone"
cd "$clone"
[ "$(ls -A "$work")" = medgrade ] || fail "the clone has company in $work"
unset PRISMA_SCHEMA_ENGINE_BINARY MEDGRADE_NODE_PREFIX
export DATABASE_URL="postgresql://postgres@127.0.0.1:5432/$db" STORAGE_FS_ROOT="$work/objects" REDIS_KEY_PREFIX="fresh$$"

if [ "$skip_tests" = no ]; then
  say "README command 2: bash scripts/dev.sh test"
  bash scripts/dev.sh test || fail "the test command failed"
fi

say "README command 1: bash scripts/dev.sh start"
setsid bash scripts/dev.sh start >"$work/start.log" 2>&1 &
platform_pid=$!
for _ in $(seq 1 180); do
  curl -sf localhost:8080/health/ready >/dev/null 2>&1 && break
  kill -0 "$platform_pid" 2>/dev/null || { tail -30 "$work/start.log"; fail "pnpm start exited"; }
  sleep 1
done
curl -sf localhost:8080/health/ready || { tail -30 "$work/start.log"; fail "/health/ready never answered"; }

say "README first calls"
# As the README says for a shell of its own when the set-up installed Node/pnpm privately.
export PATH="${MEDGRADE_NODE_PREFIX:-$HOME/.local/share/medgrade-node}/node_modules/.bin:$PATH"
KEY=$(pnpm --silent medgrade keys create --org fresh --project chest --scopes '*' | node -pe 'JSON.parse(require("fs").readFileSync(0)).key')
auth=(-H "Authorization: Bearer $KEY")
curl -sf localhost:8080/v1/me "${auth[@]}" | grep -q '"orgId"' || fail "/v1/me"
code=$(curl -s -o /dev/null -w '%{http_code}' localhost:8080/v1/audit/events)
[ "$code" = 401 ] || fail "/v1/audit/events without a key answered $code, not 401"
pnpm --silent medgrade synth --out "$work/cxr" --count 3 --seed 7 >/dev/null
upload=$(curl -sf -X POST localhost:8080/v1/uploads "${auth[@]}" -F "file=@$work/cxr/000001.dcm")
upload_id=$(node -pe 'JSON.parse(process.argv[1]).uploadId' "$upload")
for _ in $(seq 1 60); do
  status=$(curl -sf "localhost:8080/v1/uploads/$upload_id" "${auth[@]}")
  echo "$status" | grep -q '"READY"' && break
  sleep 1
done
echo "$status" | grep -q '"READY"' || fail "upload $upload_id never became READY: $status"
curl -sf localhost:8080/v1/studies "${auth[@]}" | grep -q '"studyInstanceUid"' || fail "/v1/studies lists no study"
if [ "$finetune" = yes ]; then
  say "README walk-through: Fine-tune a model on your studies"
  bash scripts/readme-walkthrough.sh "Fine-tune a model on your studies" || fail "the README's fine-tuning walk-through"
fi
say "passed: fresh clone installs, tests, starts and serves the README's first calls"
