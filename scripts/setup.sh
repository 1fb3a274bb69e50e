#!/usr/bin/env bash
# Prepares a fresh machine for wharf: the Debian packages the tests start servers from,
# pnpm (through corepack), the workspace's packages, and a build. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '\n==> %s\n' "$*"; }

missing_debian_packages() {
  local wanted=()
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || wanted+=(postgresql)
  command -v redis-server >/dev/null 2>&1 || wanted+=(redis-server)
  # Ceph's S3 gateway and the one-node cluster it stores into (the S3 store's tests).
  command -v radosgw >/dev/null 2>&1 || wanted+=(radosgw)
  command -v ceph-mon >/dev/null 2>&1 || wanted+=(ceph-mon)
  command -v ceph-osd >/dev/null 2>&1 || wanted+=(ceph-osd)
  # The sqlite3 shell is a baseline of the benchmarks (pnpm bench), not needed by the tests.
  command -v sqlite3 >/dev/null 2>&1 || wanted+=(sqlite3)
  echo "${wanted[@]:-}"
}

packages=$(missing_debian_packages)
if [ -n "$packages" ]; then
  log "installing Debian packages: $packages"
  if [ "$(id -u)" -eq 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $packages
  elif command -v sudo >/dev/null 2>&1; then
    sudo apt-get update -qq
    sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $packages
  else
    echo "wharf: the tests need these Debian packages: $packages (apt-get install -y $packages)" >&2
    exit 1
  fi
fi

pnpm_version=$(node -p "require('./package.json').packageManager.split('@')[1]")
if ! pnpm --version 2>/dev/null | grep -qx "$pnpm_version"; then
  log "activating pnpm $pnpm_version"
  export COREPACK_ENABLE_DOWNLOAD_PROMPT=0 COREPACK_INTEGRITY_KEYS=0
  if ! { corepack enable && corepack prepare "pnpm@$pnpm_version" --activate; } >/dev/null 2>&1; then
    npm install --global --no-audit --no-fund "pnpm@$pnpm_version"
  fi
fi

log "installing packages (pnpm $(pnpm --version))"
pnpm install --frozen-lockfile

log "building"
pnpm build
