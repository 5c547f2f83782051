#!/usr/bin/env bash
# Install (Debian packages) and start PostgreSQL and Redis for the scale-out tests
# (tests/app/test_app_scaleout.py), with the role, database and URLs those tests use:
#   SHELFWISE_TEST_POSTGRES_URL=postgresql://shelfwise:shelfwise@127.0.0.1:5432/shelfwise_test
#   SHELFWISE_TEST_REDIS_URL=redis://127.0.0.1:6379/15
# Idempotent: safe to run again. Needs root (CI and the dev machines run as root).
set -euo pipefail

need=()
command -v pg_ctlcluster >/dev/null 2>&1 || need+=(postgresql)
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
if [ ${#need[@]} -gt 0 ]; then
  echo "services: installing ${need[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi

# PostgreSQL: the newest installed version's "main" cluster, created when missing.
version=$(ls /usr/lib/postgresql | sort -V | tail -1)
if ! pg_lsclusters -h | awk '{print $1" "$2}' | grep -qx "$version main"; then
  pg_createcluster "$version" main >/dev/null
fi
if ! pg_lsclusters -h | awk -v v="$version" '$1==v && $2=="main" {print $4}' | grep -q online; then
  pg_ctlcluster "$version" main start
fi
for _ in $(seq 1 30); do
  su postgres -c "psql -qtAc 'SELECT 1'" >/dev/null 2>&1 && break
  sleep 1
done
su postgres -c "psql -qtAc \"SELECT 1 FROM pg_roles WHERE rolname='shelfwise'\"" | grep -q 1 ||
  su postgres -c "psql -qc \"CREATE ROLE shelfwise LOGIN PASSWORD 'shelfwise' CREATEDB\""
su postgres -c "psql -qtAc \"SELECT 1 FROM pg_database WHERE datname='shelfwise_test'\"" | grep -q 1 ||
  su postgres -c "createdb -O shelfwise shelfwise_test"

# Redis on loopback, as a daemon.
if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  redis-server --bind 127.0.0.1 --port 6379 --daemonize yes --save '' --appendonly no \
    --logfile /tmp/shelfwise-redis.log
  for _ in $(seq 1 30); do
    redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && break
    sleep 0.2
  done
fi
echo "services: postgresql $version and redis are up"
