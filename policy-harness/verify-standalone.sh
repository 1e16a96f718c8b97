#!/usr/bin/env bash
# Proves the pack stands alone, as `pulumi policy publish` / `--policy-pack <dir>` use it:
# copies policy-pack/ (without the root's node_modules) to a temp dir, installs from its
# own lockfile with `npm ci`, type-checks it with its own TypeScript, starts it through its
# own @pulumi/pulumi/cmd/run-policy-pack and waits for the gRPC port it prints.
# Run with Node >= 22 on PATH (npm scripts in the root put Node 24 first).
set -euo pipefail
src="$(cd "$(dirname "${BASH_SOURCE[0]}")/../policy-pack" && pwd)"
work="$(mktemp -d)"
pid=""
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
tar -C "$src" --exclude=node_modules --exclude=test -cf - . | tar -C "$work" -xf -
cd "$work"
echo "node $(node --version); installing from policy-pack/package-lock.json" >&2
npm ci --no-audit --no-fund --loglevel=error >&2
node node_modules/typescript/bin/tsc -p tsconfig.json --noEmit
node node_modules/@pulumi/pulumi/cmd/run-policy-pack/index.js 127.0.0.1:1 . >"$work/out" 2>"$work/err" &
pid=$!
for _ in $(seq 1 120); do
  if grep -qE '^[0-9]+$' "$work/out" 2>/dev/null; then
    echo "standalone pack serving on 127.0.0.1:$(head -1 "$work/out") (resolved @pulumi/policy $(node -p 'require("@pulumi/policy/package.json").version'), @pulumi/pulumi $(node -p 'require("@pulumi/pulumi/package.json").version'))"
    exit 0
  fi
  if ! kill -0 "$pid" 2>/dev/null; then cat "$work/err" >&2; echo "the pack exited before serving" >&2; exit 1; fi
  sleep 1
done
cat "$work/err" >&2
echo "the pack printed no port within 120 s" >&2
exit 1
