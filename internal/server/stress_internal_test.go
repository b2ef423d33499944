package server

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"encoding/json"

	"github.com/orgs-dev/terraform-provider-orgs/internal/api"
)

func TestStressTmp(t *testing.T) {
	s := newTestServer(t)
	s.Bootstrap(t.Context(), "o@example.test", "tok", nil)
	ts := httptest.NewServer(s)
	defer ts.Close()
	do := func(method, path, body string) (int, []byte) {
		req, _ := http.NewRequest(method, ts.URL+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer tok")
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		if err != nil { t.Fatal(err) }
		defer res.Body.Close()
		var b strings.Builder
		buf := make([]byte, 4096)
		for { n, err := res.Body.Read(buf); b.Write(buf[:n]); if err != nil { break } }
		return res.StatusCode, []byte(b.String())
	}
	_, b := do("POST", "/api/v1/orgs", `{"name":"o","plan":"enterprise","admin_contact_emails":["o@example.test"]}`)
	var org api.Organization
	json.Unmarshal(b, &org)
	var wg sync.WaitGroup
	codes := make(chan int, 1000)
	for g := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 25 {
				c, body := do("POST", "/api/v1/orgs/"+org.ID+"/labels", fmt.Sprintf(`{"key":"k%d-%d","value":"v"}`, g, i))
				if c != 201 { t.Errorf("%d %s", c, body) }
				codes <- c
				c, body = do("GET", "/api/v1/orgs/"+org.ID+"/labels?page_size=5", "")
				if c != 200 { t.Errorf("%d %s", c, body) }
			}
		}()
	}
	wg.Wait()
	c, body := do("GET", "/api/v1/orgs/"+org.ID+"/usage", "")
	t.Log(c, string(body))
}
