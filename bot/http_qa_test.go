package bot_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sirupsen/logrus"
	"github.com/xuri/excelize/v2"

	"zengshou/bot"
	"zengshou/calc/ledger"
	"zengshou/config"
	"zengshou/connectors"
)

// A password-protected ledger sent to POST /api/v1/process (opened with ledger.xlsx_password)
// comes back locked with the same password, as it does in a chat: it names households and ID
// numbers. The API sent it back in the clear.
func TestPluginAPIEncryptedUploadComesBackEncrypted(t *testing.T) {
	srv, _ := apiServer(t, func(c *config.Config) { c.Ledger.XLSXPassword = "mima123" })
	plain := filepath.Join(t.TempDir(), "plain.xlsx")
	if err := ledger.GenerateFile(plain, 12, 3, q4()); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenFile(plain)
	if err != nil {
		t.Fatal(err)
	}
	var locked bytes.Buffer
	if err := f.Write(&locked, excelize.Options{Password: "mima123"}); err != nil {
		t.Fatal(err)
	}
	f.Close()
	r := do(t, "POST", srv.URL+"/api/v1/process?period=2026Q4", "s3cret-token", "application/octet-stream", &locked)
	out, _ := io.ReadAll(r.Body)
	if r.StatusCode != 200 {
		t.Fatalf("process: %d %s", r.StatusCode, out)
	}
	if g, err := excelize.OpenReader(bytes.NewReader(out)); err == nil {
		g.Close()
		t.Fatal("the result opens without the password")
	}
	g, err := excelize.OpenReader(bytes.NewReader(out), excelize.Options{Password: "mima123"})
	if err != nil {
		t.Fatalf("the result does not open with the password: %v", err)
	}
	g.Close()
}

// A multipart upload cut short (no closing boundary: a script that stopped writing, a dropped
// connection) is the client's fault: 400 with a Chinese message. It answered 500 内部错误 and
// logged an internal error.
func TestPluginAPITruncatedUploadIsABadRequest(t *testing.T) {
	srv, h := apiServer(t, nil)
	body := "--XX\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.xlsx\"\r\n\r\nPK\x03\x04garbage"
	r := do(t, "POST", srv.URL+"/api/v1/process", "s3cret-token", "multipart/form-data; boundary=XX", strings.NewReader(body))
	b, _ := io.ReadAll(r.Body)
	if r.StatusCode != 400 || !strings.Contains(string(b), "上传不完整") {
		t.Errorf("truncated multipart: %d %s, want 400 上传不完整", r.StatusCode, b)
	}
	if strings.Contains(h.logs.String(), "internal error") {
		t.Errorf("logged as an internal error: %s", h.logs.String())
	}
}

// A wrong path or method under /api/ answers like the rest of the API: JSON with a Chinese
// message, 404 or 405 (with Allow). It answered the mux's plain-text "404 page not found" and
// "Method Not Allowed", which a script parsing the API's JSON errors could not read.
func TestPluginAPIWrongPathOrMethodIsJSON(t *testing.T) {
	srv, _ := apiServer(t, nil)
	for _, c := range []struct {
		method, path string
		status       int
		allow        string
	}{
		{"POST", "/api/v1/proces", 404, ""},
		{"GET", "/api/v2/policy", 404, ""},
		{"GET", "/api/v1/process", 405, "POST"},
		{"PUT", "/api/v1/evaluate", 405, "POST"},
		{"POST", "/api/v1/policy", 405, "GET, HEAD"},
		{"DELETE", "/api/v1/templates/households", 405, "GET, HEAD"},
	} {
		r := do(t, c.method, srv.URL+c.path, "s3cret-token", "", nil)
		var body map[string]string
		err := json.NewDecoder(r.Body).Decode(&body)
		if r.StatusCode != c.status || err != nil || body["error"] == "" || !strings.ContainsFunc(body["message"], func(r rune) bool { return r >= 0x4e00 && r <= 0x9fff }) {
			t.Errorf("%s %s: %d %v %v, want %d with a Chinese JSON message", c.method, c.path, r.StatusCode, body, err, c.status)
		}
		if got := r.Header.Get("Allow"); got != c.allow {
			t.Errorf("%s %s: Allow %q, want %q", c.method, c.path, got, c.allow)
		}
	}
	// Without a token nothing is told about paths: 401.
	if r := do(t, "GET", srv.URL+"/api/v1/nothing", "", "", nil); r.StatusCode != 401 {
		t.Errorf("unknown path without a token: %d, want 401", r.StatusCode)
	}
}

