#!/usr/bin/env bash
# The README's two commands on a fresh Debian machine:
#   bash scripts/dev.sh start   # system packages, Node 22, pnpm, dependencies, then `pnpm start`
#   bash scripts/dev.sh test    # the same set-up, then `pnpm test` (what CI runs)
# Needs only bash and, when Node or pnpm are missing, root (apt-get) or npm. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
cmd=${1:?usage: scripts/dev.sh start|test}
shift
NODE_MIN_MAJOR=22
NODE_MIN_MINOR=18 # type stripping on by default (the offline Prisma engine runs its TypeScript directly)
NODE_PREFIX=${MEDGRADE_NODE_PREFIX:-$HOME/.local/share/medgrade-node}
ORIGINAL_PATH=$PATH

node_ok() {
  command -v node >/dev/null || return 1
  local v; v=$(node -p 'process.versions.node')
  local major=${v%%.*} rest=${v#*.}
  [ "$major" -gt $NODE_MIN_MAJOR ] || { [ "$major" -eq $NODE_MIN_MAJOR ] && [ "${rest%%.*}" -ge $NODE_MIN_MINOR ]; }
}

bash scripts/system-setup.sh "$([ "$cmd" = test ] && echo test || echo run)"

if ! node_ok && [ -x "$NODE_PREFIX/node_modules/.bin/node" ]; then export PATH="$NODE_PREFIX/node_modules/.bin:$PATH"; fi
if ! node_ok; then
  # Node >= 22.18 from the npm registry's `node` package, into a private prefix (the system's
  # node, if any, is left alone); npm comes from Debian when even that is missing.
  if ! command -v npm >/dev/null; then
    [ "$(id -u)" = 0 ] || { echo "medgrade: needs Node >= $NODE_MIN_MAJOR.$NODE_MIN_MINOR; install npm with: sudo apt-get install -y npm" >&2; exit 1; }
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -q npm >/dev/null
  fi
  echo "medgrade: installing Node $NODE_MIN_MAJOR into $NODE_PREFIX" >&2
  npm install --prefix "$NODE_PREFIX" --no-audit --no-fund --loglevel=error "node@$NODE_MIN_MAJOR" >/dev/null
  export PATH="$NODE_PREFIX/node_modules/.bin:$PATH"
  node_ok || { echo "medgrade: Node $(node -v) is still older than $NODE_MIN_MAJOR.$NODE_MIN_MINOR" >&2; exit 1; }
fi

PNPM_VERSION=$(node -p 'require("./package.json").packageManager.split("@")[1]')
if [ "$(pnpm --version 2>/dev/null || true)" != "$PNPM_VERSION" ]; then
  echo "medgrade: installing pnpm $PNPM_VERSION" >&2
  npm install --prefix "$NODE_PREFIX" --no-audit --no-fund --loglevel=error "pnpm@$PNPM_VERSION" >/dev/null
  export PATH="$NODE_PREFIX/node_modules/.bin:$PATH"
fi

pnpm install --frozen-lockfile
case ":$ORIGINAL_PATH:" in
  *":$NODE_PREFIX/node_modules/.bin:"*) ;;
  *) if [ "$(command -v node)" = "$NODE_PREFIX/node_modules/.bin/node" ] || [ "$(command -v pnpm)" = "$NODE_PREFIX/node_modules/.bin/pnpm" ]; then
       echo "medgrade: Node $(node -v) and pnpm are in $NODE_PREFIX; for the README's pnpm/medgrade commands in another shell run:" >&2
       echo "  export PATH=\"$NODE_PREFIX/node_modules/.bin:\$PATH\"" >&2
     fi ;;
esac
exec pnpm "$cmd" "$@"
