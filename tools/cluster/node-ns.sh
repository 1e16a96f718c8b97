#!/usr/bin/env bash
# Runs the kubelet inside the private mount namespace up.sh creates for it
# (unshare -m --propagation unchanged). The kubelet writes a few kernel tunables
# at start (vm.overcommit_memory=1, kernel.panic=10, kernel.panic_on_oops=1 among
# them); on a shared machine those must not change. Here each tunable whose value
# differs from the kubelet's wish is covered, in this namespace only, by a file
# that already holds that value: the kubelet reads it, finds it as wanted and the
# machine's setting is never touched. /proc is private on the machines we run on,
# so nothing mounted here reaches the host's mount table; the kubelet's root dir
# is a shared mount made by up.sh, so its volume mounts do reach containerd.
#   kubelet-ns.sh STATE_DIR KUBELET_BINARY ARGS...
set -euo pipefail
state="$1" kubelet="$2"
shift 2
grep -q ' /proc .*shared:' /proc/self/mountinfo && mount --make-private /proc
mkdir -p "$state/kubelet-sysctl"
# What the kubelet sets (pkg/kubelet/cm setupKernelTunables, Kubernetes 1.34).
for kv in vm/overcommit_memory=1 vm/panic_on_oom=0 kernel/panic=10 kernel/panic_on_oops=1 \
  kernel/keys/root_maxkeys=1000000 kernel/keys/root_maxbytes=25000000; do
  key="${kv%=*}" want="${kv#*=}"
  [[ "$(cat "/proc/sys/$key")" == "$want" ]] && continue
  file="$state/kubelet-sysctl/${key//\//.}"
  echo "$want" >"$file"
  mount --bind "$file" "/proc/sys/$key"
done
exec "$kubelet" "$@"
