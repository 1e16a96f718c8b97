#!/usr/bin/env bash
# Builds Helm from the Go module proxy (pinned), once, into a cache outside the repository,
# and prints the binary's path. Used only to render the corpus' Helm charts offline
# (render.sh); the tests read the rendered files and need no Helm.
set -euo pipefail
HELM_VERSION=v3.22.0
cache="${XDG_CACHE_HOME:-$HOME/.cache}/openclaw-gateway-infra/helm-${HELM_VERSION}"
if [ ! -x "$cache/bin/helm" ]; then
  mkdir -p "$cache"
  echo "building helm ${HELM_VERSION} from the Go module proxy into $cache (once)" >&2
  GOBIN="$cache/bin" CGO_ENABLED=0 nice -n 10 go install -p 2 -trimpath "helm.sh/helm/v3/cmd/helm@${HELM_VERSION}" >&2
fi
echo "$cache/bin/helm"
