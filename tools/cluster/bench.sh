#!/usr/bin/env bash
# `npm run bench:cluster`: figures of the local cluster, printed as numbers.
#   - build: per part and step, from each part's build.json (the first build on a
#     machine is the cold figure: empty Go module and build caches);
#   - cached cluster:up to node Ready and to DNS Ready, and cluster:down, each
#     measured by running them (this RESTARTS a running cluster; it is left
#     running at the end);
#   - memory of the running cluster: RSS and PSS per component, shims and pods.
#
#   bash tools/cluster/bench.sh [--memory-only] [--runs N]
set -euo pipefail
# shellcheck source=env.sh
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
S="$CLUSTER_STATE"
memory_only=0
runs=1
while (($#)); do
  case "$1" in
    --memory-only) memory_only=1 ;;
    --runs) runs="${2:?--runs needs a number}"; shift ;;
    *) cluster_die "bench.sh: unknown argument '$1' (expected --memory-only or --runs N)" ;;
  esac
  shift
done

echo "== build (per part; the first build on this machine is the cold figure)"
for part in kubernetes etcd coredns enforcer images; do
  f="$(bash "$CLUSTER_TOOLS/build.sh" --dir "$part")/build.json"
  if [[ -f "$f" ]]; then
    # shellcheck disable=SC2016 # JavaScript
    node -e '
      const b = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
      const steps = Object.entries(b.buildSeconds).map(([k, v]) => `${k}=${v}s`).join(" ");
      console.log(`  ${b.part.padEnd(11)} built ${b.builtAt} (load at end ${b.loadAverageAtEnd}): ${steps}`);
    ' "$f"
  else
    echo "  $part: not built yet"
  fi
done
du -sh "$CLUSTER_BUILD_ROOT" 2>/dev/null | awk '{ print "  build cache on disk: " $1 }'

if ((!memory_only)); then
  echo "== cached cluster:up / cluster:down (load average now: $(cut -d' ' -f1-3 /proc/loadavg))"
  for i in $(seq 1 "$runs"); do
    t0=$(date +%s.%N)
    bash "$CLUSTER_TOOLS/down.sh" >/dev/null 2>&1
    t1=$(date +%s.%N)
    bash "$CLUSTER_TOOLS/up.sh" >/dev/null 2>"$CLUSTER_BUILD_ROOT/bench-up.log" ||
      { tail -20 "$CLUSTER_BUILD_ROOT/bench-up.log" >&2; cluster_die "cluster:up failed during the benchmark"; }
    t2=$(date +%s.%N)
    printf '  run %d: cluster:down %.1f s; cluster:up to node Ready %s s, to DNS Ready %s s (wall %.1f s)\n' "$i" \
      "$(echo "$t1 - $t0" | bc)" "$(cat "$S/node-ready-seconds")" "$(cat "$S/up-seconds")" "$(echo "$t2 - $t1" | bc)"
  done
  sleep 20 # let the components settle before measuring memory
fi

echo "== memory of the running cluster (MiB)"
bash "$CLUSTER_TOOLS/status.sh" --healthy || cluster_die "the cluster is not running; start it with npm run cluster:up"
mem() { # mem PID: "RSS PSS" in KiB
  local rss pss
  rss="$(awk '/^VmRSS/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0)"
  pss="$(awk '/^Pss:/ { print $2 }' "/proc/$1/smaps_rollup" 2>/dev/null || echo 0)"
  echo "${rss:-0} ${pss:-0}"
}
total_rss=0
total_pss=0
row() { # row NAME RSS_KIB PSS_KIB
  printf '  %-26s RSS %6.1f  PSS %6.1f\n' "$1" "$(echo "$2 / 1024" | bc -l)" "$(echo "$3 / 1024" | bc -l)"
  total_rss=$((total_rss + $2))
  total_pss=$((total_pss + $3))
}
for c in etcd kube-apiserver containerd kube-controller-manager kube-scheduler kubelet kube-proxy enforcer; do
  read -r r p < <(mem "$(cat "$S/pids/$c.pid")")
  row "$c" "$r" "$p"
done
r_sum=0
p_sum=0
n=0
for pid in /proc/[0-9]*; do
  if tr '\0' ' ' <"$pid/cmdline" 2>/dev/null | grep -q "^[^ ]*containerd-shim.* -address $S/"; then
    read -r r p < <(mem "${pid#/proc/}")
    r_sum=$((r_sum + r))
    p_sum=$((p_sum + p))
    n=$((n + 1))
  fi
done
row "containerd shims ($n)" "$r_sum" "$p_sum"
r_sum=0
p_sum=0
n=0
while read -r pid; do
  read -r r p < <(mem "$pid")
  r_sum=$((r_sum + r))
  p_sum=$((p_sum + p))
  n=$((n + 1))
done < <(find "/sys/fs/cgroup/memory${CLUSTER_CGROUP_ROOT}" -name cgroup.procs -exec cat {} + 2>/dev/null | sort -un)
row "pods' processes ($n)" "$r_sum" "$p_sum"
printf '  %-26s RSS %6.1f  PSS %6.1f\n' "total" "$(echo "$total_rss / 1024" | bc -l)" "$(echo "$total_pss / 1024" | bc -l)"
