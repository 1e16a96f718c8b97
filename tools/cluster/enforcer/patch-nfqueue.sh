#!/usr/bin/env bash
# Changes a copy of sigs.k8s.io/kube-network-policies v0.8.0 (never the module
# cache, never the repository) so that it runs on this project's local cluster:
#
#   1. Every nft "queue" expression becomes the xtables NFQUEUE target through
#      nft_compat (openclawQueue in nfqueue_xt.go.txt): the kernel here has
#      NFQUEUE as an xtables target but no nft queue expression, and upstream's
#      rules fail to load with "no such file or directory" otherwise.
#   2. The API client config comes from OPENCLAW_KNP_* variables when set
#      (kubeconfig.go.txt), so the enforcer runs as a host process.
#
# Each edit must match exactly the expected number of times, or the build stops:
# a new upstream version must be looked at, not patched blindly.
#
#   bash patch-nfqueue.sh <copy of the module> <tools/cluster/enforcer>
set -euo pipefail
src="${1:?module copy}"
here="${2:?tools/cluster/enforcer}"

# replace FILE COUNT PERL_SUBSTITUTION: apply, and insist on COUNT matches.
replace() {
  local file="$src/$1" want="$2" expr="$3" got
  got="$(perl -0pi -e "\$c += ($expr); END { print STDERR \$c + 0 }" "$file" 2>&1)"
  [[ "$got" == "$want" ]] || { echo "patch-nfqueue: $1: expected $want match(es), found $got" >&2; exit 1; }
}

controller=pkg/networkpolicy/controller.go
# queue := &expr.Queue{Num: uint16(c.config.QueueID)}
# if c.config.FailOpen { queue.Flag = expr.QueueFlagBypass }
replace "$controller" 2 's/queue := &expr\.Queue\{Num: uint16\(c\.config\.QueueID\)\}\n\s*if c\.config\.FailOpen \{\n\s*queue\.Flag = expr\.QueueFlagBypass\n\s*\}/queue := openclawQueue(uint16(c.config.QueueID), c.config.FailOpen)/g'
replace pkg/networkpolicy/dnsagent.go 1 's/&expr\.Queue\{Num: uint16\(n\.nfQueueID\), Flag: expr\.QueueFlagBypass\}/openclawQueue(uint16(n.nfQueueID), true)/g'
replace cmd/main.go 1 's/rest\.InClusterConfig\(\)/openclawRestConfig(rest.InClusterConfig)/g'
if grep -rn 'expr\.Queue' "$src/pkg" --include='*.go' | grep -v _test.go; then
  echo "patch-nfqueue: an nft queue expression is left (above)" >&2
  exit 1
fi
cp "$here/nfqueue_xt.go.txt" "$src/pkg/networkpolicy/openclaw_nfqueue_xt.go"
cp "$here/kubeconfig.go.txt" "$src/cmd/openclaw_kubeconfig.go"
gofmt -l "$src/pkg/networkpolicy" "$src/cmd" | grep . && { echo "patch-nfqueue: gofmt differences" >&2; exit 1; }
echo "patch-nfqueue: applied to $src" >&2
