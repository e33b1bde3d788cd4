package bot_test

// Issue 8, part 2: faults. Platform API failures (5xx, timeouts, 429) are retried with growing
// backoff and end in an admin alert and a Chinese error reply; a permanent error is not retried;
// a busy or failing store refuses callbacks cleanly (non-2xx, so the platform redelivers) and
// loses nothing; a full disk keeps the job queued; Feishu's redelivery schedule gives one reply;
// a clock jump of a week fires one digest, not seven. Kill -9 at each stage is crash_test.go.

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sirupsen/logrus"
	_ "modernc.org/sqlite" // the second connection that holds the write lock

	"zengshou/bot"
	"zengshou/bot/store"
	"zengshou/calc/ledger"
	"zengshou/config"
	"zengshou/connectors"
	"zengshou/connectors/feishu"
)

// fxConn is a scripted connector: Download and Send fail with the queued errors, in order,
// then succeed. It records every message it accepted.
type fxConn struct {
	name string
	file []byte // what Download writes

	mu        sync.Mutex
	dlErrs    []error
	sendErrs  []error
	halfErrs  []error // a send whose text goes out (its key is taken) before its file fails
	downloads int     // calls
	sends     int     // calls
	sent      []connectors.Message
	keys      map[string]bool // idempotency keys shown (a resend with the same key is dropped)
}

func newFxConn(name string, file []byte) *fxConn {
	return &fxConn{name: name, file: file, keys: map[string]bool{}}
}

func (c *fxConn) Name() string { return c.name }
func (c *fxConn) Limits() connectors.Limits {
	return connectors.Limits{MaxTextRunes: 0, MaxFileBytes: 50 << 20}
}
func (c *fxConn) Routes(connectors.Handler) []connectors.Route      { return nil }
func (c *fxConn) Receive(context.Context, connectors.Handler) error { return nil }
func (c *fxConn) failDownloads(errs ...error) {
	c.mu.Lock()
	c.dlErrs = append(c.dlErrs, errs...)
	c.mu.Unlock()
}
func (c *fxConn) failSends(errs ...error) {
	c.mu.Lock()
	c.sendErrs = append(c.sendErrs, errs...)
	c.mu.Unlock()
}
func (c *fxConn) failSendsAfterText(errs ...error) {
	c.mu.Lock()
	c.halfErrs = append(c.halfErrs, errs...)
	c.mu.Unlock()
}
func (c *fxConn) counts() (downloads, sends int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.downloads, c.sends
}
func (c *fxConn) messages() []connectors.Message {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]connectors.Message(nil), c.sent...)
}
func (c *fxConn) Download(ctx context.Context, f connectors.FileRef, dst io.Writer, max int64) (int64, error) {
	c.mu.Lock()
	c.downloads++
	var err error
	if len(c.dlErrs) > 0 {
		err, c.dlErrs = c.dlErrs[0], c.dlErrs[1:]
	}
	c.mu.Unlock()
	if err != nil {
		return 0, err
	}
	n, err := io.Copy(&connectors.LimitedWriter{W: dst, Max: max}, bytes.NewReader(c.file))
	return n, err
}

func (c *fxConn) Send(ctx context.Context, m connectors.Message) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sends++
	if len(c.sendErrs) > 0 {
		err := c.sendErrs[0]
		c.sendErrs = c.sendErrs[1:]
		return "", err
	}
	if m.IdempotencyKey != "" && c.keys[m.IdempotencyKey] {
		return m.IdempotencyKey, nil
	}
	c.keys[m.IdempotencyKey] = true
	if len(c.halfErrs) > 0 {
		err := c.halfErrs[0]
		c.halfErrs = c.halfErrs[1:]
		text := m
		text.File = nil
		c.sent = append(c.sent, text)
		return "", err
	}
	c.sent = append(c.sent, m)
	return m.IdempotencyKey, nil
}

// withConnectors rebuilds the harness's service on the same store with extra connectors.
func (h *harness) withConnectors(extra ...connectors.Connector) {
	h.t.Helper()
	svc, err := bot.New(bot.Options{Config: h.cfg, Store: h.st, Connectors: append([]connectors.Connector{h.conn}, extra...),
		Clock: h.clock, Log: logrus.NewEntry(h.logger()), DataDir: h.dir})
	if err != nil {
		h.t.Fatal(err)
	}
	h.svc = svc
}

