package dingtalk

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sirupsen/logrus"
)

// Test credentials. None of them is a real secret.
const (
	testAppKey    = "dingappkey0001"
	testAppSecret = "testAppSecret" // §5.5 HTTP robot vector secret
	testNowMs     = 1700000000000   // §5.5 vector timestamp
)

func testNow() time.Time { return time.UnixMilli(testNowMs) }

// fakeBodyLimit: robot message bodies above 20 000 bytes are refused (webhooks: errcode 460101
// "message too long, exceed 20000 bytes").
const fakeBodyLimit = 20000

// sent is one message the fake received.
type sent struct {
	Size     int // body bytes
	Path     string
	Header   http.Header
	Query    string
	Body     map[string]any
	MsgParam map[string]string
}

type upload struct {
	Type, Name string
	Data       []byte
}

// fakeDingTalk is a loopback DingTalk: token, file download, media upload, group and 1:1 robot
// messages, sessionWebhook and custom webhook robots (with signature verification).
type fakeDingTalk struct {
	t   *testing.T
	srv *httptest.Server
	mu  sync.Mutex

	secret       string // the appSecret it accepts
	token        string // the currently valid access token
	tokenSerial  int
	tokenFetches int
	tokenDelay   time.Duration

	files   map[string][]byte // downloadCode -> content
	uploads []upload
	sent    []sent

	webhookSecrets map[string]string // access_token -> SEC secret
	now            func() time.Time

	// failures, keyed by path: status, body and headers to answer once set.
	fail map[string]fakeFailure
}

type fakeFailure struct {
	status int
	header map[string]string
	body   string
	match  func(s sent) bool
}

func newFake(t *testing.T) *fakeDingTalk {
	f := &fakeDingTalk{t: t, secret: testAppSecret, files: map[string][]byte{},
		webhookSecrets: map[string]string{}, fail: map[string]fakeFailure{}, now: testNow}
	f.rotate()
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1.0/oauth2/accessToken", f.accessToken)
	mux.HandleFunc("GET /gettoken", f.getToken)
	mux.HandleFunc("POST /v1.0/robot/messageFiles/download", f.download)
	mux.HandleFunc("GET /files/{code}", f.file)
	mux.HandleFunc("POST /media/upload", f.upload)
	mux.HandleFunc("POST /v1.0/robot/groupMessages/send", f.robotSend)
	mux.HandleFunc("POST /v1.0/robot/oToMessages/batchSend", f.robotSend)
	mux.HandleFunc("POST /robot/sendBySession", f.session)
	mux.HandleFunc("POST /robot/send", f.webhook)
	f.srv = httptest.NewServer(mux)
	t.Cleanup(f.srv.Close)
	return f
}

// rotate makes a new valid token (the old one becomes invalid).
func (f *fakeDingTalk) rotate() {
	f.tokenSerial++
	f.token = fmt.Sprintf("fake-token-%d", f.tokenSerial)
}

