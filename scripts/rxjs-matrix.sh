#!/usr/bin/env bash
# Runs the unit suite (jest, the shell's Node) against the oldest and the newest
# RxJS that package.json's peer range admits, and against the latest RxJS 8
# pre-release when one is published (reported, not gated). One line per run:
#   rxjs X.Y.Z: N passed, N failed
#
#   scripts/rxjs-matrix.sh REPORT_DIR
#
# Each RxJS is installed into REPORT_DIR/rxjs-<version>, never into
# node_modules, and jest.config.ts maps `rxjs` and `rxjs/*` to it when
# COHERE_RX_RXJS_DIR is set; scripts/rxjs-version-check.cjs fails the run if
# another RxJS is loaded. What runs the built package in a child process (the
# CLI and packed-tarball specs, the leak spec named "(child process)") is left
# out here: those processes load node_modules' RxJS whatever the mapping says,
# so they would test nothing new. Nor do the *.once.spec.ts suites (Redis,
# child relay processes): they run once, in scripts/node-matrix.sh's main leg.
#
# When the newest is the RxJS in node_modules and the Node matrix has run on the
# shell's Node, that run's result stands for it (see below).
#
# Gated runs' reports are appended to REPORT_DIR/counted for .ci/run's total.
# Exits non-zero if a gated run fails.
set -uo pipefail
cd "$(dirname "$0")/.."

out="${1:?usage: rxjs-matrix.sh REPORT_DIR}"
mkdir -p "$out"

range="$(node -p 'require("./package.json").peerDependencies.rxjs')"
# The published releases in the range (npm lists them in no useful order).
in_range="$(npm view "rxjs@$range" version --json)" || { echo "rxjs-matrix: npm view failed" >&2; exit 1; }
read -r oldest newest < <(node -e '
const key = (v) => v.split(".").map(Number);
const cmp = (a, b) => key(a).reduce((d, x, i) => d || x - key(b)[i], 0);
const v = [].concat(JSON.parse(process.argv[1])).sort(cmp);
console.log(v[0], v[v.length - 1]);' "$in_range")
[ -n "$oldest" ] && [ -n "$newest" ] || { echo "rxjs-matrix: no release in $range" >&2; exit 1; }
next="$(npm view rxjs versions --json | node -e 'const v = JSON.parse(require("fs").readFileSync(0, "utf8")); console.log(v.filter((x) => /^8\.0\.0-/.test(x)).pop() || "")')"

# run VERSION GATED(yes|no)
run() {
  local version="$1" gated="$2" prefix="$out/rxjs-$1" report="$out/rxjs-$1.json" log="$out/rxjs-$1.log" label="rxjs $1"
  [ "$gated" = yes ] && echo "$report" >>"$out/counted"
  [ "$gated" = yes ] || label="rxjs $version (pre-release, not gated)"
  rm -f "$report"
  if ! npm install --no-save --no-audit --no-fund --loglevel=error --prefix "$prefix" "rxjs@$version" >"$log" 2>&1; then
    echo "$label: does not install"
    tail -n 20 "$log"
    [ "$gated" = yes ] && return 1
    return 0
  fi
  COHERE_RX_RXJS_DIR="$prefix/node_modules/rxjs" COHERE_RX_RXJS_VERSION="$version" \
    node node_modules/jest/bin/jest.js --json --outputFile="$report" \
    --testPathIgnorePatterns '/node_modules/' '/spec/cli\.spec\.ts$' '/spec/package\.spec\.ts$' '\.once\.spec\.ts$' \
    --testNamePattern '^(?!.*\(child process\))' >>"$log" 2>&1
  local jest_status=$?
  node scripts/jest-summary.mjs line "$label" "$report"
  if [ "$jest_status" -ne 0 ]; then
    echo "---- jest against rxjs $version exited $jest_status; its log ($log) ends with:"
    tail -n 60 "$log"
    echo "----"
    [ "$gated" = yes ] && return 1
  fi
  return 0
}

status=0
run "$oldest" yes || status=1
# When node_modules already holds the newest 7.x, the Node matrix's run on the
# shell's Node (REPORT_DIR/node-<major>.json) tested it: show that report's
# result for it instead of running the same suite on the same RxJS again (it is
# counted once, there).
own="$(node -p 'require("rxjs/package.json").version')"
major="$(node -p 'process.versions.node.split(".")[0]')"
if [ "$newest" = "$own" ] && [ -f "$out/node-$major.json" ]; then
  node scripts/jest-summary.mjs line "rxjs $newest (node_modules; the node $(node -v) run above)" "$out/node-$major.json"
elif [ "$newest" != "$oldest" ]; then
  run "$newest" yes || status=1
fi
if [ -n "$next" ]; then run "$next" no; else echo "rxjs 8: no pre-release published"; fi
exit "$status"