func fxWorkbook(t *testing.T, n int, seed int64) []byte {
	t.Helper()
	p := filepath.Join(t.TempDir(), "g.xlsx")
	if err := ledger.GenerateFile(p, n, seed, q4()); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func fxFileEvent(platform, id, chat string) connectors.Event {
	return connectors.Event{Platform: platform, ID: id, Kind: connectors.EventFile, ChatID: chat, ChatType: connectors.ChatGroup,
		SenderID: "u1", File: &connectors.FileRef{Name: "台账.xlsx", Key: "fk-" + id}}
}

// mustWork runs exactly one job now and fails if none was due.
func (h *harness) mustWork() {
	h.t.Helper()
	ok, err := h.svc.WorkOnce(context.Background())
	if err != nil || !ok {
		h.t.Fatalf("WorkOnce = %v, %v; want a due job", ok, err)
	}
}

func (h *harness) idle() {
	h.t.Helper()
	if ok, err := h.svc.WorkOnce(context.Background()); err != nil || ok {
		h.t.Fatalf("WorkOnce = %v, %v; want no due job", ok, err)
	}
}

// nextDelay is how long from now until the earliest queued job is due.
func (h *harness) nextDelay() time.Duration {
	h.t.Helper()
	at, err := h.st.NextRunAt(context.Background())
	if err != nil || at.IsZero() {
		h.t.Fatalf("next run: %v %v", at, err)
	}
	return at.Sub(h.clock.Now()).Round(time.Millisecond)
}

func (h *harness) jobCount() int {
	h.t.Helper()
	counts, err := h.st.JobCounts(context.Background())
	if err != nil {
		h.t.Fatal(err)
	}
	n := 0
	for _, c := range counts {
		n += c
	}
	return n
}

func fxAPIError(status int, retryAfter time.Duration) error {
	return &connectors.Error{Platform: "fake", Op: "download", HTTPStatus: status, Msg: http.StatusText(status), RetryAfter: retryAfter}
}

// 5xx, a timeout and a 429 are retried with base<<attempt backoff (the 429's wait when longer);
// after workers.retry_max attempts the cadre gets a Chinese error reply and the admins an alert.
func TestFaultTransientDownloadErrorsRetryWithBackoffThenAlert(t *testing.T) {
	h := newHarness(t, func(c *config.Config) {
		c.Workers.RetryMax = 5
		c.Workers.RetryBase = time.Second
		c.Roster.Admins = []config.Admin{{Name: "管理员", IDs: config.IDs{"fake": "admin-fake"}}}
	})
	fc := newFxConn("fake", fxWorkbook(t, 10, 1))
	h.withConnectors(fc)
	fc.failDownloads(
		fxAPIError(http.StatusInternalServerError, 0),
		fmt.Errorf("download: %w", context.DeadlineExceeded), // a timeout
		fxAPIError(http.StatusTooManyRequests, 30*time.Second),
		fxAPIError(http.StatusBadGateway, 0),
		fxAPIError(http.StatusServiceUnavailable, 0),
	)
	if err := h.svc.Intake(context.Background(), fxFileEvent("fake", "m1", "oc_群")); err != nil {
		t.Fatal(err)
	}
	// attempt n fails → next try after base<<(n-1), or the 429's 30 s when longer.
	for i, want := range []time.Duration{time.Second, 2 * time.Second, 30 * time.Second, 8 * time.Second} {
		h.mustWork()
		if got := h.nextDelay(); got != want {
			t.Fatalf("after attempt %d: next try in %v, want %v", i+1, got, want)
		}
		h.clock.Advance(want - time.Millisecond)
		h.idle() // not due yet: no busy loop against a failing platform
		h.clock.Advance(time.Millisecond)
		if msgs := fc.messages(); len(msgs) != 0 {
			t.Fatalf("after attempt %d the cadre already got %+v", i+1, msgs)
		}
	}
	h.mustWork() // attempt 5 = retry_max: give up
	h.idle()
	if d, _ := fc.counts(); d != 5 {
		t.Fatalf("downloads: %d, want 5", d)
	}
	j, err := h.st.GetJob(context.Background(), 1)
	if err != nil || j.State != store.JobFailed || j.Attempts != 5 {
		t.Fatalf("job: %+v %v; want failed after 5 attempts", j, err)
	}
	var alerts, errs []connectors.Message
	for _, m := range fc.messages() {
		switch {
		case len(m.UserIDs) == 1 && m.UserIDs[0] == "admin-fake":
			alerts = append(alerts, m)
		case m.ChatID == "oc_群" && m.Kind == "error":
			errs = append(errs, m)
		default:
			t.Errorf("unexpected message %+v", m)
		}
	}
	if len(alerts) != 1 || !strings.Contains(alerts[0].Text, "多次重试后仍失败") || !strings.Contains(alerts[0].Text, "503") {
		t.Errorf("admin alerts: %+v", alerts)
	}
	if len(errs) != 1 || !strings.Contains(errs[0].Text, "处理失败，请稍后重新上传") {
		t.Errorf("error replies to the cadre: %+v", errs)
	}
}

// A reply that fails transiently (5xx, 429) is resent with the same idempotency key and shown
// once; the file is downloaded and evaluated once.
func TestFaultTransientSendErrorsRetryAndReplyOnce(t *testing.T) {
	h := newHarness(t, nil)
	fc := newFxConn("fake", fxWorkbook(t, 10, 2))
	h.withConnectors(fc)
	fc.failSends(
		&connectors.Error{Platform: "fake", Op: "send", HTTPStatus: 502, Msg: "bad gateway"},
		&connectors.Error{Platform: "fake", Op: "send", HTTPStatus: 429, Msg: "too many", RetryAfter: 10 * time.Second},
	)
	if err := h.svc.Intake(context.Background(), fxFileEvent("fake", "m2", "oc_2")); err != nil {
		t.Fatal(err)
	}
	h.mustWork()
	if got := h.nextDelay(); got != time.Second {
		t.Fatalf("first retry in %v", got)
	}
	h.clock.Advance(time.Second)
	h.mustWork()
	if got := h.nextDelay(); got != 10*time.Second {
		t.Fatalf("429 retry in %v, want the platform's 10s", got)
	}
	h.clock.Advance(10 * time.Second)
	h.mustWork()
	h.idle()
	d, s := fc.counts()
	msgs := fc.messages()
	if d != 1 || s != 3 || len(msgs) != 1 || msgs[0].Kind != "reply" || msgs[0].IdempotencyKey != "job-1-reply" || msgs[0].File == nil {
		t.Fatalf("downloads %d sends %d messages %+v", d, s, msgs)
	}
	if j, _ := h.st.GetJob(context.Background(), 1); j.State != store.JobDone {
		t.Fatalf("job state %s", j.State)
	}
}

// A permanent error (403, bot removed) is not retried: one Chinese error reply, no alert loop.
func TestFaultPermanentErrorIsNotRetried(t *testing.T) {
	h := newHarness(t, func(c *config.Config) {
		c.Roster.Admins = []config.Admin{{Name: "管理员", IDs: config.IDs{"fake": "admin-fake"}}}
	})
	fc := newFxConn("fake", nil)
	h.withConnectors(fc)
	fc.failDownloads(&connectors.Error{Platform: "fake", Op: "download", HTTPStatus: 403, Msg: "forbidden", Permanent: true})
	if err := h.svc.Intake(context.Background(), fxFileEvent("fake", "m3", "oc_3")); err != nil {
		t.Fatal(err)
	}
	h.mustWork()
	h.clock.Advance(24 * time.Hour)
	h.idle()
	msgs := fc.messages()
	if d, _ := fc.counts(); d != 1 || len(msgs) != 1 || msgs[0].Kind != "error" || !strings.Contains(msgs[0].Text, "文件无法下载") {
		t.Fatalf("downloads %d, messages %+v", d, msgs)
	}
	if j, _ := h.st.GetJob(context.Background(), 1); j.State != store.JobFailed || j.Attempts != 1 {
		t.Fatalf("job %+v", j)
	}
}

// A reply whose text went out but whose workbook failed for good (the platform refused the
// file) is followed by the error text. The platforms drop a second message under a key already
// used (Feishu's uuid, whatever the content), so the error text has a key of its own.
func TestFaultErrorAfterHalfSentReplyIsDelivered(t *testing.T) {
	h := newHarness(t, nil)
	fc := newFxConn("fake", fxWorkbook(t, 10, 3))
	h.withConnectors(fc)
	fc.failSendsAfterText(&connectors.Error{Platform: "fake", Op: "send", HTTPStatus: 400, Msg: "file too large", Permanent: true})
	if err := h.svc.Intake(context.Background(), fxFileEvent("fake", "m4", "oc_4")); err != nil {
		t.Fatal(err)
	}
	h.mustWork()
	h.idle()
	msgs := fc.messages()
	if len(msgs) != 2 || msgs[0].Kind != "reply" || msgs[1].Kind != "error" || !strings.Contains(msgs[1].Text, "结果工作簿已算好，但发送失败") ||
		msgs[0].IdempotencyKey == msgs[1].IdempotencyKey {
		t.Fatalf("messages %+v", msgs)
	}
}

// --- Feishu wire format for the callback tests (PLATFORMS.md §1.2) ---

const (
	fxFeishuEncryptKey = "fx-encrypt-key-Aq9"
	fxFeishuToken      = "fx-verification-token-Zr7"
	fxFeishuAppSecret  = "fx-app-secret-Kp3"
)

// fxFeishuBody builds an im.message.receive_v1 callback: encrypted with the Encrypt Key and
// signed (X-Lark-Signature) as Feishu does, timestamped at now.
func fxFeishuBody(t testing.TB, now time.Time, eventID, msgID, chatID, chatType, tenant, msgType, content string) ([]byte, http.Header) {
	t.Helper()
	env := map[string]any{
		"schema": "2.0",
		"header": map[string]any{"event_id": eventID, "event_type": "im.message.receive_v1", "token": fxFeishuToken,
			"tenant_key": tenant, "create_time": strconv.FormatInt(now.UnixMilli(), 10), "app_id": "cli_fx"},
		"event": map[string]any{
			"sender": map[string]any{"sender_id": map[string]string{"open_id": "ou_cadre"}, "sender_type": "user", "tenant_key": tenant},
			"message": map[string]any{"message_id": msgID, "chat_id": chatID, "chat_type": chatType, "message_type": msgType,
				"content": content, "create_time": strconv.FormatInt(now.UnixMilli(), 10)},
		},
	}
	plain, _ := json.Marshal(env)
	key := sha256.Sum256([]byte(fxFeishuEncryptKey))
	block, _ := aes.NewCipher(key[:])
	n := aes.BlockSize - len(plain)%aes.BlockSize
	padded := append(plain, bytes.Repeat([]byte{byte(n)}, n)...)
	out := make([]byte, aes.BlockSize+len(padded))
	if _, err := rand.Read(out[:aes.BlockSize]); err != nil {
		t.Fatal(err)
	}
	cipher.NewCBCEncrypter(block, out[:aes.BlockSize]).CryptBlocks(out[aes.BlockSize:], padded)
	body, _ := json.Marshal(map[string]string{"encrypt": base64.StdEncoding.EncodeToString(out)})
	return body, fxFeishuSign(now, body)
}

func fxFeishuSign(now time.Time, body []byte) http.Header {
	ts := strconv.FormatInt(now.Unix(), 10)
	nonce := fmt.Sprintf("n%d", now.UnixNano())
	sum := sha256.Sum256([]byte(ts + nonce + fxFeishuEncryptKey + string(body)))
	hdr := http.Header{}
	hdr.Set("Content-Type", "application/json")
	hdr.Set("X-Lark-Request-Timestamp", ts)
	hdr.Set("X-Lark-Request-Nonce", nonce)
	hdr.Set("X-Lark-Signature", hex.EncodeToString(sum[:]))
	return hdr
}

func fxFeishuFile(t testing.TB, now time.Time, msgID, chatID, tenant, name string) ([]byte, http.Header) {
	content, _ := json.Marshal(map[string]string{"file_key": "fk_" + msgID, "file_name": name})
	return fxFeishuBody(t, now, "ev_"+msgID, msgID, chatID, "group", tenant, "file", string(content))
}

func fxPost(t testing.TB, client *http.Client, url string, body []byte, hdr http.Header) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		t.Error(err)
		return 0, ""
	}
	for k, v := range hdr {
		req.Header[k] = v
	}
	resp, err := client.Do(req) // Error, not Fatal: callers post from goroutines
	if err != nil {
		t.Errorf("POST %s: %v", url, err)
		return 0, ""
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	return resp.StatusCode, string(b)
}