// The auth scheme is case-insensitive (RFC 9110 §11.1, RFC 6750): a script or macro sending
// "bearer TOKEN" or "BEARER TOKEN" is let in. It got 401 缺少或错误的访问令牌 with the right token.
func TestPluginAPIBearerSchemeAnyCase(t *testing.T) {
	srv, _ := apiServer(t, nil)
	for _, scheme := range []string{"Bearer", "bearer", "BEARER"} {
		req, _ := http.NewRequest("GET", srv.URL+"/api/v1/policy", nil)
		req.Header.Set("Authorization", scheme+" s3cret-token")
		r, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		r.Body.Close()
		if r.StatusCode != 200 {
			t.Errorf("%q: %d, want 200", scheme, r.StatusCode)
		}
	}
	for _, hdr := range []string{"Basic s3cret-token", "Bearers3cret-token", "bearer  ", "s3cret-token"} {
		req, _ := http.NewRequest("GET", srv.URL+"/api/v1/policy", nil)
		req.Header.Set("Authorization", hdr)
		r, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		r.Body.Close()
		if r.StatusCode != 401 {
			t.Errorf("%q: %d, want 401", hdr, r.StatusCode)
		}
	}
}

// The API's answers name households and carry ID numbers: no cache may keep them, and no
// browser may sniff a JSON or workbook answer into something else. No answer said so.
func TestPluginAPIAnswersAreNotCached(t *testing.T) {
	srv, _ := apiServer(t, nil)
	book := fxWorkbook(t, 10, 1)
	for _, r := range []*http.Response{
		do(t, "POST", srv.URL+"/api/v1/process", "s3cret-token", "application/octet-stream", bytes.NewReader(book)),
		do(t, "POST", srv.URL+"/api/v1/process?format=json", "s3cret-token", "application/octet-stream", bytes.NewReader(book)),
		do(t, "POST", srv.URL+"/api/v1/evaluate", "s3cret-token", "application/json", strings.NewReader(`{"period":"2026Q3","inputs":{}}`)),
		do(t, "POST", srv.URL+"/api/v1/evaluate", "s3cret-token", "application/json", strings.NewReader(`{`)),
		do(t, "GET", srv.URL+"/api/v1/policy", "", "", nil),
	} {
		if got := r.Header.Get("Cache-Control"); got != "no-store" {
			t.Errorf("%s %s → %d: Cache-Control %q, want no-store", r.Request.Method, r.Request.URL.RequestURI(), r.StatusCode, got)
		}
		if got := r.Header.Get("X-Content-Type-Options"); got != "nosniff" {
			t.Errorf("%s %s → %d: X-Content-Type-Options %q, want nosniff", r.Request.Method, r.Request.URL.RequestURI(), r.StatusCode, got)
		}
	}
}

// GET /api/v1/templates/all (or 全部, as the 模板 command takes) sent the households template
// alone, named all.xlsx, as if it were every template. The API sends one template a request:
// all is refused with the kinds to ask for, as an unknown kind is.
func TestPluginAPITemplateAllIsNotOneTemplate(t *testing.T) {
	srv, _ := apiServer(t, nil)
	for _, k := range []string{"all", "全部", "nonsense"} {
		r := do(t, "GET", srv.URL+"/api/v1/templates/"+k, "s3cret-token", "", nil)
		b, _ := io.ReadAll(r.Body)
		if r.StatusCode != 404 || !strings.Contains(string(b), "households") || !strings.Contains(string(b), "filial") {
			t.Errorf("%s: %d %s, want 404 naming the kinds", k, r.StatusCode, b)
		}
	}
	r := do(t, "GET", srv.URL+"/api/v1/templates/牲畜", "s3cret-token", "", nil)
	if r.StatusCode != 200 || !strings.Contains(r.Header.Get("Content-Disposition"), "livestock.xlsx") {
		t.Errorf("牲畜: %d %q", r.StatusCode, r.Header.Get("Content-Disposition"))
	}
}

