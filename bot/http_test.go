package bot_test

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"zengshou/calc"
	"zengshou/calc/ledger"
	"zengshou/config"
)

func apiServer(t *testing.T, mutate func(*config.Config)) (*httptest.Server, *harness) {
	h := newHarness(t, func(c *config.Config) {
		c.HTTP.Tokens = []string{"s3cret-token"}
		c.HTTP.MaxUploadMB = 2
		if mutate != nil {
			mutate(c)
		}
	})
	srv := httptest.NewServer(h.svc.Handler())
	t.Cleanup(srv.Close)
	return srv, h
}

func do(t *testing.T, method, url, token, ctype string, body io.Reader) *http.Response {
	t.Helper()
	req, _ := http.NewRequest(method, url, body)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

func TestHealthReadyMetrics(t *testing.T) {
	srv, _ := apiServer(t, nil)
	for _, p := range []string{"/healthz", "/readyz", "/metrics"} {
		if r := do(t, "GET", srv.URL+p, "", "", nil); r.StatusCode != 200 {
			t.Errorf("%s: %d", p, r.StatusCode)
		}
	}
	b, _ := io.ReadAll(do(t, "GET", srv.URL+"/metrics", "", "", nil).Body)
	for _, m := range []string{"zengshou_jobs_total", "zengshou_reminders_total", "zengshou_job_processing_seconds"} {
		if !strings.Contains(string(b), m) {
			t.Errorf("/metrics lacks %s", m)
		}
	}
}

func TestPluginAPIRequiresToken(t *testing.T) {
	srv, _ := apiServer(t, nil)
	for _, tok := range []string{"", "wrong", "s3cret-token-longer", "s3cret-toke"} {
		if r := do(t, "GET", srv.URL+"/api/v1/policy", tok, "", nil); r.StatusCode != 401 {
			t.Errorf("token %q: %d, want 401", tok, r.StatusCode)
		}
	}
	if r := do(t, "GET", srv.URL+"/api/v1/policy", "s3cret-token", "", nil); r.StatusCode != 200 {
		t.Errorf("right token: %d", r.StatusCode)
	}
	// No token configured: the API is closed to everyone (403, saying so).
	closed, _ := apiServer(t, func(c *config.Config) { c.HTTP.Tokens = nil })
	if r := do(t, "GET", closed.URL+"/api/v1/policy", "anything", "", nil); r.StatusCode != 403 {
		t.Errorf("no token configured: %d, want 403", r.StatusCode)
	}
}

func TestPluginAPIPolicyAndTemplate(t *testing.T) {
	srv, _ := apiServer(t, nil)
	var pol struct {
		Rules      []calc.RuleInfo  `json:"rules"`
		Parameters []map[string]any `json:"parameters"`
	}
	r := do(t, "GET", srv.URL+"/api/v1/policy?date=2024-12-01&county=巴林左旗", "s3cret-token", "", nil)
	if err := json.NewDecoder(r.Body).Decode(&pol); err != nil {
		t.Fatal(err)
	}
	if len(pol.Rules) != len(calc.Rules) {
		t.Errorf("rules: %d, want %d", len(pol.Rules), len(calc.Rules))
	}
	found := false
	for _, p := range pol.Parameters {
		if p["key"] == "wage.min_wage" && strings.Contains(p["value"].(string), "三类2140元") {
			found = true // the 2024-12-01 minimum wage is in force on that date
		}
	}
	if !found {
		t.Errorf("min wage on 2024-12-01 not the new one: %+v", pol.Parameters)
	}
	if r := do(t, "GET", srv.URL+"/api/v1/policy?county=不存在县", "s3cret-token", "", nil); r.StatusCode != 400 {
		t.Errorf("unknown county: %d", r.StatusCode)
	}
	r = do(t, "GET", srv.URL+"/api/v1/templates/livestock", "s3cret-token", "", nil)
	if r.StatusCode != 200 || !strings.Contains(r.Header.Get("Content-Type"), "spreadsheetml") {
		t.Fatalf("template: %d %s", r.StatusCode, r.Header.Get("Content-Type"))
	}
	if r := do(t, "GET", srv.URL+"/api/v1/templates/nonsense", "s3cret-token", "", nil); r.StatusCode != 404 {
		t.Errorf("unknown template: %d", r.StatusCode)
	}
}

func TestPluginAPIEvaluate(t *testing.T) {
	srv, _ := apiServer(t, nil)
	// 出售犊牛4头 × 200元 = 800元, below the 1000元 household cap (seed clause 三).
	body := `{"period":"2026Q3","inputs":{"households":[{"id":"H1","head":"包玉山","category":"脱贫户","members":3,"county":"巴林左旗"}],
	"livestock":[{"household":"H1","species":"cattle","stock_start":5,"born":4,"sold":4,"young_sold":4}]}}`
	r := do(t, "POST", srv.URL+"/api/v1/evaluate", "s3cret-token", "application/json", strings.NewReader(body))
	if r.StatusCode != 200 {
		b, _ := io.ReadAll(r.Body)
		t.Fatalf("evaluate: %d %s", r.StatusCode, b)
	}
	var rep struct {
		Findings []struct {
			Rule, Amount, Explain string
		} `json:"findings"`
	}
	json.NewDecoder(r.Body).Decode(&rep)
	ok := false
	for _, f := range rep.Findings {
		if f.Rule == "calf_sale" && f.Amount == "800.00" && strings.Contains(f.Explain, "4头×200元=800元") {
			ok = true
		}
	}
	if !ok {
		t.Fatalf("calf_sale 800.00 not found: %+v", rep.Findings)
	}
	if r := do(t, "POST", srv.URL+"/api/v1/evaluate", "s3cret-token", "application/json", strings.NewReader(`{"nope":1}`)); r.StatusCode != 400 {
		t.Errorf("unknown field: %d, want 400", r.StatusCode)
	}
}

func TestPluginAPIProcess(t *testing.T) {
	srv, _ := apiServer(t, nil)
	path := filepath.Join(t.TempDir(), "a.xlsx")
	if err := ledger.GenerateFile(path, 20, 9, q4()); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	r := do(t, "POST", srv.URL+"/api/v1/process?period=2026Q4", "s3cret-token", "application/octet-stream", bytes.NewReader(data))
	if r.StatusCode != 200 {
		b, _ := io.ReadAll(r.Body)
		t.Fatalf("process: %d %s", r.StatusCode, b)
	}
	out, _ := io.ReadAll(r.Body)
	f, err := excelize.OpenReader(bytes.NewReader(out))
	if err != nil {
		t.Fatalf("processed workbook: %v", err)
	}
	if idx, _ := f.GetSheetIndex(ledger.SheetSummary); idx < 0 {
		t.Errorf("no 汇总 in %v", f.GetSheetList())
	}
	f.Close()
	// multipart with ?format=json gives the report.
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("file", "台账.xlsx")
	fw.Write(data)
	mw.Close()
	r = do(t, "POST", srv.URL+"/api/v1/process?format=json&period=2026Q4", "s3cret-token", mw.FormDataContentType(), &buf)
	var rep struct {
		Period   string `json:"period"`
		Findings []any  `json:"findings"`
	}
	if err := json.NewDecoder(r.Body).Decode(&rep); err != nil || rep.Period != "2026Q4" || len(rep.Findings) == 0 {
		t.Fatalf("json report: %v %+v", err, rep)
	}
	// Not a workbook: 422 with a Chinese message.
	r = do(t, "POST", srv.URL+"/api/v1/process", "s3cret-token", "application/octet-stream", strings.NewReader("hello"))
	b, _ := io.ReadAll(r.Body)
	if r.StatusCode != 422 || !strings.Contains(string(b), "Excel") {
		t.Errorf("junk: %d %s", r.StatusCode, b)
	}
	// Over http.max_upload_mb (2 MB here): 413.
	big := bytes.Repeat([]byte("x"), 3<<20)
	if r := do(t, "POST", srv.URL+"/api/v1/process", "s3cret-token", "application/octet-stream", bytes.NewReader(big)); r.StatusCode != 413 {
		t.Errorf("oversized: %d, want 413", r.StatusCode)
	}
}
