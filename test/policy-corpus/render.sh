#!/usr/bin/env bash
# Re-renders the corpus' Helm charts into files/ and records their sha256 in rendered.sha256.
# The charts come from public repositories at the commits corpus.yaml names; pass the
# directory holding their git mirrors (one bare repository per chart, named owner+name/repo).
# Helm is built from the Go module proxy (build-helm.sh). Every render runs in an empty
# network namespace (unshare -n, needs root): a chart that tried to reach a repository or
# a lookup would fail, not fetch. Helm's config, cache and data dirs are fresh temp dirs.
#
#   bash test/policy-corpus/render.sh /work/.mirror
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
mirrors="${1:?usage: render.sh <directory of git mirrors>}"
helm="$(bash "$here/build-helm.sh")"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export HELM_CACHE_HOME="$work/cache" HELM_CONFIG_HOME="$work/config" HELM_DATA_HOME="$work/data"

# id | repository | commit | chart path | values file in the chart ("" for the defaults) | release | namespace | --set (the chart's required values)
charts=(
  "chrisbattarbee-openclaw-helm--defaults|Chrisbattarbee/openclaw-helm|6e834e64b59970384309b4a4a8ba7590d905c986|charts/openclaw||openclaw|openclaw"
  "chrisbattarbee-openclaw-helm--ci-values|Chrisbattarbee/openclaw-helm|6e834e64b59970384309b4a4a8ba7590d905c986|charts/openclaw|ci/test-values.yaml|openclaw|openclaw"
  "feiskyer-openclaw-kubernetes--defaults|feiskyer/openclaw-kubernetes|d9ca7edfcd56ecce56b1abd00bd6edc4a0bbe9fe|.||openclaw|openclaw|secrets.openclawGatewayToken=corpus-placeholder-not-a-token"
  "wateim-openclaw-helm--defaults|waTeim/openclaw-helm|c954356af6fefbc4bb8e48709b8e07d41d8d0a87|chart||openclaw|openclaw"
  "wateim-openclaw-helm--minimal|waTeim/openclaw-helm|c954356af6fefbc4bb8e48709b8e07d41d8d0a87|chart|examples/values-minimal.yaml|openclaw|openclaw"
)
: > "$here/rendered.sha256.new"
for c in "${charts[@]}"; do
  IFS='|' read -r id repo commit chart values release ns set <<<"$c"
  git_dir="$mirrors/${repo/\//+}/repo"
  src="$work/src/$id"
  mkdir -p "$src"
  git -C "$git_dir" archive "$commit" "$chart" | tar -C "$src" -xf -
  args=(template "$release" "$src/$chart" --namespace "$ns")
  [ -n "$values" ] && args+=(-f "$src/$chart/$values")
  [ -n "${set:-}" ] && args+=(--set "$set")
  out="files/$id.yaml"
  unshare -n -- "$helm" "${args[@]}" > "$here/$out"
  (cd "$here" && sha256sum "$out") >> "$here/rendered.sha256.new"
  echo "rendered $repo@${commit:0:12} $chart ${values:-(default values)} -> $out" >&2
done
mv "$here/rendered.sha256.new" "$here/rendered.sha256"