// fxFeishuAPI is a loopback Feishu open platform: tenant token, resource download, file upload,
// message create and reply with uuid dedupe, and queued failures (status, code, reset, hang).
type fxFeishuAPI struct {
	srv *httptest.Server

	mu    sync.Mutex
	files map[string][]byte // file_key → bytes
	fail  []fxFeishuFailure
	msgs  []fxFeishuMsg
	calls map[string]int // "download", "send", "upload"
}

type fxFeishuFailure struct {
	op     string // download | send
	status int
	code   int
	reset  string // x-ogw-ratelimit-reset
	hang   bool   // never answer (the client times out)
}

type fxFeishuMsg struct {
	Path      string
	ReceiveID string `json:"receive_id"`
	MsgType   string `json:"msg_type"`
	Content   string `json:"content"`
	UUID      string `json:"uuid"`
}

func newFxFeishuAPI(t *testing.T) *fxFeishuAPI {
	f := &fxFeishuAPI{files: map[string][]byte{}, calls: map[string]int{}}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fxFeishuAPI) answer(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (f *fxFeishuAPI) serve(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	if p == "/open-apis/auth/v3/tenant_access_token/internal" {
		f.answer(w, 200, map[string]any{"code": 0, "msg": "ok", "tenant_access_token": "t-fx", "expire": 7200})
		return
	}
	if r.Header.Get("Authorization") != "Bearer t-fx" {
		f.answer(w, 400, map[string]any{"code": 99991663, "msg": "Invalid access token"})
		return
	}
	op := "other"
	switch {
	case strings.Contains(p, "/resources/"):
		op = "download"
	case p == "/open-apis/im/v1/files" || p == "/open-apis/im/v1/images":
		op = "upload"
	case strings.HasPrefix(p, "/open-apis/im/v1/messages"):
		op = "send"
	}
	f.mu.Lock()
	f.calls[op]++
	var fl *fxFeishuFailure
	for i := range f.fail {
		if f.fail[i].op == op {
			x := f.fail[i]
			fl = &x
			f.fail = append(f.fail[:i], f.fail[i+1:]...)
			break
		}
	}
	f.mu.Unlock()
	if fl != nil {
		if fl.hang {
			<-r.Context().Done()
			return
		}
		if fl.reset != "" {
			w.Header().Set("x-ogw-ratelimit-reset", fl.reset)
		}
		f.answer(w, fl.status, map[string]any{"code": fl.code, "msg": fmt.Sprintf("fake failure %d", fl.code)})
		return
	}
	switch op {
	case "download":
		key := p[strings.LastIndex(p, "/")+1:]
		f.mu.Lock()
		data, ok := f.files[key]
		f.mu.Unlock()
		if !ok {
			f.answer(w, 400, map[string]any{"code": 234003, "msg": "file not found"})
			return
		}
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Header().Set("Content-Length", strconv.Itoa(len(data)))
		_, _ = w.Write(data)
	case "upload":
		_, _ = io.Copy(io.Discard, r.Body)
		f.answer(w, 200, map[string]any{"code": 0, "msg": "success", "data": map[string]string{"file_key": "file_up", "image_key": "img_up"}})
	case "send":
		var m fxFeishuMsg
		if err := json.NewDecoder(r.Body).Decode(&m); err != nil {
			f.answer(w, 400, map[string]any{"code": 230001, "msg": "bad body"})
			return
		}
		m.Path = p
		f.mu.Lock()
		defer f.mu.Unlock()
		for _, old := range f.msgs {
			if m.UUID != "" && old.UUID == m.UUID {
				f.answer(w, 200, map[string]any{"code": 0, "msg": "success", "data": map[string]string{"message_id": "om_dup"}})
				return
			}
		}
		f.msgs = append(f.msgs, m)
		f.answer(w, 200, map[string]any{"code": 0, "msg": "success", "data": map[string]string{"message_id": fmt.Sprintf("om_sent_%d", len(f.msgs))}})
	default:
		f.answer(w, 404, map[string]any{"code": 404, "msg": "not found"})
	}
}

func (f *fxFeishuAPI) failNext(fl ...fxFeishuFailure) {
	f.mu.Lock()
	f.fail = append(f.fail, fl...)
	f.mu.Unlock()
}

func (f *fxFeishuAPI) shown() []fxFeishuMsg {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]fxFeishuMsg(nil), f.msgs...)
}

