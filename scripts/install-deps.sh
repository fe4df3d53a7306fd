#!/usr/bin/env bash
# Installs the Debian packages nicwatch's tests and tools use, if any is missing:
# Net-SNMP's agent and tools (snmpd with extend, snmptrap, the BRIDGE-MIB subagent) and Redis.
# --with-nms adds the monitoring programs the integration tests check our output with
# (promtool from prometheus); they are left out otherwise, as installing them starts services.
set -euo pipefail

PACKAGES=(snmpd snmp snmptrapd libsnmp-perl redis-server iproute2)
if [ "${1:-}" = "--with-nms" ]; then
  PACKAGES+=(prometheus)
fi

missing=()
for pkg in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: ${PACKAGES[*]} already installed"
  exit 0
fi

as_root=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "install-deps: run as root (or install sudo) to install ${missing[*]}" >&2; exit 1; }
  as_root=(sudo)
fi
echo "install-deps: installing ${missing[*]}"
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