// A body with more after the request object (two requests pasted into one, a stray character)
// was evaluated on its first object alone and answered 200; the rest was silently ignored. It is
// 400 bad_json. A trailing newline is fine.
func TestPluginAPIEvaluateRejectsTrailingData(t *testing.T) {
	srv, _ := apiServer(t, nil)
	for body, want := range map[string]int{
		`{"period":"2026Q3","inputs":{}}` + "\n":                          200,
		`{"period":"2026Q3","inputs":{}} {"period":"2026Q4","inputs":{}}`: 400,
		`{"period":"2026Q3","inputs":{}}]`:                                400,
	} {
		r := do(t, "POST", srv.URL+"/api/v1/evaluate", "s3cret-token", "application/json", strings.NewReader(body))
		if r.StatusCode != want {
			b, _ := io.ReadAll(r.Body)
			t.Errorf("%q: %d %s, want %d", body, r.StatusCode, b, want)
		}
	}
}

// POST /api/v1/evaluate is as heavy as a workbook: a 47 MB body of 140,000 households took 17 s
// and 3.3 GB of the service's own memory (no child process, no limit), and any number ran at
// once. It counts against http.max_parallel with /api/v1/process: beyond it, 503 busy.
func TestPluginAPIEvaluateCountsAgainstMaxParallel(t *testing.T) {
	h := newHarness(t, func(c *config.Config) { c.HTTP.Tokens = []string{"s3cret-token"}; c.HTTP.MaxParallel = 1 })
	started, proceed := make(chan struct{}, 1), make(chan struct{})
	svc, err := bot.New(bot.Options{Config: h.cfg, Store: h.st, Connectors: []connectors.Connector{h.conn}, Clock: h.clock,
		Log: logrus.NewEntry(h.logger()), DataDir: h.dir,
		Read: func(_ context.Context, path string, o ledger.ReadOptions) (*ledger.Ledger, error) {
			started <- struct{}{}
			<-proceed
			return ledger.Read(path, o)
		}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(svc.Handler())
	t.Cleanup(srv.Close)
	book := fxWorkbook(t, 10, 1)
	done := make(chan apiResult, 1)
	go func() { done <- post(srv.URL, book) }()
	<-started // one workbook parsing: the limit
	r := do(t, "POST", srv.URL+"/api/v1/evaluate", "s3cret-token", "application/json", strings.NewReader(`{"period":"2026Q3","inputs":{}}`))
	if r.StatusCode != 503 || r.Header.Get("Retry-After") == "" {
		t.Errorf("evaluate at the limit: %d, Retry-After %q; want 503 with Retry-After", r.StatusCode, r.Header.Get("Retry-After"))
	}
	close(proceed)
	if res := <-done; res.err != nil || res.status != 200 {
		t.Fatalf("workbook: %+v", res)
	}
	if r := do(t, "POST", srv.URL+"/api/v1/evaluate", "s3cret-token", "application/json", strings.NewReader(`{"period":"2026Q3","inputs":{}}`)); r.StatusCode != 200 {
		t.Errorf("evaluate with a slot free: %d", r.StatusCode)
	}
}

// A service killed while the plugin API processed a workbook (OOM killer, power cut, kill -9)
// left the upload — names and ID numbers — in DATA/api-*/ for ever: the API stores nothing, so
// no retention ever looked there. The next start removes them.
func TestRunRemovesAPIDirsLeftByACrash(t *testing.T) {
	data := t.TempDir()
	stale := filepath.Join(data, "api-123456")
	if err := os.MkdirAll(filepath.Join(stale, "tmp"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(stale, "upload.xlsx"), []byte("PK names and ID numbers"), 0o600); err != nil {
		t.Fatal(err)
	}
	log := logrus.New()
	log.SetOutput(io.Discard)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	err := bot.Run(ctx, bot.RunOptions{Config: config.Defaults(), DataDir: data, Addr: "127.0.0.1:0", Stdout: io.Discard,
		Log: logrus.NewEntry(log), Ready: func(string) { cancel() }})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Errorf("%s still there after a start: %v", stale, err)
	}
}

// With no token configured the API is closed; an IT person who forgot ZENGSHOU_HTTP_TOKENS (or
// whose systemd unit did not load it) was told 401 缺少或错误的访问令牌 and kept checking the token
// they sent. The answer is 403 saying the API is not enabled on the server, whatever is sent.
func TestPluginAPIClosedSaysSo(t *testing.T) {
	srv, _ := apiServer(t, func(c *config.Config) { c.HTTP.Tokens = nil })
	for _, tok := range []string{"", "anything"} {
		r := do(t, "GET", srv.URL+"/api/v1/policy", tok, "", nil)
		b, _ := io.ReadAll(r.Body)
		if r.StatusCode != 403 || !strings.Contains(string(b), "ZENGSHOU_HTTP_TOKENS") {
			t.Errorf("token %q, none configured: %d %s, want 403 naming ZENGSHOU_HTTP_TOKENS", tok, r.StatusCode, b)
		}
	}
}

// A JSON amount of 16 digits (a typo) was summed in int64 and overflowed: the household's
// 人均纯收入 came back -0.08元 and 收入同比减少. Numbers beyond what the workbook reader takes
// (数值过大: 10万亿 for money and areas, 10亿 for counts) are refused with the field named.
func TestPluginAPIEvaluateRefusesAbsurdNumbers(t *testing.T) {
	srv, _ := apiServer(t, nil)
	for body, want := range map[string]string{
		`{"period":"2026Q3","inputs":{"households":[{"id":"H1","members":3,"quarters":[{"wage":"9000000000000000"}]}]}}`: "inputs.households[0].quarters[0].wage = 9000000000000000元",
		`{"period":"2026Q3","inputs":{"households":[{"id":"H1","members":3000000000}]}}`:                                 "inputs.households[0].members = 3000000000",
		`{"period":"2026Q3","inputs":{"households":[{"id":"H1","members":-3}]}}`:                                         "inputs.households[0].members = -3（不能是负数）",
		`{"period":"2026Q3","inputs":{"households":[{"id":"H1","members":3,"quarters":[{"wage":"10000000000000"}]}]}}`:   "", // 10万亿元: the bound itself
	} {
		r := do(t, "POST", srv.URL+"/api/v1/evaluate", "s3cret-token", "application/json", strings.NewReader(body))
		b, _ := io.ReadAll(r.Body)
		if want == "" {
			if r.StatusCode != 200 {
				t.Errorf("%s: %d %s, want 200", body, r.StatusCode, b)
			}
			continue
		}
		if r.StatusCode != 400 || !strings.Contains(string(b), "too_large") || !strings.Contains(string(b), want) {
			t.Errorf("%s: %d %s, want 400 too_large naming %q", body, r.StatusCode, b, want)
		}
	}
}

// A multipart upload named for its quarter is evaluated for it when ?period is not given, as
// the same file sent in a chat is (“2026年第3季度台账.xlsx” sent in December was evaluated for
// 2026Q4); ?period wins over the name. The quarter used is in X-Zengshou-Period.
func TestPluginAPIProcessTakesTheQuarterFromTheFileName(t *testing.T) {
	srv, _ := apiServer(t, nil)
	path := filepath.Join(t.TempDir(), "a.xlsx")
	if err := ledger.GenerateFile(path, 20, 9, ledger.GenOptions{}); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	for query, want := range map[string]string{"?format=json": "2026Q3", "?format=json&period=2026Q4": "2026Q4"} {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		fw, _ := mw.CreateFormFile("file", "红旗村2026年第3季度台账.xlsx")
		fw.Write(data)
		mw.Close()
		r := do(t, "POST", srv.URL+"/api/v1/process"+query, "s3cret-token", mw.FormDataContentType(), &buf)
		var rep struct {
			Period string `json:"period"`
		}
		if err := json.NewDecoder(r.Body).Decode(&rep); err != nil || r.StatusCode != 200 || rep.Period != want || r.Header.Get("X-Zengshou-Period") != want {
			t.Errorf("%s: %d %v period %q header %q, want %s", query, r.StatusCode, err, rep.Period, r.Header.Get("X-Zengshou-Period"), want)
		}
	}
}
