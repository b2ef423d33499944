package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	"github.com/hashicorp/terraform-plugin-framework/resource"
)

// configure is the one checked conversion of what the provider's Configure handed over. It leaves the
// fields nil, without a diagnostic, before the provider is configured (schema validation calls
// Configure with no provider data; the framework never calls the CRUD methods then).
func (d *providerData) configure(data any, diags *diag.Diagnostics) {
	if data == nil {
		return
	}
	pd, ok := data.(*providerData)
	if !ok {
		diags.AddError("Unexpected provider data",
			fmt.Sprintf("Expected *providerData, got %T. This is a bug in the provider; please report it.", data))
		return
	}
	*d = *pd
}

// resourceBase is embedded by every resource. It implements resource.ResourceWithConfigure, so a
// resource gets its API client in r.client and the shared listings in r.listings without repeating the
// type check.
type resourceBase struct {
	providerData
}

// Configure stores what the provider built.
func (b *resourceBase) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	b.configure(req.ProviderData, &resp.Diagnostics)
}

// dataSourceBase is resourceBase for data sources.
type dataSourceBase struct {
	providerData
}

// Configure stores what the provider built.
func (b *dataSourceBase) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	b.configure(req.ProviderData, &resp.Diagnostics)
}

// ephemeralBase is resourceBase for ephemeral resources. The framework configures a new instance for
// each call (Open, Close), so the client is always there when they run.
type ephemeralBase struct {
	providerData
}

// Configure stores what the provider built.
func (b *ephemeralBase) Configure(_ context.Context, req ephemeral.ConfigureRequest, resp *ephemeral.ConfigureResponse) {
	b.configure(req.ProviderData, &resp.Diagnostics)
}