func (f *fxFeishuAPI) count(op string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[op]
}

// fxFeishuService serves svc.Handler() on loopback with a Feishu connector (webhook mode,
// encrypted and signed) whose API is api (nil: an address nothing listens on).
func fxFeishuService(t *testing.T, h *harness, api *fxFeishuAPI) (*feishu.Connector, *httptest.Server) {
	t.Helper()
	base := "http://127.0.0.1:1"
	if api != nil {
		base = api.srv.URL
	}
	fc, err := feishu.New(feishu.Config{Enabled: true, AppID: "cli_fx", AppSecret: fxFeishuAppSecret, VerificationToken: fxFeishuToken,
		EncryptKey: fxFeishuEncryptKey, Mode: "webhook", BaseURL: base},
		feishu.Options{Log: logrus.NewEntry(h.logger()), Now: h.clock.Now, HTTPClient: &http.Client{Timeout: 700 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	h.withConnectors(fc)
	srv := httptest.NewServer(h.svc.Handler())
	t.Cleanup(srv.Close)
	return fc, srv
}

// fxLoggers holds one logger per harness: the service and the connectors share it, so that
// their writes to the harness's log buffer are serialised by one mutex.
var fxLoggers sync.Map // *harness → *logrus.Logger

// logger writes to the harness's log buffer (connectors log there too).
func (h *harness) logger() *logrus.Logger {
	l := logrus.New()
	l.SetOutput(h.logs)
	v, loaded := fxLoggers.LoadOrStore(h, l)
	if !loaded {
		h.t.Cleanup(func() { fxLoggers.Delete(h) })
	}
	return v.(*logrus.Logger)
}

// Feishu API 500, a 429 with a long reset, a hung request (client timeout) and a 503 on the
// download are retried by the worker with growing backoff; after retry_max the admin gets a
// Feishu direct message and the chat one error reply — through the real connector.
func TestFaultFeishuAPIErrorsRetryThenAlertAdmin(t *testing.T) {
	h := newHarness(t, func(c *config.Config) {
		c.Workers.RetryMax = 5
		c.Roster.Admins = []config.Admin{{Name: "管理员", IDs: config.IDs{"feishu": "ou_admin"}}}
	})
	api := newFxFeishuAPI(t)
	_, srv := fxFeishuService(t, h, api)
	api.failNext(
		fxFeishuFailure{op: "download", status: 500, code: 500},
		fxFeishuFailure{op: "download", status: 429, code: 99991400, reset: "90"},
		fxFeishuFailure{op: "download", hang: true},
		fxFeishuFailure{op: "download", status: 503, code: 0},
		fxFeishuFailure{op: "download", status: 500, code: 1},
	)
	body, hdr := fxFeishuFile(t, h.clock.Now(), "om_f1", "oc_f", "tk_1", "台账.xlsx")
	if code, b := fxPost(t, srv.Client(), srv.URL+feishu.CallbackPath, body, hdr); code != 200 {
		t.Fatalf("callback: %d %s", code, b)
	}
	for i, want := range []time.Duration{time.Second, 90 * time.Second, 4 * time.Second, 8 * time.Second} {
		h.mustWork()
		if got := h.nextDelay(); got != want {
			t.Fatalf("after attempt %d: next try in %v, want %v\n%s", i+1, got, want, h.logs)
		}
		h.clock.Advance(want)
	}
	h.mustWork()
	h.idle()
	if n := api.count("download"); n != 5 {
		t.Fatalf("downloads: %d", n)
	}
	var alert, reply int
	for _, m := range api.shown() {
		switch {
		case m.ReceiveID == "ou_admin" && strings.Contains(m.Content, "多次重试后仍失败"):
			alert++
		case strings.HasSuffix(m.Path, "/om_f1/reply") && strings.Contains(m.Content, "处理失败"):
			reply++
		default:
			t.Errorf("unexpected message %+v", m)
		}
	}
	if alert != 1 || reply != 1 {
		t.Fatalf("alerts %d replies %d: %+v", alert, reply, api.shown())
	}
}

// fxLockDB holds SQLite's write lock from a second connection (as a backup tool or a second
// process would) until the returned release is called.
func fxLockDB(t *testing.T, path string) (release func()) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.ExecContext(context.Background(), "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	release = func() {
		once.Do(func() {
			_, _ = conn.ExecContext(context.Background(), "ROLLBACK")
			conn.Close()
			db.Close()
		})
	}
	t.Cleanup(release)
	return release
}

// SQLite busy: a Feishu callback is refused with a 5xx well inside Feishu's 3 s deadline (so
// Feishu redelivers), nothing half-stored; the redelivery after the lock is gone is one job.
func TestFaultStoreBusyRefusesFeishuCallbackThenRedeliveryIsOneJob(t *testing.T) {
	h := newHarness(t, nil)
	_, srv := fxFeishuService(t, h, nil)
	release := fxLockDB(t, filepath.Join(h.dir, "zengshou.db"))
	body, hdr := fxFeishuFile(t, h.clock.Now(), "om_busy", "oc_b", "tk", "台账.xlsx")
	start := time.Now()
	code, _ := fxPost(t, srv.Client(), srv.URL+feishu.CallbackPath, body, hdr)
	took := time.Since(start)
	if code < 500 {
		t.Fatalf("callback with the store locked: HTTP %d, want 5xx so Feishu redelivers", code)
	}
	if took > 3*time.Second {
		t.Fatalf("refusal took %v: past Feishu's 3 s deadline", took)
	}
	release()
	if n := h.jobCount(); n != 0 {
		t.Fatalf("jobs after the refused callback: %d", n)
	}
	// Feishu redelivers at 15 s, signed anew.
	h.clock.Advance(15 * time.Second)
	for i := 0; i < 2; i++ {
		body, hdr := fxFeishuFile(t, h.clock.Now(), "om_busy", "oc_b", "tk", "台账.xlsx")
		if code, b := fxPost(t, srv.Client(), srv.URL+feishu.CallbackPath, body, hdr); code != 200 {
			t.Fatalf("redelivery %d: %d %s", i, code, b)
		}
	}
	if n := h.jobCount(); n != 1 {
		t.Fatalf("jobs: %d, want 1", n)
	}
	t.Logf("store busy: refused in %v", took.Round(time.Millisecond))
}

// The local connector keeps the event's sidecar when Intake fails and delivers it again.
func TestFaultStoreBusyLocalInboxKeepsTheEvent(t *testing.T) {
	h := newHarness(t, nil)
	release := fxLockDB(t, filepath.Join(h.dir, "zengshou.db"))
	dir := filepath.Join(h.dir, "inbox", "群")
	os.MkdirAll(dir, 0o755)
	if err := ledger.GenerateFile(filepath.Join(dir, "台账.xlsx"), 10, 3, q4()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	h.conn.ScanOnce(ctx, h.svc.Intake)
	h.conn.ScanOnce(ctx, h.svc.Intake) // taken, handed to Intake, refused
	pend, _ := filepath.Glob(filepath.Join(h.dir, "local", "received", "*.pending.json"))
	if len(pend) != 1 {
		t.Fatalf("sidecars while the store is locked: %v", pend)
	}
	release()
	h.scan()
	if n := h.jobCount(); n != 1 {
		t.Fatalf("jobs: %d", n)
	}
	if pend, _ := filepath.Glob(filepath.Join(h.dir, "local", "received", "*.pending.json")); len(pend) != 0 {
		t.Fatalf("sidecars left: %v", pend)
	}
	h.drain()
	if r := h.messages("reply"); len(r) != 1 {
		t.Fatalf("replies: %+v", h.messages(""))
	}
}

// Disk full while saving the download (ENOSPC from /dev/full) and DATA/jobs unusable: the job
// stays queued with its error and is answered once the disk is back.
func TestFaultDiskFullKeepsTheJobQueued(t *testing.T) {
	h := newHarness(t, nil)
	fc := newFxConn("fake", fxWorkbook(t, 10, 4))
	h.withConnectors(fc)

	// 1. DATA/jobs is not a directory (a full or read-only volume looks the same to MkdirAll).
	jobs := filepath.Join(h.dir, "jobs")
	if err := os.WriteFile(jobs, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := h.svc.Intake(context.Background(), fxFileEvent("fake", "d1", "oc_d")); err != nil {
		t.Fatal(err)
	}
	h.mustWork()
	j, _ := h.st.GetJob(context.Background(), 1)
	if j.State != store.JobQueued || !strings.Contains(j.LastError, "not a directory") {
		t.Fatalf("job after a failed mkdir: %+v", j)
	}
	os.Remove(jobs)

	// 2. ENOSPC while writing: the part file is a link to /dev/full.
	if _, err := os.Stat("/dev/full"); err == nil {
		if err := os.MkdirAll(filepath.Join(jobs, "1"), 0o750); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink("/dev/full", filepath.Join(jobs, "1", "upload.xlsx.part")); err != nil {
			t.Fatal(err)
		}
		h.clock.Advance(time.Hour)
		h.mustWork()
		j, _ = h.st.GetJob(context.Background(), 1)
		if j.State != store.JobQueued || !strings.Contains(j.LastError, "no space left") {
			t.Fatalf("job after ENOSPC: %+v", j)
		}
	}
	h.clock.Advance(time.Hour)
	h.mustWork()
	h.idle()
	msgs := fc.messages()
	if len(msgs) != 1 || msgs[0].Kind != "reply" {
		t.Fatalf("messages: %+v", msgs)
	}
}

// Feishu redelivers an event it thinks was not acknowledged at 15 s, 5 min, 1 h and 6 h
// (PLATFORMS.md §1): every delivery is acknowledged, one job, one reply.
func TestFaultFeishuRedeliveryScheduleGivesOneReply(t *testing.T) {
	h := newHarness(t, nil)
	api := newFxFeishuAPI(t)
	_, srv := fxFeishuService(t, h, api)
	content, _ := json.Marshal(map[string]string{"text": "帮助"})
	start := h.clock.Now()
	for _, at := range []time.Duration{0, 15 * time.Second, 5 * time.Minute, time.Hour, 6 * time.Hour} {
		h.clock.Set(start.Add(at))
		body, hdr := fxFeishuBody(t, h.clock.Now(), "ev_dup", "om_dup", "oc_p2p", "p2p", "tk", "text", string(content))
		if code, b := fxPost(t, srv.Client(), srv.URL+feishu.CallbackPath, body, hdr); code != 200 {
			t.Fatalf("delivery at +%v: %d %s", at, code, b)
		}
		h.drain()
	}
	if n := h.jobCount(); n != 1 {
		t.Fatalf("jobs: %d", n)
	}
	shown := api.shown()
	if len(shown) != 1 || !strings.HasSuffix(shown[0].Path, "/om_dup/reply") {
		t.Fatalf("messages shown: %+v", shown)
	}
}

// The clock jumps a week (a suspended VM, an NTP step): Tick sends each cadre one digest and
// each leader one summary, not one per missed day.
func TestFaultClockJumpFiresOneDigestNotSeven(t *testing.T) {
	h := newHarness(t, nil)
	h.upload("红旗村群", "台账.xlsx", 40, 7, q4())
	h.drain()
	ctx := context.Background()
	open, err := h.st.OpenTasks(ctx)
	if err != nil {
		t.Fatal(err)
	}
	cadres := map[string]bool{}
	for _, task := range open {
		cadres[task.Cadre] = true
	}
	if err := h.svc.Tick(ctx); err != nil { // first run: marks only
		t.Fatal(err)
	}
	before := len(h.messages(""))
	h.clock.Advance(7 * 24 * time.Hour)
	for i := 0; i < 10; i++ { // the scheduler keeps ticking through the day
		if err := h.svc.Tick(ctx); err != nil {
			t.Fatal(err)
		}
		h.clock.Advance(30 * time.Second)
	}
	sent := h.messages("")[before:]
	per := map[string]int{}
	reminders := 0
	for _, m := range sent {
		if m.Kind == "reminder" {
			reminders++ // one digest per cadre: several cadres outside the roster share the group chat
			continue
		}
		per[m.Kind+" → "+m.Chat+"|"+strings.Join(m.To, ",")]++
	}
	if reminders == 0 || reminders > len(cadres) {
		t.Errorf("digests after a 7-day jump: %d for %d cadres with open tasks, want 1..%d", reminders, len(cadres), len(cadres))
	}
	for k, n := range per {
		if n > 1 {
			t.Errorf("%s: %d messages after a 7-day jump, want at most 1", k, n)
		}
	}
	t.Logf("after a 7-day jump: %d digests for %d cadres; %v", reminders, len(cadres), per)
}
