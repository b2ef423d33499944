package main

import (
	"maps"
	"slices"
	"testing"
)

func TestQuietUnlessLogging(t *testing.T) {
	for _, tc := range []struct {
		name    string
		environ []string
		quiet   bool
	}{
		{"no log variable", []string{"HOME=/root", "TF_IN_AUTOMATION=1", "ORGS_TOKEN=x"}, true},
		{"TF_LOG", []string{"TF_LOG=trace"}, false},
		{"TF_LOG_PROVIDER", []string{"TF_LOG_PROVIDER=debug"}, false},
		{"a framework level only", []string{"TF_LOG_SDK_FRAMEWORK=debug"}, false},
		{"a log path", []string{"TF_LOG_PATH=/tmp/tf.log"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			set := map[string]string{}
			quietUnlessLogging(tc.environ, func(name, value string) error { set[name] = value; return nil })
			if !tc.quiet {
				if len(set) != 0 {
					t.Fatalf("set %v although the user asked for logs", set)
				}
				return
			}
			if got := slices.Sorted(maps.Keys(set)); !slices.Equal(got, slices.Sorted(slices.Values(quietLoggers))) {
				t.Fatalf("set %v, want every one of %v", got, quietLoggers)
			}
			for name, value := range set {
				if value != "OFF" {
					t.Errorf("%s=%s, want OFF", name, value)
				}
			}
		})
	}
}
