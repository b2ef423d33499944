package provider

import (
	"fmt"
	"strings"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
)

// markdownList renders enum values for a MarkdownDescription: "`a`, `b` or `c`".
func markdownList[T ~string](values []T) string {
	quoted := make([]string, len(values))
	for i, v := range values {
		quoted[i] = "`" + string(v) + "`"
	}
	if len(quoted) < 2 {
		return strings.Join(quoted, "")
	}
	return strings.Join(quoted[:len(quoted)-1], ", ") + " or " + quoted[len(quoted)-1]
}

// plural is "1 member", "3 members".
func plural(n int64, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// planThatFits names the smallest plan that allows members members, for a limit error.
func planThatFits(members int64) string {
	for _, p := range api.Plans {
		if limit := api.PlanLimits[p].Members; limit >= members {
			return fmt.Sprintf("Plan %q allows %s: change the organization's plan first.", p, plural(limit, "member"))
		}
	}
	return "No plan allows that many members."
}
