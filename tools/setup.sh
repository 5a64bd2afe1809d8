#!/usr/bin/env bash
# Idempotent set-up for a fresh Debian machine: system packages for a CPU WebGPU adapter and
# headless browser tests, then the pinned npm packages. Safe to run before every command.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
# Debian's chromium ships SwiftShader (a Vulkan CPU driver) and is the browser the tests drive.
[ -f /usr/lib/chromium/vk_swiftshader_icd.json ] || need_apt+=(chromium)
# (no `grep -q` here: with pipefail its early exit would fail the pipeline)
[ -n "$(ldconfig -p 2>/dev/null | grep 'libvulkan.so.1')" ] || need_apt+=(libvulkan1)
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "pointvis setup: missing Debian packages: ${need_apt[*]}. Run as root: apt-get install -y ${need_apt[*]}" >&2
    exit 1
  fi
  echo "pointvis setup: installing ${need_apt[*]} (apt-get)" >&2
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

# npm ci only when the lock file changed since the last install.
stamp=node_modules/.pointvis-lock-stamp
if [ ! -f "$stamp" ] || ! cmp -s package-lock.json "$stamp"; then
  echo "pointvis setup: npm ci" >&2
  npm ci --no-audit --no-fund --loglevel=error >&2
  cp package-lock.json "$stamp"
fi
