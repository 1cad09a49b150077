#!/usr/bin/env bash
# Runs every test of the workspace (unit, rule-level, differential against the real
# ovn-northd, end-to-end).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-debian.sh
cargo test --workspace "$@"
