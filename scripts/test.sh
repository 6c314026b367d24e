#!/usr/bin/env bash
# The whole test suite: lint + format check, type check, then every test (unit, registry integration).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh

npx biome check .
npx tsc -p tsconfig.json --noEmit

results=$(mktemp)
status=0
npx vitest run --reporter=default --reporter=json --outputFile.json="$results" "$@" || status=$?
# One plain closing line that any CI reader understands.
node -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  const skipped = r.numPendingTests + r.numTodoTests;
  console.log(`tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${skipped} skipped`);
' "$results" || true
rm -f "$results"
exit "$status"
