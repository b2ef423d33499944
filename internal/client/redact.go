package client

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// redacted replaces secret values in logged bodies.
const redacted = "[REDACTED]"

// secretFields are JSON members whose values never reach a log: tokens (API token and sign-up
// responses), registry credentials, and invitation acceptance codes.
var secretFields = map[string]bool{
	"token":             true,
	"password":          true,
	"secret_access_key": true,
	"code":              true,
}

func isSecretField(name string) bool {
	n := strings.ToLower(name)
	return secretFields[n] || strings.Contains(n, "password") || strings.Contains(n, "secret")
}

// redactJSON returns body with the value of every secret member replaced, at any depth. A body that
// is not JSON is not logged at all, since nothing in it can be told apart from a secret.
func redactJSON(body []byte) string {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber() // keeps large numbers as they were sent
	var v any
	if err := dec.Decode(&v); err != nil || dec.More() {
		return fmt.Sprintf("(%d bytes, not JSON: omitted)", len(body))
	}
	out, err := json.Marshal(redactValue(v))
	if err != nil {
		return fmt.Sprintf("(%d bytes: omitted)", len(body))
	}
	return string(out)
}

func redactValue(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, val := range t {
			if isSecretField(k) {
				if s, ok := val.(string); !ok || s != "" {
					t[k] = redacted
				}
				continue
			}
			t[k] = redactValue(val)
		}
		// A validation error may echo the rejected input: {"location": "body.password", "value": "..."}.
		if loc, ok := t["location"].(string); ok {
			if _, has := t["value"]; has && isSecretField(loc[strings.LastIndexAny(loc, ".[")+1:]) {
				t["value"] = redacted
			}
		}
		return t
	case []any:
		for i := range t {
			t[i] = redactValue(t[i])
		}
		return t
	}
	return v
}
