package feishu

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sirupsen/logrus"
)

// fakeFeishu is a loopback Feishu open platform speaking the wire format of PLATFORMS.md §1.3–1.6:
// tenant token, bot info, resource download, file and image upload, message create and reply
// with uuid dedupe, error codes and throttling with x-ogw-ratelimit-reset.
type fakeFeishu struct {
	t   *testing.T
	srv *httptest.Server

	mu         sync.Mutex
	appID      string
	secret     string
	expire     int // seconds, as in the token answer
	tokenDelay time.Duration
	tokenCalls int
	token      string // the one valid token
	botOpenID  string
	files      map[string][]byte // "message_id/file_key" → bytes
	chunked    bool              // serve downloads without Content-Length
	fail       []fakeFailure     // queued answers for the next matching API calls
	uploads    []fakeUpload
	images     []fakeUpload
	attempts   []fakeMsg        // every message create/reply request that reached the handler
	msgs       []fakeMsg        // messages actually shown (uuid dedupe applied)
	authSeen   []string         // bearer tokens of API calls, in order
	now        func() time.Time // the harness clock: uuids dedupe for an hour of it (§1.3)
}

type fakeFailure struct {
	skip       int // let this many matching calls through first
	pathPrefix string
	status     int
	code       int
	reset      string // x-ogw-ratelimit-reset, "" for none
}

type fakeUpload struct {
	FileType, FileName, ImageType string
	Data                          []byte
}

type fakeMsg struct {
	Path          string
	ReceiveIDType string
	ReceiveID     string `json:"receive_id"`
	MsgType       string `json:"msg_type"`
	Content       string `json:"content"`
	UUID          string `json:"uuid"`
	ReplyInThread *bool  `json:"reply_in_thread"`
	ID            string
	At            time.Time // when it was shown
}

func newFake(t *testing.T) *fakeFeishu {
	f := &fakeFeishu{t: t, appID: "cli_test", secret: "s3cr3t-app", expire: 7200, botOpenID: "ou_bot", files: map[string][]byte{}}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeFeishu) answer(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (f *fakeFeishu) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	p := r.URL.Path
	if p == pathToken {
		f.serveToken(w, r)
		return
	}
	auth := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	f.authSeen = append(f.authSeen, auth)
	if auth == "" || auth != f.token {
		// §1.5: 99991663 = tenant token invalid.
		f.answer(w, http.StatusBadRequest, map[string]any{"code": 99991663, "msg": "Invalid access token for authorization."})
		return
	}
	for i, fl := range f.fail {
		if strings.HasPrefix(p, fl.pathPrefix) && fl.skip > 0 {
			f.fail[i].skip--
			break
		}
		if strings.HasPrefix(p, fl.pathPrefix) {
			f.fail = append(f.fail[:i], f.fail[i+1:]...)
			if fl.reset != "" {
				w.Header().Set("x-ogw-ratelimit-reset", fl.reset)
			}
			f.answer(w, fl.status, map[string]any{"code": fl.code, "msg": fmt.Sprintf("fake failure %d", fl.code)})
			return
		}
	}
	switch {
	case p == pathBotInfo && r.Method == http.MethodGet:
		f.answer(w, 200, map[string]any{"code": 0, "msg": "ok", "bot": map[string]any{"open_id": f.botOpenID, "app_name": "增收助手"}})
	case strings.HasPrefix(p, pathMessages+"/") && strings.Contains(p, "/resources/") && r.Method == http.MethodGet:
		f.serveDownload(w, r)
	case p == pathFiles && r.Method == http.MethodPost:
		f.serveUpload(w, r, false)
	case p == pathImages && r.Method == http.MethodPost:
		f.serveUpload(w, r, true)
	case (p == pathMessages || strings.HasSuffix(p, "/reply")) && r.Method == http.MethodPost:
		f.serveMessage(w, r)
	default:
		f.answer(w, http.StatusNotFound, map[string]any{"code": 404, "msg": "not found"})
	}
}

