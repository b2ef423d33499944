// Command terraform-provider-orgs serves the orgs provider to Terraform or OpenTofu.
package main

import (
	"context"
	"flag"
	"log"
	"os"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"

	"github.com/orgs-dev/terraform-provider-orgs/internal/provider"
)

// version is set at release time with -ldflags "-X main.version=1.2.3".
var version = "dev"

// address is the provider's source address; the plugin SDK names its log variable after it
// (TF_LOG_PROVIDER_ORGS).
const address = "registry.terraform.io/orgs-dev/orgs"

func main() {
	debug := flag.Bool("debug", false, "run with support for debuggers such as delve")
	flag.Parse()

	if !*debug {
		quietUnlessLogging(os.Environ(), os.Setenv)
	}
	err := providerserver.Serve(context.Background(), provider.New(version), providerserver.ServeOpts{
		Address: address,
		Debug:   *debug,
	})
	if err != nil {
		log.Fatal(err)
	}
}

// quietLoggers are the variables that set the levels of the plugin SDK's, the framework's and the
// provider's own loggers.
var quietLoggers = []string{"TF_LOG_SDK", "TF_LOG_SDK_PROTO", "TF_LOG_SDK_FRAMEWORK", "TF_LOG_PROVIDER_ORGS"}

// quietUnlessLogging turns the provider's loggers off when no TF_LOG* variable is set. Left to
// themselves they log every call at trace level as JSON on stderr, for the CLI to decode and throw away
// (the CLI keeps provider logs only when TF_LOG or TF_LOG_PROVIDER asks, and the provider inherits that
// variable): on a plan of thousands of resources that was a third of the provider's CPU time, and the
// CLI's decoding on top. Any TF_LOG* variable, from TF_LOG=trace to TF_LOG_SDK_FRAMEWORK=debug, leaves
// every level as the user set it.
func quietUnlessLogging(environ []string, setenv func(name, value string) error) {
	for _, kv := range environ {
		if strings.HasPrefix(kv, "TF_LOG") {
			return
		}
	}
	for _, name := range quietLoggers {
		_ = setenv(name, "OFF")
	}
}
