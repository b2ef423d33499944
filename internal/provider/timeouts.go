package provider

import (
	"context"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
)

// Every resource has a timeouts block for the operations it has. A timeout bounds the whole operation,
// retries and the waits between them included: the client's own bounds are per attempt.
const (
	defaultWriteTimeout = 10 * time.Minute
	defaultReadTimeout  = 5 * time.Minute
)

type operation string

const (
	opCreate operation = "create"
	opRead   operation = "read"
	opUpdate operation = "update"
	opDelete operation = "delete"
)

// timeoutsBlock is the timeouts block of a resource; update says whether it has an update to time.
func timeoutsBlock(update bool) schema.Block {
	describe := func(op operation, d time.Duration) string {
		return fmt.Sprintf("How long %s may take, retries included, as a Go duration such as `30s` or `5m`. Defaults to `%s`.", op, shortDuration(d))
	}
	opts := timeouts.Opts{
		Create: true, CreateDescription: describe(opCreate, defaultWriteTimeout),
		Read: true, ReadDescription: describe(opRead, defaultReadTimeout),
		Delete: true, DeleteDescription: describe(opDelete, defaultWriteTimeout),
	}
	if update {
		opts.Update, opts.UpdateDescription = true, describe(opUpdate, defaultWriteTimeout)
	}
	return timeouts.Block(context.Background(), opts)
}

// withTimeout bounds ctx by the configured timeout of op (or its default). When it runs out, the API
// error carries timeoutExpired, which apiErrorDiagnostic turns into a message that names the timeout.
func withTimeout(ctx context.Context, t timeouts.Value, op operation, diags *diag.Diagnostics) (context.Context, context.CancelFunc) {
	var d time.Duration
	var ds diag.Diagnostics
	switch op {
	case opCreate:
		d, ds = t.Create(ctx, defaultWriteTimeout)
	case opRead:
		d, ds = t.Read(ctx, defaultReadTimeout)
	case opUpdate:
		d, ds = t.Update(ctx, defaultWriteTimeout)
	case opDelete:
		d, ds = t.Delete(ctx, defaultWriteTimeout)
	}
	diags.Append(ds...)
	return context.WithTimeoutCause(ctx, d, timeoutExpired{op: op, after: d})
}

// timeoutExpired is the cause of a context whose resource timeout ran out.
type timeoutExpired struct {
	op    operation
	after time.Duration
}

func (e timeoutExpired) Error() string {
	return fmt.Sprintf("the %s timeout of %s (timeouts.%s) ran out", e.op, shortDuration(e.after), e.op)
}
