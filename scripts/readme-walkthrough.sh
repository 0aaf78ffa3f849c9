#!/usr/bin/env bash
# Runs a README walk-through exactly as a newcomer pastes it: the indented command block under the
# named heading, line by line in one bash, stopping at the first command that fails. The platform
# must be running (`bash scripts/dev.sh start`). Used by scripts/fresh-clone-check.sh --finetune.
#   bash scripts/readme-walkthrough.sh "Fine-tune a model on your studies"
set -euo pipefail
cd "$(dirname "$0")/.."
heading=${1:?usage: scripts/readme-walkthrough.sh "<README heading>"}
# The first indented block after the heading, up to the first unindented line that follows it.
block=$(awk -v h="## $heading" '
  $0 == h { inside = 1; next }
  inside && /^## / { exit }
  inside && /^    / { started = 1; print substr($0, 5); next }
  inside && started && /^$/ { print ""; next }
  inside && started { exit }
' README.md)
[ -n "$block" ] || { echo "readme-walkthrough: no command block under '## $heading' in README.md" >&2; exit 1; }
printf '== readme-walkthrough: %s (%d lines)\n' "$heading" "$(wc -l <<<"$block")"
# Every answer the block prints goes to the log; a curl that gets a 4xx/5xx makes the block fail
# only where the README itself checks, so check each HTTP status here by wrapping curl.
curl() {
  local out status
  out=$(command curl -sS -w '\n%{http_code}' "$@") || return $?
  status=${out##*$'\n'}
  printf '%s\n' "${out%$'\n'*}"
  if [ "$status" -ge 400 ]; then echo "readme-walkthrough: HTTP $status from: curl $*" >&2; return 22; fi
}
export -f curl
bash -euo pipefail -c "$block"
echo "== readme-walkthrough: passed"