func (f *fakeDingTalk) json(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (f *fakeDingTalk) failure(path string, s sent) (fakeFailure, bool) {
	ff, ok := f.fail[path]
	if ok && ff.match != nil && !ff.match(s) {
		return ff, false
	}
	return ff, ok
}

func (f *fakeDingTalk) answerFailure(w http.ResponseWriter, ff fakeFailure) {
	for k, v := range ff.header {
		w.Header().Set(k, v)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(ff.status)
	_, _ = io.WriteString(w, ff.body)
}

func (f *fakeDingTalk) accessToken(w http.ResponseWriter, r *http.Request) {
	var in struct{ AppKey, AppSecret string }
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		// §3.5: form encoding fails.
		f.json(w, 400, map[string]string{"code": "MissingParameter", "message": "form body"})
		return
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		f.json(w, 400, map[string]string{"code": "InvalidParameter", "message": err.Error()})
		return
	}
	time.Sleep(f.tokenDelay)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.tokenFetches++
	if in.AppKey != testAppKey || in.AppSecret != f.secret {
		f.json(w, 400, map[string]string{"code": "invalidClientIdOrSecret", "message": "无效的clientId或者clientSecret"})
		return
	}
	f.json(w, 200, map[string]any{"accessToken": f.token, "expireIn": 7200})
}

func (f *fakeDingTalk) getToken(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.tokenFetches++
	if r.URL.Query().Get("appkey") != testAppKey || r.URL.Query().Get("appsecret") != f.secret {
		f.json(w, 200, map[string]any{"errcode": 40089, "errmsg": "不合法的corpid或corpsecret"})
		return
	}
	f.json(w, 200, map[string]any{"errcode": 0, "errmsg": "ok", "access_token": f.token, "expires_in": 7200})
}

// authed checks the new-API token header.
func (f *fakeDingTalk) authed(w http.ResponseWriter, r *http.Request) bool {
	f.mu.Lock()
	ok := r.Header.Get("x-acs-dingtalk-access-token") == f.token
	f.mu.Unlock()
	if !ok {
		f.json(w, 401, map[string]string{"code": "InvalidAuthentication", "message": "不合法的access_token"})
	}
	return ok
}

func (f *fakeDingTalk) download(w http.ResponseWriter, r *http.Request) {
	if !f.authed(w, r) {
		return
	}
	var in struct{ DownloadCode, RobotCode string }
	_ = json.NewDecoder(r.Body).Decode(&in)
	f.mu.Lock()
	_, ok := f.files[in.DownloadCode]
	f.mu.Unlock()
	if in.RobotCode != testAppKey {
		f.json(w, 400, map[string]string{"code": "resource.not.found", "message": "robot 不存在"})
		return
	}
	if !ok {
		f.json(w, 400, map[string]string{"code": "InvalidDownloadCode", "message": "downloadCode 已过期"})
		return
	}
	f.json(w, 200, map[string]string{"downloadUrl": f.srv.URL + "/files/" + base64.RawURLEncoding.EncodeToString([]byte(in.DownloadCode)) + "?Expires=1700000300&Signature=s3cr3t"})
}

func (f *fakeDingTalk) file(w http.ResponseWriter, r *http.Request) {
	code, err := base64.RawURLEncoding.DecodeString(r.PathValue("code"))
	f.mu.Lock()
	data, ok := f.files[string(code)]
	f.mu.Unlock()
	if err != nil || !ok || r.URL.Query().Get("Signature") != "s3cr3t" {
		http.Error(w, "AccessDenied", 403)
		return
	}
	if strings.HasPrefix(string(code), "chunked") {
		// No Content-Length: the size is only known while copying.
		half := len(data) / 2
		_, _ = w.Write(data[:half])
		w.(http.Flusher).Flush()
		_, _ = w.Write(data[half:])
		return
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	_, _ = w.Write(data)
}

func (f *fakeDingTalk) upload(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	tok := f.token
	f.mu.Unlock()
	if r.URL.Query().Get("access_token") != tok {
		f.json(w, 200, map[string]any{"errcode": codeInvalidToken, "errmsg": "不合法的access_token"})
		return
	}
	if ff, ok := f.failure("/media/upload", sent{}); ok {
		f.answerFailure(w, ff)
		return
	}
	if err := r.ParseMultipartForm(32 << 20); err != nil {
		f.json(w, 200, map[string]any{"errcode": 40004, "errmsg": "bad multipart"})
		return
	}
	mf, hdr, err := r.FormFile("media")
	if err != nil {
		f.json(w, 200, map[string]any{"errcode": 40004, "errmsg": "no media field"})
		return
	}
	data, _ := io.ReadAll(mf)
	f.mu.Lock()
	f.uploads = append(f.uploads, upload{Type: r.FormValue("type"), Name: hdr.Filename, Data: data})
	id := fmt.Sprintf("@lAfake%d", len(f.uploads))
	f.mu.Unlock()
	f.json(w, 200, map[string]any{"errcode": 0, "errmsg": "ok", "media_id": id, "type": r.FormValue("type")})
}

func (f *fakeDingTalk) record(r *http.Request) sent {
	raw, _ := io.ReadAll(r.Body)
	s := sent{Size: len(raw), Path: r.URL.Path, Header: r.Header.Clone(), Query: r.URL.RawQuery}
	if err := json.Unmarshal(raw, &s.Body); err != nil {
		f.t.Errorf("fake: %s body is not JSON: %v", r.URL.Path, err)
	}
	if p, ok := s.Body["msgParam"].(string); ok {
		if err := json.Unmarshal([]byte(p), &s.MsgParam); err != nil {
			f.t.Errorf("fake: msgParam is not a JSON object string: %v", err)
		}
	}
	return s
}

func (f *fakeDingTalk) robotSend(w http.ResponseWriter, r *http.Request) {
	if !f.authed(w, r) {
		return
	}
	s := f.record(r)
	if ff, ok := f.failure(r.URL.Path, s); ok {
		f.answerFailure(w, ff)
		return
	}
	if s.Size > fakeBodyLimit { // the robot body limit (errcode 460101 on the webhooks)
		f.json(w, 400, map[string]string{"code": "invalidParameter", "message": "body 大小不合法;请保持大小在 20000bytes 以内"})
		return
	}
	if s.Body["robotCode"] != testAppKey {
		f.json(w, 400, map[string]string{"code": "resource.not.found", "message": "robot 不存在"})
		return
	}
	f.mu.Lock()
	f.sent = append(f.sent, s)
	n := len(f.sent)
	f.mu.Unlock()
	f.json(w, 200, map[string]any{"processQueryKey": fmt.Sprintf("pqk-%d", n)})
}

func (f *fakeDingTalk) session(w http.ResponseWriter, r *http.Request) {
	s := f.record(r)
	if ff, ok := f.failure(r.URL.Path, s); ok {
		f.answerFailure(w, ff)
		return
	}
	if s.Size > fakeBodyLimit {
		f.json(w, 200, map[string]any{"errcode": 460101, "errmsg": "message too long, exceed 20000 bytes"})
		return
	}
	f.mu.Lock()
	f.sent = append(f.sent, s)
	f.mu.Unlock()
	f.json(w, 200, map[string]any{"errcode": 0, "errmsg": "ok"})
}

// webhook checks the custom robot signature with its own HMAC code (not the connector's).
func (f *fakeDingTalk) webhook(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	secret, ok := f.webhookSecrets[q.Get("access_token")]
	if !ok {
		f.json(w, 200, map[string]any{"errcode": codeWebhookToken, "errmsg": "token is not exist"})
		return
	}
	ts := q.Get("timestamp")
	ms, err := strconv.ParseInt(ts, 10, 64)
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(ts + "\n" + secret))
	want := base64.StdEncoding.EncodeToString(m.Sum(nil))
	if err != nil || q.Get("sign") != want || f.now().Sub(time.UnixMilli(ms)).Abs() > time.Hour {
		f.json(w, 200, map[string]any{"errcode": codeWebhookSecure, "errmsg": "sign not match"})
		return
	}
	s := f.record(r)
	if ff, ok := f.failure(r.URL.Path, s); ok {
		f.answerFailure(w, ff)
		return
	}
	if s.Size > fakeBodyLimit {
		f.json(w, 200, map[string]any{"errcode": 460101, "errmsg": "message too long, exceed 20000 bytes"})
		return
	}
	f.mu.Lock()
	f.sent = append(f.sent, s)
	f.mu.Unlock()
	f.json(w, 200, map[string]any{"errcode": 0, "errmsg": "ok"})
}

func (f *fakeDingTalk) sentMessages() []sent {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]sent(nil), f.sent...)
}

