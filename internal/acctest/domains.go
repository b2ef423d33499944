package acctest

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
)

// PublishVerificationRecords makes the test's DNS server publish the TXT record of every domain
// claimed from now on, as the server answers the claim: what the DNS record resource of a real
// configuration does (fed from orgs_domain's outputs), done at once. Without it, a test publishes a
// record itself with DNS.SetTXT.
func (e *Env) PublishVerificationRecords() { e.publishRecords.Store(true) }

// publishVerificationRecords is the server's handler for PublishVerificationRecords: it reads the
// answer to each claim before passing it on.
func (e *Env) publishVerificationRecords(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !e.publishRecords.Load() || r.Method != http.MethodPost || !strings.HasSuffix(r.URL.Path, "/domains") {
			next.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		next.ServeHTTP(rec, r)
		var d api.Domain
		if rec.Code == http.StatusCreated && json.Unmarshal(rec.Body.Bytes(), &d) == nil {
			e.DNS.SetTXT(d.VerificationRecordName, d.VerificationRecordValue)
		}
		for name, values := range rec.Header() {
			w.Header()[name] = values
		}
		w.WriteHeader(rec.Code)
		_, _ = w.Write(rec.Body.Bytes()) // a client that went away gets nothing either way
	})
}
