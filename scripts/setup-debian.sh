#!/usr/bin/env bash
# Installs what ovn-dd and its tests need on Debian: OVN 23.03 and Open vSwitch (the
# real ovn-northd is the oracle of the differential tests). Idempotent; installs as root
# (through sudo when run by another user).
set -euo pipefail
need=()
for tool in ovn-northd ovn-nbctl ovn-sbctl ovn-trace ovn-ic ovsdb-server ovsdb-tool ovs-vswitchd ovn-controller openssl; do
    command -v "$tool" >/dev/null 2>&1 || need+=("$tool")
done
if [ ${#need[@]} -gt 0 ]; then
    echo "setup-debian: installing OVN and Open vSwitch (missing: ${need[*]})" >&2
    as_root=()
    [ "$(id -u)" -eq 0 ] || as_root=(sudo DEBIAN_FRONTEND=noninteractive)
    export DEBIAN_FRONTEND=noninteractive
    "${as_root[@]}" apt-get update -q
    # openssl: the SSL client test makes its certificates with it.
    "${as_root[@]}" apt-get install -y -q ovn-central ovn-ic ovn-ic-db ovn-host openvswitch-switch openssl >/dev/null
fi
# The packages may start system daemons; the tests run their own in temp dirs.
command -v cargo >/dev/null 2>&1 || { echo "setup-debian: cargo is required" >&2; exit 1; }
