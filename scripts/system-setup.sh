#!/usr/bin/env bash
# Make this Debian machine ready for medgrade: system packages (scripts/system-packages.txt),
# PostgreSQL and Redis running on loopback. Installs what is missing when run as root; otherwise
# stops at once naming the one command that installs it. Idempotent; quiet when all is there.
#   scripts/system-setup.sh run    # what `pnpm start` needs
#   scripts/system-setup.sh test   # what `pnpm test` needs (run + test packages)
set -euo pipefail
cd "$(dirname "$0")/.."
need=${1:-test}

packages=()
while read -r pkg scope _; do
  [ -z "$pkg" ] || [ "${pkg:0:1}" = "#" ] && continue
  [ "$need" = run ] && [ "$scope" != run ] && continue
  dpkg -s "$pkg" >/dev/null 2>&1 || packages+=("$pkg")
done < scripts/system-packages.txt

fresh_postgres=no
if [ ${#packages[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
    echo "medgrade: missing system packages: ${packages[*]}" >&2
    echo "install them with: sudo apt-get install -y ${packages[*]}" >&2
    exit 1
  fi
  printf ' %s' "${packages[@]}" | grep -qw postgresql && ! ls /etc/postgresql >/dev/null 2>&1 && fresh_postgres=yes
  echo "medgrade: installing ${packages[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get -o DPkg::Lock::Timeout=600 update -q >/dev/null
  apt-get -o DPkg::Lock::Timeout=600 install -y -q "${packages[@]}" >/dev/null
fi

if ! pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
  version=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n 1)
  [ -n "$version" ] || { echo "medgrade: PostgreSQL is not installed and not reachable on 127.0.0.1:5432" >&2; exit 1; }
  if [ "$fresh_postgres" = yes ]; then
    # A cluster this script just created: let local TCP connections in without a password, as the
    # development defaults (postgresql://postgres@127.0.0.1:5432) expect. Loopback only.
    sed -i '1i host all all 127.0.0.1/32 trust\nhost all all ::1/128 trust' "/etc/postgresql/$version/main/pg_hba.conf"
  fi
  pg_ctlcluster --skip-systemctl-redirect "$version" main start
  for _ in $(seq 1 30); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 1; done
  pg_isready -h 127.0.0.1 -p 5432 -q || { echo "medgrade: PostgreSQL $version did not start" >&2; exit 1; }
fi

if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  command -v redis-server >/dev/null || { echo "medgrade: Redis is not installed and not reachable on 127.0.0.1:6379" >&2; exit 1; }
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no --maxmemory-policy noeviction >/dev/null
  for _ in $(seq 1 30); do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && break; sleep 1; done
  redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 || { echo "medgrade: Redis did not start" >&2; exit 1; }
fi