func (f *fakeFeishu) serveToken(w http.ResponseWriter, r *http.Request) {
	var in struct {
		AppID     string `json:"app_id"`
		AppSecret string `json:"app_secret"`
	}
	_ = json.NewDecoder(r.Body).Decode(&in)
	f.tokenCalls++
	if f.tokenDelay > 0 {
		f.mu.Unlock()
		time.Sleep(f.tokenDelay)
		f.mu.Lock()
	}
	if in.AppID != f.appID || in.AppSecret != f.secret {
		// 10014 "app secret invalid" is Feishu's code; the 400 status is the fake's choice.
		f.answer(w, http.StatusBadRequest, map[string]any{"code": 10014, "msg": "app secret invalid"})
		return
	}
	f.token = fmt.Sprintf("t-fake-%d", f.tokenCalls)
	f.answer(w, 200, map[string]any{"code": 0, "msg": "ok", "tenant_access_token": f.token, "expire": f.expire})
}

func (f *fakeFeishu) serveDownload(w http.ResponseWriter, r *http.Request) {
	rest := strings.TrimPrefix(r.URL.Path, pathMessages+"/")
	msgID, key, _ := strings.Cut(rest, "/resources/")
	if r.URL.Query().Get("type") != "file" {
		f.answer(w, http.StatusBadRequest, map[string]any{"code": 234001, "msg": "invalid type"})
		return
	}
	data, ok := f.files[msgID+"/"+key]
	if !ok {
		// Not-found code chosen by the fake; the connector treats any 4xx code as permanent.
		f.answer(w, http.StatusBadRequest, map[string]any{"code": 234003, "msg": "file not found"})
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Disposition", `attachment; filename="file.xlsx"`)
	if !f.chunked {
		w.Header().Set("Content-Length", fmt.Sprint(len(data)))
	}
	w.WriteHeader(200)
	if f.chunked {
		// Two writes with a flush in between force chunked transfer (no Content-Length).
		half := len(data) / 2
		_, _ = w.Write(data[:half])
		w.(http.Flusher).Flush()
		_, _ = w.Write(data[half:])
		return
	}
	_, _ = w.Write(data)
}

func (f *fakeFeishu) serveUpload(w http.ResponseWriter, r *http.Request, image bool) {
	if err := r.ParseMultipartForm(32 << 20); err != nil {
		f.answer(w, http.StatusBadRequest, map[string]any{"code": 234001, "msg": "bad multipart"})
		return
	}
	field := "file"
	if image {
		field = "image"
	}
	file, _, err := r.FormFile(field)
	if err != nil {
		f.answer(w, http.StatusBadRequest, map[string]any{"code": 234001, "msg": "no " + field})
		return
	}
	data, _ := io.ReadAll(file)
	up := fakeUpload{FileType: r.FormValue("file_type"), FileName: r.FormValue("file_name"), ImageType: r.FormValue("image_type"), Data: data}
	if image {
		if up.ImageType != "message" {
			f.answer(w, http.StatusBadRequest, map[string]any{"code": 234001, "msg": "bad image_type"})
			return
		}
		f.images = append(f.images, up)
		f.answer(w, 200, map[string]any{"code": 0, "msg": "success", "data": map[string]string{"image_key": fmt.Sprintf("img_v2_%d", len(f.images))}})
		return
	}
	switch up.FileType { // the enum of §1.3; a MIME type gets 234001
	case "opus", "mp4", "pdf", "doc", "xls", "ppt", "stream":
	default:
		f.answer(w, http.StatusBadRequest, map[string]any{"code": 234001, "msg": "Invalid request param."})
		return
	}
	f.uploads = append(f.uploads, up)
	f.answer(w, 200, map[string]any{"code": 0, "msg": "success", "data": map[string]string{"file_key": fmt.Sprintf("file_v2_up%d", len(f.uploads))}})
}

func (f *fakeFeishu) serveMessage(w http.ResponseWriter, r *http.Request) {
	var m fakeMsg
	if err := json.NewDecoder(r.Body).Decode(&m); err != nil {
		f.answer(w, http.StatusBadRequest, map[string]any{"code": 230001, "msg": "bad body"})
		return
	}
	m.Path = r.URL.Path
	m.ReceiveIDType = r.URL.Query().Get("receive_id_type")
	var content map[string]any
	if json.Unmarshal([]byte(m.Content), &content) != nil || len(m.UUID) > 50 {
		f.answer(w, http.StatusBadRequest, map[string]any{"code": 230001, "msg": "invalid message content"})
		return
	}
	if r.URL.Path == pathMessages {
		switch m.ReceiveIDType {
		case "open_id", "user_id", "union_id", "email", "chat_id":
		default:
			f.answer(w, http.StatusBadRequest, map[string]any{"code": 230001, "msg": "bad receive_id_type"})
			return
		}
	}
	f.attempts = append(f.attempts, m)
	m.At = f.clock()
	if m.UUID != "" {
		for _, old := range f.msgs {
			if old.UUID == m.UUID && m.At.Sub(old.At) < time.Hour { // §1.3: same uuid → at most one message within 1 h
				f.answer(w, 200, map[string]any{"code": 0, "msg": "success", "data": map[string]string{"message_id": old.ID}})
				return
			}
		}
	}
	m.ID = fmt.Sprintf("om_sent_%d", len(f.msgs)+1)
	f.msgs = append(f.msgs, m)
	f.answer(w, 200, map[string]any{"code": 0, "msg": "success", "data": map[string]string{"message_id": m.ID}})
}

func (f *fakeFeishu) clock() time.Time {
	if f.now != nil {
		return f.now()
	}
	return time.Now()
}

// snapshot copies the recorded state under the lock.
func (f *fakeFeishu) snapshot() fakeFeishu {
	f.mu.Lock()
	defer f.mu.Unlock()
	return fakeFeishu{tokenCalls: f.tokenCalls, uploads: append([]fakeUpload{}, f.uploads...), images: append([]fakeUpload{}, f.images...),
		attempts: append([]fakeMsg{}, f.attempts...), msgs: append([]fakeMsg{}, f.msgs...), authSeen: append([]string{}, f.authSeen...), token: f.token}
}

// revoke makes the current token invalid, as Feishu does when a token is reset.
func (f *fakeFeishu) revoke() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.token = "revoked"
}

