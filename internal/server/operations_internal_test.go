package server

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
)

func TestCheckControlCharacters(t *testing.T) {
	t.Parallel()
	name := "ok"
	tests := []struct {
		body  any
		field string // "" when the body is fine
	}{
		{api.OrganizationCreate{Name: "fine", Description: "line one\nline two\ttabbed"}, ""},
		{api.OrganizationCreate{Name: "nul\x00"}, "name"},
		{api.OrganizationCreate{Name: "\x1bleading escape"}, "name"},
		{api.OrganizationCreate{Name: "x", AdminContactEmails: []string{"a@example.test", "b\x07@example.test"}}, "admin_contact_emails[1]"},
		{api.OrganizationUpdate{Name: &name, Description: ptr("del\x7f")}, "description"},
		{api.MemberCreate{EnvironmentRoles: map[string]api.EnvironmentRole{"env\x01": "read"}}, "environment_roles.(key)"},
		{api.MemberCreate{EnvironmentRoles: map[string]api.EnvironmentRole{"env": "re\x00ad"}}, "environment_roles.env"},
	}
	// The message says which of the two it found.
	for text, want := range map[string]string{
		"bell\x07":   "contains the control character U+0007 at byte 4",
		"bad\uFFFDx": "is not valid Unicode at byte 3",
	} {
		err := checkControlCharacters(reflect.ValueOf(api.OrganizationCreate{Name: text}), "")
		var p *problem
		if !errors.As(err, &p) || len(p.Errors) != 1 || !strings.Contains(p.Errors[0].Message, want) {
			t.Errorf("name %q: err = %v, want it to say %q", text, err, want)
		}
	}
	for _, tc := range tests {
		err := checkControlCharacters(reflect.ValueOf(tc.body), "")
		if tc.field == "" {
			if err != nil {
				t.Errorf("%+v: %v", tc.body, err)
			}
			continue
		}
		var p *problem
		if !errors.As(err, &p) || len(p.Errors) != 1 || p.Errors[0].Location != "body."+tc.field {
			t.Errorf("%+v: err = %v, want a 422 at body.%s", tc.body, err, tc.field)
		}
	}
}
