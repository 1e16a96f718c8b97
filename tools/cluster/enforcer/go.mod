// Pins the NetworkPolicy enforcer for the local cluster. tools/cluster/build.sh
// downloads this module (checked against go.sum), copies it into its build dir,
// applies patch-nfqueue.sh there and builds it with upstream's own go.mod/go.sum.
module openclaw-gateway-infra/tools/cluster/enforcer

go 1.23.0

require sigs.k8s.io/kube-network-policies v0.8.0
