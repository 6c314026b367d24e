#!/usr/bin/env bash
# Quick start: installs what is missing, then scans a sample image served by a local registry.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh
npx tsx scripts/demo.ts "$@"
