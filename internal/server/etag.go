package server

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
)

// encodeJSON is the JSON form a response body is sent in: what huma's JSON format writes (HTML
// characters not escaped), without the trailing newline.
func encodeJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// etagOfJSON is a strong entity tag over an object's JSON form: it changes whenever anything a client
// can see changes.
func etagOfJSON(body []byte) string {
	sum := sha256.Sum256(body)
	return `"` + hex.EncodeToString(sum[:16]) + `"`
}

// etagOf is the entity tag of v, as a response carrying v is tagged (see sendWithETag).
func etagOf(v any) string {
	b, err := encodeJSON(v)
	if err != nil {
		panic(fmt.Sprintf("etag: %v", err))
	}
	return etagOfJSON(b)
}

// etagPending is what newObjectOutput puts in the ETag header: sendWithETag, which encodes the body,
// replaces it with the tag of the exact bytes it sends, so an object is encoded once per response.
const etagPending = "orgs-etag-pending"

// sendWithETag is a huma transformer: for a response whose ETag is pending it encodes the body once,
// sets the ETag from those bytes, and hands them on as they are (jsonFormat writes them unchanged).
func sendWithETag(ctx huma.Context, _ string, v any) (any, error) {
	_, w := humago.Unwrap(ctx)
	if w.Header().Get(api.HeaderETag) != etagPending {
		return v, nil
	}
	b, err := encodeJSON(v)
	if err != nil {
		return nil, err
	}
	w.Header().Set(api.HeaderETag, etagOfJSON(b))
	return json.RawMessage(b), nil
}

// jsonFormat is huma's JSON format, except that a body sendWithETag already encoded is written as is.
var jsonFormat = huma.Format{
	Marshal: func(w io.Writer, v any) error {
		if raw, ok := v.(json.RawMessage); ok {
			_, err := w.Write(append(raw, '\n'))
			return err
		}
		return huma.DefaultJSONFormat.Marshal(w, v)
	},
	Unmarshal: huma.DefaultJSONFormat.Unmarshal,
}

// checkIfMatch compares an If-Match header with the current representation's tag (412 on mismatch).
func checkIfMatch(ifMatch string, current any) error {
	if ifMatch == "" {
		return nil
	}
	tag := etagOf(current)
	for _, candidate := range strings.Split(ifMatch, ",") {
		candidate = strings.TrimSpace(candidate)
		if candidate == "*" || candidate == tag {
			return nil
		}
	}
	return newProblem(http.StatusPreconditionFailed, api.ProblemPreconditionFailed,
		"the object changed since it was read (If-Match %s, current ETag %s); read it again and retry", ifMatch, tag)
}
