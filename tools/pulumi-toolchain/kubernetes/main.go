// Command pulumi-resource-kubernetes serves the upstream Kubernetes provider.
//
// The upstream main (provider/cmd/pulumi-resource-kubernetes) embeds
// schema-embed.json and terraform-mapping-embed.json, which its build
// generates and which are not in the module zip. scripts/setup/bootstrap-pulumi.sh
// copies this file to a build directory in the toolchain cache, writes those
// two files there from the module's schema.json and terraform-mapping.json
// (version stamped, as upstream's generate.go does) and builds it; nothing
// fetched is written into the repository.
package main

import (
	_ "embed"

	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/provider"
	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version"
)

//go:embed schema-embed.json
var pulumiSchema []byte

//go:embed terraform-mapping-embed.json
var terraformMapping []byte

func main() {
	provider.Serve("kubernetes", version.Version, pulumiSchema, terraformMapping)
}
