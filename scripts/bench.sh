#!/usr/bin/env bash
# Benchmarks (npm run bench [name]): each prints measured ratios against a baseline in the same run.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh
npx tsx bench/run.ts "$@"
