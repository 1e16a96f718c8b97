// Pins the ingress controller of the local cluster (Traefik). tools/cluster/ingress/build.sh
// downloads this module (checked against go.sum), copies it into its build dir and
// builds cmd/traefik there with upstream's own go.mod/go.sum.
//
// v3.6.12, not v3.7.x: from v3.7 upstream's go.mod replaces github.com/traefik/traefik/dynamic/ext
// with a nested module (./pkg/config/dynamic/ext) that the module zip leaves out and the
// proxy refuses (403), so v3.7 cannot be built from the proxy alone.
module openclaw-gateway-infra/tools/cluster/ingress

go 1.25.0

require github.com/traefik/traefik/v3 v3.6.12
