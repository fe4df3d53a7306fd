#!/usr/bin/env bash
# Installs the Debian packages nicwatch's tests and tools use, if any is missing:
# Net-SNMP's agent and tools (snmpd with extend, snmptrap, the BRIDGE-MIB subagent) and Redis.
# --with-nms adds what the integration tests check our output with: Prometheus (promtool),
# Nagios 4, Icinga 2, Zabbix 6.0 server and frontend on PostgreSQL and PHP, and Chromium for the
# dashboard test, docker-compose (reads the compose file without an engine), sudo (visudo), and
# netconfd behind OpenSSH's sshd for the NETCONF tests.
# They are left out otherwise: the demo and the plugin need none of them.
set -euo pipefail

BASE_PACKAGES=(snmpd snmp snmptrapd libsnmp-perl redis-server iproute2)
PACKAGES=("${BASE_PACKAGES[@]}")
# php-cgi comes before the Zabbix frontend, in a step of its own, so that apt does not pull
# Apache in to satisfy the frontend's web server dependency.
NMS_STEPS=(
  "prometheus nagios4-core icinga2-bin icinga2-common chromium fonts-dejavu-core docker-compose sudo"
  "postgresql php-cli php-cgi php-pgsql"
  "netconfd netconfd-module-ietf-interfaces yangcli openssh-server sshpass"
  "zabbix-server-pgsql zabbix-frontend-php"
)
if [ "${1:-}" = "--with-nms" ]; then
  for step in "${NMS_STEPS[@]}"; do
    read -ra step_packages <<<"$step"
    PACKAGES+=("${step_packages[@]}")
  done
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
apt_install() {
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@"
}
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
# In the order of the steps above: each step installs those of its packages still missing.
is_missing() { [[ " ${missing[*]} " == *" $1 "* ]]; }
base=()
for pkg in "${PACKAGES[@]:0:${#BASE_PACKAGES[@]}}"; do is_missing "$pkg" && base+=("$pkg"); done
[ ${#base[@]} -eq 0 ] || apt_install "${base[@]}"
if [ "${1:-}" = "--with-nms" ]; then
  for step in "${NMS_STEPS[@]}"; do
    read -ra step_packages <<<"$step"
    wanted=()
    for pkg in "${step_packages[@]}"; do is_missing "$pkg" && wanted+=("$pkg"); done
    [ ${#wanted[@]} -eq 0 ] || apt_install "${wanted[@]}"
  done
fi
