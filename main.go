// Command terraform-provider-orgs serves the orgs provider to Terraform or OpenTofu.
package main

import (
	"context"
	"flag"
	"log"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"

	"github.com/orgs-dev/terraform-provider-orgs/internal/provider"
)

// version is set at release time with -ldflags "-X main.version=1.2.3".
var version = "dev"

func main() {
	debug := flag.Bool("debug", false, "run with support for debuggers such as delve")
	flag.Parse()

	err := providerserver.Serve(context.Background(), provider.New(version), providerserver.ServeOpts{
		Address: "registry.terraform.io/orgs-dev/orgs",
		Debug:   *debug,
	})
	if err != nil {
		log.Fatal(err)
	}
}
