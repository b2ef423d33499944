package provider

import (
	"context"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

func TestImportCompositeID(t *testing.T) {
	ctx := context.Background()
	r := NewInvitationResource()
	var sresp resource.SchemaResponse
	r.Schema(ctx, resource.SchemaRequest{}, &sresp)
	run := func(id string) resource.ImportStateResponse {
		resp := resource.ImportStateResponse{State: tfsdk.State{
			Schema: sresp.Schema,
			Raw:    tftypes.NewValue(sresp.Schema.Type().TerraformType(ctx), nil),
		}}
		importCompositeID(ctx, resource.ImportStateRequest{ID: id}, &resp, path.Root("organization_id"), path.Root("id"))
		return resp
	}

	// Label keys hold '/': only the first one separates.
	resp := run("org_1/example.com/team")
	if resp.Diagnostics.HasError() {
		t.Fatalf("import: %v", resp.Diagnostics)
	}
	var org, rest types.String
	resp.State.GetAttribute(ctx, path.Root("organization_id"), &org)
	resp.State.GetAttribute(ctx, path.Root("id"), &rest)
	if org.ValueString() != "org_1" || rest.ValueString() != "example.com/team" {
		t.Errorf("split into %q and %q; want the first '/' to separate", org.ValueString(), rest.ValueString())
	}

	for _, bad := range []string{"org_1", "/inv_1", "org_1/", ""} {
		resp := run(bad)
		if !resp.Diagnostics.HasError() {
			t.Errorf("import ID %q accepted", bad)
			continue
		}
		if d := resp.Diagnostics.Errors()[0].Detail(); !strings.Contains(d, "<organization_id>/<id>") {
			t.Errorf("error for %q does not show the expected form: %s", bad, d)
		}
	}
}
