#!/usr/bin/env bash
# Runs a node component (kubelet, kube-proxy) inside a private mount namespace
# that up.sh creates for it (unshare -m --propagation unchanged), so what it
# would change machine-wide is changed nowhere:
#
#  - The kubelet writes kernel tunables at start (vm.overcommit_memory=1,
#    kernel.panic=10, kernel.panic_on_oops=1 among them). Each tunable whose value
#    differs from the kubelet's wish is covered, in this namespace only, by a file
#    that already holds that value: the kubelet reads it, finds it as wanted, and
#    the machine's setting is never touched.
#  - The kubelet creates iptables chains and rules for other components
#    (KUBE-IPTABLES-HINT, KUBE-FIREWALL hooked into INPUT/OUTPUT) and re-creates
#    them every minute; kube-proxy in nftables mode cleans up iptables leftovers.
#    This cluster uses neither: the iptables binaries are covered by a stub that
#    fails, which both treat as "no iptables on this host".
#
# /proc and / are private mounts on the machines this runs on (made private here
# otherwise), so nothing mounted here reaches the host. The kubelet's root dir is
# a shared mount made by up.sh, so its volume mounts do reach containerd.
#   node-ns.sh STATE_DIR BINARY ARGS...
set -euo pipefail
state="$1" binary="$2"
shift 2
grep -Eq ' / / .*shared:' /proc/self/mountinfo && mount --make-private /
grep -Eq ' /proc .*shared:' /proc/self/mountinfo && mount --make-private /proc
mkdir -p "$state/node-ns"
# What the kubelet sets (pkg/kubelet/cm setupKernelTunables, Kubernetes 1.34).
for kv in vm/overcommit_memory=1 vm/panic_on_oom=0 kernel/panic=10 kernel/panic_on_oops=1 \
  kernel/keys/root_maxkeys=1000000 kernel/keys/root_maxbytes=25000000; do
  key="${kv%=*}" want="${kv#*=}"
  [[ "$(cat "/proc/sys/$key")" == "$want" ]] && continue
  file="$state/node-ns/${key//\//.}"
  echo "$want" >"$file"
  mount --bind "$file" "/proc/sys/$key"
done
stub="$state/node-ns/no-iptables"
printf '#!/bin/sh\necho "iptables is not available to this component (tools/cluster/node-ns.sh)" >&2\nexit 1\n' >"$stub"
chmod 0755 "$stub"
for f in /usr/sbin/xtables-nft-multi /usr/sbin/xtables-legacy-multi /usr/sbin/iptables /usr/sbin/ip6tables; do
  [[ -f "$f" && ! -L "$f" ]] && mount --bind "$stub" "$f"
done
exec "$binary" "$@"