func (f *fakeFeishu) failNext(fl fakeFailure) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fail = append(f.fail, fl)
}

// testClock is a settable clock for Options.Now.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *testClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// harness builds a Connector against the fake. The log goes to buf so tests can check that no
// secret reaches it; sleeps are recorded instead of slept.
type harness struct {
	c      *Connector
	fake   *fakeFeishu
	clock  *testClock
	logBuf *bytes.Buffer
	mu     sync.Mutex
	sleeps []time.Duration
}

const (
	testEncryptKey = "1212121212" // the official sample key, PLATFORMS.md §5.4
	testToken      = "v"          // its verification token
)

func newHarness(t *testing.T, mod func(*Config)) *harness {
	t.Helper()
	f := newFake(t)
	cfg := Config{Enabled: true, AppID: f.appID, AppSecret: f.secret, VerificationToken: testToken, EncryptKey: testEncryptKey, Mode: "webhook", BaseURL: f.srv.URL}
	if mod != nil {
		mod(&cfg)
	}
	h := &harness{fake: f, clock: &testClock{t: time.Unix(1700000000, 0)}, logBuf: &bytes.Buffer{}}
	f.now = h.clock.Now
	l := logrus.New()
	l.SetOutput(&lockedWriter{w: h.logBuf, mu: &h.mu})
	l.SetLevel(logrus.DebugLevel)
	c, err := New(cfg, Options{Log: logrus.NewEntry(l), HTTPClient: f.srv.Client(), Now: h.clock.Now})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	c.sleep = func(ctx context.Context, d time.Duration) error {
		h.mu.Lock()
		h.sleeps = append(h.sleeps, d)
		h.mu.Unlock()
		return ctx.Err()
	}
	h.c = c
	return h
}

func (h *harness) log() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.logBuf.String()
}

type lockedWriter struct {
	w  io.Writer
	mu *sync.Mutex
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// assertNoSecrets fails when a secret or token reached the log.
func (h *harness) assertNoSecrets(t *testing.T) {
	t.Helper()
	log := h.log()
	for _, s := range []string{h.fake.secret, testEncryptKey, "t-fake-"} {
		if strings.Contains(log, s) {
			t.Errorf("log contains secret %q:\n%s", s, log)
		}
	}
}
