#!/usr/bin/env bash
# Removes everything a run of the local cluster created, and nothing else. Used
# by `npm run cluster:down`, and by cluster:up before it starts (leftovers of a
# run that was killed, e.g. every process SIGKILLed at the end of a session).
#
# What "created" means is recorded by up.sh in $CLUSTER_STATE/created (one line
# per thing, written before the thing is made); teardown only touches:
#   processes   whose PID file is in $CLUSTER_STATE/pids and whose environment
#               names $CLUSTER_STATE (a recycled PID is never killed), containerd
#               shims started for our containerd socket, and processes in our cgroups
#   mounts      at or below $CLUSTER_STATE
#   network     the bridge $CLUSTER_BRIDGE (its routes go with it), our nft tables, the
#               ingress controller's network namespace $CLUSTER_INGRESS_NETNS and its veth
#   cgroups     $CLUSTER_CGROUP_ROOT in each hierarchy
#   files       $CLUSTER_STATE; directories recorded as created by us (e.g. /run/containerd)
#   bash teardown.sh [--quiet]
set -euo pipefail
# shellcheck source=env.sh
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
quiet=0
[[ "${1:-}" == "--quiet" ]] && quiet=1
say() { ((quiet)) || cluster_log "$*"; }

# Owned PIDs: a PID file of ours whose process still carries our state dir in
# its environment (up.sh exports OPENCLAW_CLUSTER_STATE to everything it starts).
owned_pid() {
  local pid="$1"
  [[ "$pid" =~ ^[0-9]+$ && -r "/proc/$pid/environ" ]] || return 1
  tr '\0' '\n' <"/proc/$pid/environ" 2>/dev/null | grep -qxF "OPENCLAW_CLUSTER_STATE=$CLUSTER_STATE"
}

stop_pids() { # stop_pids SIGNAL-GRACE-SECONDS PID...: TERM, wait, then KILL
  local grace="$1" pid deadline
  shift
  (($#)) || return 0
  kill -TERM "$@" 2>/dev/null || true
  deadline=$((SECONDS + grace))
  for pid in "$@"; do
    while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.2; done
    kill -KILL "$pid" 2>/dev/null || true
  done
}

cgroup_pids() { # every PID in our cgroup subtree, any hierarchy
  local h
  for h in /sys/fs/cgroup/*/; do
    [[ -d "$h${CLUSTER_CGROUP_ROOT#/}" ]] || continue
    find "$h${CLUSTER_CGROUP_ROOT#/}" -name cgroup.procs -exec cat {} + 2>/dev/null || true
  done | sort -un
}

shim_pids() { # containerd shims started for our containerd's socket
  local p
  for p in /proc/[0-9]*; do
    [[ -r "$p/cmdline" ]] || continue
    if tr '\0' ' ' <"$p/cmdline" 2>/dev/null | grep -q "^[^ ]*containerd-shim.* -address $CLUSTER_STATE/"; then
      echo "${p#/proc/}"
    fi
  done
}

[[ -d "$CLUSTER_STATE" ]] || { say "nothing to tear down ($CLUSTER_STATE does not exist)"; exit 0; }
start=$SECONDS

# 1. Control plane and node processes, in reverse start order (kubelet first so
#    it stops restarting pods), each by its own PID file.
order=(enforcer kube-proxy kubelet kube-scheduler kube-controller-manager kube-apiserver)
pids=()
for name in "${order[@]}"; do
  pid="$(cat "$CLUSTER_STATE/pids/$name.pid" 2>/dev/null || true)"
  if owned_pid "$pid"; then pids+=("$pid"); fi
done
stop_pids 10 "${pids[@]}"

# 2. Pods: every process in our cgroups, then the shims, then containerd and etcd.
mapfile -t pids < <(cgroup_pids)
if ((${#pids[@]})); then kill -KILL "${pids[@]}" 2>/dev/null || true; fi
mapfile -t pids < <(shim_pids)
stop_pids 3 "${pids[@]}"
pids=()
for name in containerd etcd; do
  pid="$(cat "$CLUSTER_STATE/pids/$name.pid" 2>/dev/null || true)"
  if owned_pid "$pid"; then pids+=("$pid"); fi
done
stop_pids 10 "${pids[@]}"

# 3. Mounts at or below the state dir (pod rootfs, netns, volumes, the kubelet's
#    shared root), deepest first.
mapfile -t mounts < <(awk -v s="$CLUSTER_STATE" '$5 == s || index($5, s "/") == 1 { print $5 }' /proc/self/mountinfo | awk '{ print length, $0 }' | sort -rn | cut -d' ' -f2-)
for m in "${mounts[@]}"; do
  umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || say "could not unmount $m"
done

# 4. Network: bridge (its addresses and the service route go with it), nft tables.
# The ingress controller's network namespace and its veth (tools/cluster/ingress/start.sh).
if ip netns list 2>/dev/null | grep -qw "^$CLUSTER_INGRESS_NETNS"; then
  ip netns delete "$CLUSTER_INGRESS_NETNS" 2>/dev/null || true
  say "removed network namespace $CLUSTER_INGRESS_NETNS"
fi
ip link show "$CLUSTER_INGRESS_VETH" >/dev/null 2>&1 && ip link delete "$CLUSTER_INGRESS_VETH" 2>/dev/null || true
if ip link show "$CLUSTER_BRIDGE" >/dev/null 2>&1; then
  ip link delete "$CLUSTER_BRIDGE"
fi
for t in "inet $CLUSTER_GUARD_TABLE" "ip kube-proxy" "ip6 kube-proxy" "inet kube-network-policies"; do
  read -r family name <<<"$t"
  if grep -qx "nft $t" "$CLUSTER_STATE/created" 2>/dev/null && nft list table "$family" "$name" >/dev/null 2>&1; then
    nft delete table "$family" "$name"
  fi
done

# 5. cgroups, deepest first (a cgroup dir is removed with rmdir, never rm -r).
for h in /sys/fs/cgroup/*/; do
  d="$h${CLUSTER_CGROUP_ROOT#/}"
  [[ -d "$d" ]] || continue
  find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null || say "could not remove every cgroup under $d"
done

# 6. Files and directories we recorded as created outside the state dir.
if [[ -f "$CLUSTER_STATE/created" ]]; then
  tac "$CLUSTER_STATE/created" | while read -r kind path; do
    case "$kind" in
      dir) rmdir "$path" 2>/dev/null || true ;; # only if empty: someone else may use it now
      symlinks-into-state) find "$path" -maxdepth 1 -type l -lname "$CLUSTER_STATE/*" -delete 2>/dev/null || true ;;
      cni-cache) find "$path" -maxdepth 1 -type f -name "$CLUSTER_NODE_NAME-*" -delete 2>/dev/null || true ;;
    esac
  done
fi
# The last run's logs stay readable after teardown.
if [[ -d "$CLUSTER_STATE/logs" ]]; then
  rm -rf "$CLUSTER_BUILD_ROOT/last-run-logs"
  mkdir -p "$CLUSTER_BUILD_ROOT"
  cp -r "$CLUSTER_STATE/logs" "$CLUSTER_BUILD_ROOT/last-run-logs" 2>/dev/null || true
fi
if awk -v s="$CLUSTER_STATE" 'index($5, s) == 1 { found = 1 } END { exit !found }' /proc/self/mountinfo; then
  cluster_die "mounts remain under $CLUSTER_STATE; not deleting it (see /proc/self/mountinfo)"
fi
rm -rf "$CLUSTER_STATE"
say "torn down in $((SECONDS - start)) s (logs of that run: $CLUSTER_BUILD_ROOT/last-run-logs)"
