// Network probe for the local cluster self-test (tools/cluster/selftest.sh).
module openclaw-gateway-infra/tools/cluster/probe

go 1.24