func (f *fakeDingTalk) uploaded() []upload {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]upload(nil), f.uploads...)
}

func (f *fakeDingTalk) fetches() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.tokenFetches
}

// logBuffer collects log output so tests can check that no secret reaches it.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func testLogger(buf io.Writer) *logrus.Entry {
	l := logrus.New()
	l.SetOutput(buf)
	l.SetLevel(logrus.DebugLevel)
	return logrus.NewEntry(l)
}

// newTestConnector builds a connector against the fake.
func newTestConnector(t *testing.T, f *fakeDingTalk, mode string, mutate func(*Config)) (*Connector, *logBuffer) {
	t.Helper()
	cfg := Config{Enabled: true, AppKey: testAppKey, AppSecret: testAppSecret, Mode: mode,
		BaseURL: f.srv.URL, OapiURL: f.srv.URL}
	if mutate != nil {
		mutate(&cfg)
	}
	logs := &logBuffer{}
	c, err := New(cfg, Options{Log: testLogger(logs), HTTPClient: f.srv.Client(), Now: testNow})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	c.tokens = &tokenCache{entries: map[tokenKey]*tokenEntry{}}
	return c, logs
}

// payload reads a testdata message and points its sessionWebhook at the fake.
func payload(t *testing.T, name, oapi string) []byte {
	t.Helper()
	b, err := os.ReadFile("../../testdata/dingtalk/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return bytes.ReplaceAll(b, []byte("FAKE_OAPI"), []byte(oapi))
}
