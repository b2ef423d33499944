package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// The read-only data sources are made from two generic types, each driven by a table (the entries are
// in data_source_entries.go): collectionDataSource reads every object of a kind (orgs_members) and
// objectDataSource one object (orgs_member). The objects come from the shared listings, like every
// resource's Read, and their attributes are described once per API type (itemAttr tables), so a
// collection's items and the matching single-object data source have the same names and shapes.

// organizationIDOf is the organization a data source reads in: its organization_id, or else the
// provider's default (see organization_default.go), which it also records in the state, since the
// attribute is computed when left out.
func (d *providerData) organizationIDOf(ctx context.Context, config tfsdk.Config, state *tfsdk.State, diags *diag.Diagnostics) string {
	var v types.String
	diags.Append(config.GetAttribute(ctx, path.Root("organization_id"), &v)...)
	if diags.HasError() {
		return ""
	}
	orgID := d.organizationID(v, diags)
	if !diags.HasError() {
		diags.Append(state.SetAttribute(ctx, path.Root("organization_id"), orgID)...)
	}
	return orgID
}

// itemAttr is one computed attribute of an object of API type T, as a data source shows it.
type itemAttr[T any] struct {
	name   string
	schema schema.Attribute
	value  func(*T) attr.Value
}

func stringItem[T any](name, description string, value func(*T) string) itemAttr[T] {
	return itemAttr[T]{
		name:   name,
		schema: schema.StringAttribute{MarkdownDescription: description, Computed: true},
		value:  func(t *T) attr.Value { return types.StringValue(value(t)) },
	}
}

// valueItem is an attribute whose value the caller builds (null, a custom type, a map...).
func valueItem[T any](name string, s schema.Attribute, value func(*T) attr.Value) itemAttr[T] {
	return itemAttr[T]{name: name, schema: s, value: value}
}

func boolItem[T any](name, description string, value func(*T) bool) itemAttr[T] {
	return itemAttr[T]{
		name:   name,
		schema: schema.BoolAttribute{MarkdownDescription: description, Computed: true},
		value:  func(t *T) attr.Value { return types.BoolValue(value(t)) },
	}
}

// nullableStringItem is a string attribute that is null where the API has no value (value returns
// null then, as timeValue and optionalString do).
func nullableStringItem[T any](name, description string, value func(*T) types.String) itemAttr[T] {
	return itemAttr[T]{
		name:   name,
		schema: schema.StringAttribute{MarkdownDescription: description, Computed: true},
		value:  func(t *T) attr.Value { return value(t) },
	}
}

func itemSchemas[T any](items []itemAttr[T]) map[string]schema.Attribute {
	out := make(map[string]schema.Attribute, len(items))
	for _, a := range items {
		out[a.name] = a.schema
	}
	return out
}

func itemObjectType[T any](items []itemAttr[T]) types.ObjectType {
	attrTypes := make(map[string]attr.Type, len(items))
	for _, a := range items {
		attrTypes[a.name] = a.schema.GetType()
	}
	return types.ObjectType{AttrTypes: attrTypes}
}

// itemList is the list of objects as items describes them; never null, so nothing found reads as an
// empty list.
func itemList[T any](items []itemAttr[T], objects []T) (types.List, diag.Diagnostics) {
	objType := itemObjectType(items)
	var diags diag.Diagnostics
	values := make([]attr.Value, 0, len(objects))
	for i := range objects {
		fields := make(map[string]attr.Value, len(items))
		for _, a := range items {
			fields[a.name] = a.value(&objects[i])
		}
		obj, d := types.ObjectValue(objType.AttrTypes, fields)
		diags.Append(d...)
		values = append(values, obj)
	}
	if diags.HasError() {
		return types.ListNull(objType), diags
	}
	list, d := types.ListValue(objType, values)
	diags.Append(d...)
	return list, diags
}

// dataSourceFilterSchema is the optional argument of a collection data source for filter f, which keeps
// only the objects whose field has the given value: the same filters as the list resources'.
func dataSourceFilterSchema[T any](f listFilter[T], what string) schema.StringAttribute {
	return schema.StringAttribute{
		MarkdownDescription: f.description + ": " + markdownList(f.values) + ". Reads every " + what + " when left out.",
		Optional:            true,
		Validators:          []validator.String{stringvalidator.OneOf(f.values...)},
	}
}

// collectionDataSource reads every object of one kind, for API type T: from every page of the listing,
// kept or dropped by the filters, in the order the API lists them.
type collectionDataSource[T any] struct {
	dataSourceBase
	typeName    string // after the provider's: "_members"
	description string
	// inOrganization says the objects live in an organization: the data source takes organization_id.
	inOrganization bool
	orgDescription string
	attribute      string // the list of objects: "members"
	noun           string // for descriptions: "member"
	plural         string // for errors: "members"
	itemsDoc       string // what the list holds and in which order
	filters        []listFilter[T]
	items          []itemAttr[T]
	all            func(ctx context.Context, d providerData, orgID string) ([]T, error)
}

