#!/usr/bin/env bash
# Runs `nicwatch check` the way Nagios would, over SNMP against a private snmpd on a loopback port.
# The snmpd's extends print this machine's own bonds (/proc/net/bonding/*) and, so there is
# always something to judge, two example bonds: one healthy, one running on a single leg.
set -euo pipefail
cd "$(dirname "$0")/.."

command -v snmpd >/dev/null || { echo "snmpd is missing: run scripts/install-deps.sh" >&2; exit 1; }
[ -f dist/cli/nicwatch.js ] || npm run build >/dev/null

dir=$(mktemp -d)
port=$(node -e 'const s=require("dgram").createSocket("udp4");s.bind(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
cleanup() { [ -f "$dir/snmpd.pid" ] && kill "$(cat "$dir/snmpd.pid")" 2>/dev/null; rm -rf "$dir"; }
trap cleanup EXIT

extends=(example-healthy example-degraded)
{
  echo "agentaddress udp:127.0.0.1:$port"
  echo "rocommunity public 127.0.0.1"
  echo "extend example-healthy /bin/cat $PWD/test/fixtures/bonding/active-backup-mii-both-up.txt"
  echo "extend example-degraded /bin/cat $PWD/test/fixtures/bonding/active-backup-mii-one-down.txt"
  for bond in /proc/net/bonding/*; do
    [ -e "$bond" ] || continue
    echo "extend $(basename "$bond") /bin/cat $bond"
    extends+=("$(basename "$bond")")
  done
} > "$dir/snmpd.conf"

MIBS= snmpd -C -c "$dir/snmpd.conf" -Lf "$dir/snmpd.log" -p "$dir/snmpd.pid"
for _ in $(seq 1 50); do
  MIBS= snmpget -v2c -c public -t 0.2 -r 0 -M /dev/null "127.0.0.1:$port" 1.3.6.1.2.1.1.3.0 >/dev/null 2>&1 && break
  sleep 0.1
done

status=0
for name in "${extends[@]}"; do
  echo "\$ nicwatch check --host 127.0.0.1 --port $port -C public --extend $name"
  node --openssl-legacy-provider dist/cli/nicwatch.js check --host 127.0.0.1 --port "$port" -C public --extend "$name" || status=$?
  echo "(exit status $status)"
  echo
  status=0
done