var (
	_ datasource.DataSource              = (*collectionDataSource[struct{}])(nil)
	_ datasource.DataSourceWithConfigure = (*collectionDataSource[struct{}])(nil)
)

func (d *collectionDataSource[T]) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + d.typeName
}

func (d *collectionDataSource[T]) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	attrs := map[string]schema.Attribute{
		d.attribute: schema.ListNestedAttribute{
			MarkdownDescription: d.itemsDoc,
			Computed:            true,
			NestedObject:        schema.NestedAttributeObject{Attributes: itemSchemas(d.items)},
		},
	}
	if d.inOrganization {
		attrs["organization_id"] = dataSourceOrganizationIDAttribute(d.orgDescription)
	}
	for _, f := range d.filters {
		attrs[f.name] = dataSourceFilterSchema(f, d.noun)
	}
	resp.Schema = schema.Schema{MarkdownDescription: d.description, Attributes: attrs}
}

func (d *collectionDataSource[T]) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	orgID := ""
	if d.inOrganization {
		orgID = d.organizationIDOf(ctx, req.Config, &resp.State, &resp.Diagnostics)
	}
	wanted, diags := wantedValues(ctx, req.Config, d.filters)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}

	objects, err := d.all(ctx, d.providerData, orgID)
	if err != nil {
		what := "list " + d.plural
		if orgID != "" {
			what += " of organization " + orgID
		}
		addAPIError(&resp.Diagnostics, what, err)
		return
	}
	var kept []T
	for i := range objects {
		if filtersMatch(d.filters, &objects[i], wanted) {
			kept = append(kept, objects[i])
		}
	}
	list, diags := itemList(d.items, kept)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root(d.attribute), list)...)
}

// wantedValues reads the filters' arguments from a list block's or data source's configuration: filter
// index to the value an object must have. A filter left out selects every object.
func wantedValues[T any](ctx context.Context, config tfsdk.Config, filters []listFilter[T]) (map[int]string, diag.Diagnostics) {
	wanted := map[int]string{}
	var diags diag.Diagnostics
	for i, f := range filters {
		var v types.String
		diags.Append(config.GetAttribute(ctx, path.Root(f.name), &v)...)
		if !v.IsNull() && !v.IsUnknown() {
			wanted[i] = v.ValueString()
		}
	}
	return wanted, diags
}

// filtersMatch reports whether obj has every wanted value (filter index to value).
func filtersMatch[T any](filters []listFilter[T], obj *T, wanted map[int]string) bool {
	for i, v := range wanted {
		if filters[i].field(obj) != v {
			return false
		}
	}
	return true
}

// objectDataSource reads one object of API type T, named by a key argument (a member's email).
type objectDataSource[T any] struct {
	dataSourceBase
	typeName       string
	description    string
	inOrganization bool
	orgDescription string
	// key is the argument that names the object; empty when there is only one (the current user).
	key    string
	keyArg schema.Attribute
	noun   string
	items  []itemAttr[T]
	read   func(ctx context.Context, d providerData, orgID, key string) (*T, error)
}

var (
	_ datasource.DataSource              = (*objectDataSource[struct{}])(nil)
	_ datasource.DataSourceWithConfigure = (*objectDataSource[struct{}])(nil)
)

func (d *objectDataSource[T]) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + d.typeName
}

func (d *objectDataSource[T]) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	attrs := itemSchemas(d.items)
	if d.inOrganization {
		attrs["organization_id"] = dataSourceOrganizationIDAttribute(d.orgDescription)
	}
	if d.key != "" {
		attrs[d.key] = d.keyArg
	}
	resp.Schema = schema.Schema{MarkdownDescription: d.description, Attributes: attrs}
}

func (d *objectDataSource[T]) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	orgID := ""
	if d.inOrganization {
		orgID = d.organizationIDOf(ctx, req.Config, &resp.State, &resp.Diagnostics)
	}
	key := ""
	if d.key != "" {
		var v attr.Value
		resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root(d.key), &v)...)
		if s, ok := v.(interface{ ValueString() string }); ok {
			key = s.ValueString()
		}
	}
	if resp.Diagnostics.HasError() {
		return
	}
	obj, err := d.read(ctx, d.providerData, orgID, key)
	if err != nil {
		what := "read " + d.noun
		if key != "" {
			what += " " + key
		}
		if orgID != "" {
			what += " of organization " + orgID
		}
		addAPIError(&resp.Diagnostics, what, err)
		return
	}
	for _, a := range d.items {
		if a.name == d.key {
			// The key keeps the configuration's spelling (an email in another letter case).
			continue
		}
		resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root(a.name), a.value(obj))...)
	}
}
