package bot_test

// Loopback fakes of the three platforms' open APIs, and the callback crypto each platform uses,
// written from PLATFORMS.md §1–§3 independently of the connectors' own code. They are shared by
// platforms_e2e_test.go (in-process service) and platforms_serve_test.go (the real binary).

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// ---------------------------------------------------------------------------------------------
// Crypto as the platforms do it.

func pfPad(b []byte, block int) []byte {
	n := block - len(b)%block
	return append(append([]byte{}, b...), bytes.Repeat([]byte{byte(n)}, n)...)
}

func pfCBC(key, iv, plain []byte) []byte {
	blk, err := aes.NewCipher(key)
	if err != nil {
		panic(err)
	}
	out := make([]byte, len(plain))
	cipher.NewCBCEncrypter(blk, iv).CryptBlocks(out, plain)
	return out
}

func pfRand(n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return b
}

// pfFeishuSeal encrypts a callback event the way Feishu does (§1.2: key = SHA256(encrypt_key),
// AES-256-CBC, random IV prepended, PKCS#7 on 16 bytes) and signs the raw outer body:
// X-Lark-Signature = hex(SHA256(timestamp + nonce + encrypt_key + body)).
func pfFeishuSeal(encryptKey string, plain []byte, now time.Time) ([]byte, http.Header) {
	key := sha256.Sum256([]byte(encryptKey))
	iv := pfRand(16)
	ct := pfCBC(key[:], iv, pfPad(plain, 16))
	body, _ := json.Marshal(map[string]string{"encrypt": base64.StdEncoding.EncodeToString(append(iv, ct...))})
	ts := strconv.FormatInt(now.Unix(), 10)
	nonce := hex.EncodeToString(pfRand(8))
	sum := sha256.Sum256([]byte(ts + nonce + encryptKey + string(body)))
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	h.Set("X-Lark-Request-Timestamp", ts)
	h.Set("X-Lark-Request-Nonce", nonce)
	h.Set("X-Lark-Signature", hex.EncodeToString(sum[:]))
	return body, h
}

// pfWeComKey decodes a 43-character EncodingAESKey (§2.2).
func pfWeComKey(t testing.TB, encodingAESKey string) []byte {
	k, err := base64.StdEncoding.DecodeString(encodingAESKey + "=")
	if err != nil || len(k) != 32 {
		t.Fatalf("EncodingAESKey: %v (%d bytes)", err, len(k))
	}
	return k
}

// pfWeComSig is msg_signature = hex(SHA1(sorted(token, timestamp, nonce, encrypt))).
func pfWeComSig(token, ts, nonce, encrypt string) string {
	parts := []string{token, ts, nonce, encrypt}
	sort.Strings(parts)
	sum := sha1.Sum([]byte(strings.Join(parts, "")))
	return hex.EncodeToString(sum[:])
}

// pfWeComEncrypt is WXBizMsgCrypt: random(16) ‖ uint32be(len) ‖ msg ‖ receiveid, PKCS#7 to 32,
// AES-256-CBC with IV = key[:16].
func pfWeComEncrypt(key, msg []byte, receiveID string) string {
	var b bytes.Buffer
	b.Write(pfRand(16))
	_ = binary.Write(&b, binary.BigEndian, uint32(len(msg)))
	b.Write(msg)
	b.WriteString(receiveID)
	return base64.StdEncoding.EncodeToString(pfCBC(key, key[:16], pfPad(b.Bytes(), 32)))
}

// pfWeComEncryptFile encrypts a smart-robot file body: AES-256-CBC, IV = key[:16], PKCS#7 to 32,
// no prefix (§2.1).
func pfWeComEncryptFile(key, data []byte) []byte {
	return pfCBC(key, key[:16], pfPad(data, 32))
}

// pfDingTalkSign is the HTTP robot header sign: base64(HMAC-SHA256(appSecret, timestamp+"\n"+appSecret)).
func pfDingTalkSign(ts, secret string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(ts + "\n" + secret))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// ---------------------------------------------------------------------------------------------
// Common recording.

// pfCall is one request a fake platform answered.
type pfCall struct {
	Method, Path string
	Query        map[string]string
	Body         map[string]any // JSON bodies
	Form         map[string]string
	File         []byte // multipart file field
	FileName     string
}

func pfJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func pfQuery(r *http.Request) map[string]string {
	q := map[string]string{}
	for k, v := range r.URL.Query() {
		q[k] = v[0]
	}
	return q
}

// pfMultipart fills c from a multipart request with the file in field.
func pfMultipart(r *http.Request, field string, c *pfCall) error {
	if err := r.ParseMultipartForm(64 << 20); err != nil {
		return err
	}
	c.Form = map[string]string{}
	for k, v := range r.MultipartForm.Value {
		c.Form[k] = v[0]
	}
	f, hdr, err := r.FormFile(field)
	if err != nil {
		return err
	}
	defer f.Close()
	c.File, err = io.ReadAll(f)
	c.FileName = hdr.Filename
	return err
}

// ---------------------------------------------------------------------------------------------
// Feishu (§1.3–§1.5).

type pfFeishu struct {
	t      *testing.T
	srv    *httptest.Server
	appID  string
	secret string

	mu       sync.Mutex
	tokenN   int
	token    string
	files    map[string][]byte // message_id/file_key → bytes
	uploads  []pfCall
	attempts []pfCall // every message create/reply that passed auth
	shown    []pfCall // messages shown (uuid dedupe applied)
	bad      []string
}

func newPFFeishu(t *testing.T, appID, secret string) *pfFeishu {
	f := &pfFeishu{t: t, appID: appID, secret: secret, files: map[string][]byte{}}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *pfFeishu) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	p := r.URL.Path
	if p == "/open-apis/auth/v3/tenant_access_token/internal" && r.Method == http.MethodPost {
		var in struct {
			AppID     string `json:"app_id"`
			AppSecret string `json:"app_secret"`
		}
		_ = json.NewDecoder(r.Body).Decode(&in)
		if in.AppID != f.appID || in.AppSecret != f.secret {
			pfJSON(w, 400, map[string]any{"code": 10014, "msg": "app secret invalid"})
			return
		}
		f.tokenN++
		f.token = fmt.Sprintf("t-feishu-fake-token-%d", f.tokenN)
		pfJSON(w, 200, map[string]any{"code": 0, "msg": "ok", "tenant_access_token": f.token, "expire": 7200})
		return
	}
	if auth := r.Header.Get("Authorization"); f.token == "" || auth != "Bearer "+f.token {
		f.bad = append(f.bad, r.Method+" "+p+": bad bearer token")
		pfJSON(w, 400, map[string]any{"code": 99991663, "msg": "Invalid access token for authorization."})
		return
	}
	c := pfCall{Method: r.Method, Path: p, Query: pfQuery(r)}
	switch {
	case p == "/open-apis/bot/v3/info" && r.Method == http.MethodGet:
		pfJSON(w, 200, map[string]any{"code": 0, "msg": "ok", "bot": map[string]any{"open_id": "ou_bot"}})
	case strings.HasPrefix(p, "/open-apis/im/v1/messages/") && strings.Contains(p, "/resources/") && r.Method == http.MethodGet:
		msgID, key, _ := strings.Cut(strings.TrimPrefix(p, "/open-apis/im/v1/messages/"), "/resources/")
		data, ok := f.files[msgID+"/"+key]
		if !ok || r.URL.Query().Get("type") != "file" {
			pfJSON(w, 400, map[string]any{"code": 234003, "msg": "file not found"})
			return
		}
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Header().Set("Content-Length", strconv.Itoa(len(data)))
		_, _ = w.Write(data)
	case p == "/open-apis/im/v1/files" && r.Method == http.MethodPost:
		if err := pfMultipart(r, "file", &c); err != nil {
			pfJSON(w, 400, map[string]any{"code": 234001, "msg": "bad multipart"})
			return
		}
		switch c.Form["file_type"] { // §1.3: an enum, never a MIME type
		case "opus", "mp4", "pdf", "doc", "xls", "ppt", "stream":
		default:
			pfJSON(w, 400, map[string]any{"code": 234001, "msg": "Invalid request param."})
			return
		}
		if len(c.File) == 0 || c.Form["file_name"] == "" {
			pfJSON(w, 400, map[string]any{"code": 234001, "msg": "empty file"})
			return
		}
		f.uploads = append(f.uploads, c)
		pfJSON(w, 200, map[string]any{"code": 0, "msg": "success", "data": map[string]string{"file_key": fmt.Sprintf("file_v2_result_%d", len(f.uploads))}})
	case (p == "/open-apis/im/v1/messages" || strings.HasSuffix(p, "/reply")) && r.Method == http.MethodPost:
		if err := json.NewDecoder(r.Body).Decode(&c.Body); err != nil {
			pfJSON(w, 400, map[string]any{"code": 230001, "msg": "bad body"})
			return
		}
		content, _ := c.Body["content"].(string)
		var m map[string]any
		if json.Unmarshal([]byte(content), &m) != nil {
			pfJSON(w, 400, map[string]any{"code": 230001, "msg": "content is not a JSON string"})
			return
		}
		f.attempts = append(f.attempts, c)
		if u, _ := c.Body["uuid"].(string); u != "" {
			for i, old := range f.shown { // §1.3: same uuid → at most one message within 1 h
				if old.Body["uuid"] == u {
					pfJSON(w, 200, map[string]any{"code": 0, "msg": "success", "data": map[string]string{"message_id": fmt.Sprintf("om_sent_%d", i+1)}})
					return
				}
			}
		}
		f.shown = append(f.shown, c)
		pfJSON(w, 200, map[string]any{"code": 0, "msg": "success", "data": map[string]string{"message_id": fmt.Sprintf("om_sent_%d", len(f.shown))}})
	default:
		f.bad = append(f.bad, r.Method+" "+p+": unknown API")
		pfJSON(w, 404, map[string]any{"code": 404, "msg": "not found"})
	}
}

func (f *pfFeishu) state() (uploads, attempts, shown []pfCall, bad []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]pfCall(nil), f.uploads...), append([]pfCall(nil), f.attempts...), append([]pfCall(nil), f.shown...), append([]string(nil), f.bad...)
}

// ---------------------------------------------------------------------------------------------
// WeCom (§2.1–§2.5).

type pfWeCom struct {
	t       *testing.T
	srv     *httptest.Server
	corpID  string
	secret  string
	fileKey []byte // the smart robot's AES key for encrypted file URLs (HTTP mode)

	mu        sync.Mutex
	tokenN    int
	token     string
	robot     map[string][]byte // /robotfile/… → plaintext, served encrypted
	media     map[string][]byte // media id → bytes for /cgi-bin/media/get
	names     map[string]string // /robotfile/… or media id → Content-Disposition of the download
	uploads   []pfCall
	attempts  []pfCall // every message/send, appchat/send, webhook/send that passed auth
	shown     []pfCall // messages shown (enable_duplicate_check applied)
	responses []pfCall // response_url calls
	used      map[string]bool
	bad       []string
}

func newPFWeCom(t *testing.T, corpID, secret string, fileKey []byte) *pfWeCom {
	f := &pfWeCom{t: t, corpID: corpID, secret: secret, fileKey: fileKey, robot: map[string][]byte{}, used: map[string]bool{},
		media: map[string][]byte{}, names: map[string]string{}}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func pfWeComErr(w http.ResponseWriter, code int, msg string) {
	pfJSON(w, 200, map[string]any{"errcode": code, "errmsg": msg})
}

func (f *pfWeCom) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	p, q := r.URL.Path, r.URL.Query()
	c := pfCall{Method: r.Method, Path: p, Query: pfQuery(r)}
	switch {
	case p == "/cgi-bin/gettoken" && r.Method == http.MethodGet:
		if q.Get("corpid") != f.corpID || q.Get("corpsecret") != f.secret {
			pfWeComErr(w, 40001, "invalid credential")
			return
		}
		f.tokenN++
		f.token = fmt.Sprintf("wecom-fake-access-token-%d", f.tokenN)
		pfJSON(w, 200, map[string]any{"errcode": 0, "errmsg": "ok", "access_token": f.token, "expires_in": 7200})
		return
	case strings.HasPrefix(p, "/robotfile/") && r.Method == http.MethodGet:
		data, ok := f.robot[p]
		if !ok {
			http.Error(w, "expired", http.StatusNotFound)
			return
		}
		w.Header().Set("Content-Type", "application/octet-stream")
		if cd := f.names[p]; cd != "" {
			w.Header().Set("Content-Disposition", cd)
		}
		_, _ = w.Write(pfWeComEncryptFile(f.fileKey, data))
		return
	case p == "/cgi-bin/aibot/response" && r.Method == http.MethodPost:
		_ = json.NewDecoder(r.Body).Decode(&c.Body)
		f.responses = append(f.responses, c)
		code := q.Get("response_code")
		if code == "" || f.used[code] { // §2.4: one pfCall per response_url
			pfWeComErr(w, 40058, "response_code already used (fake)")
			return
		}
		f.used[code] = true
		if c.Body["msgtype"] != "markdown" {
			pfWeComErr(w, 40008, "invalid message type")
			return
		}
		pfWeComErr(w, 0, "ok")
		return
	}
	if f.token == "" || q.Get("access_token") != f.token {
		f.bad = append(f.bad, r.Method+" "+p+": bad access_token")
		pfWeComErr(w, 40014, "invalid access_token")
		return
	}
	switch {
	case p == "/cgi-bin/media/get" && r.Method == http.MethodGet: // §2.3, doc 96486
		data, ok := f.media[q.Get("media_id")]
		if !ok {
			pfWeComErr(w, 40007, "invalid media_id")
			return
		}
		w.Header().Set("Content-Type", "application/octet-stream")
		if cd := f.names[q.Get("media_id")]; cd != "" {
			w.Header().Set("Content-Disposition", cd)
		}
		_, _ = w.Write(data)
	case p == "/cgi-bin/media/upload" && r.Method == http.MethodPost:
		if err := pfMultipart(r, "media", &c); err != nil || q.Get("type") != "file" || len(c.File) < 5 {
			pfWeComErr(w, 40006, "invalid file size")
			return
		}
		f.uploads = append(f.uploads, c)
		pfJSON(w, 200, map[string]any{"errcode": 0, "errmsg": "ok", "type": "file", "media_id": fmt.Sprintf("MEDIA-RESULT-%d", len(f.uploads)), "created_at": "1380000000"})
	case p == "/cgi-bin/message/send" && r.Method == http.MethodPost:
		if err := json.NewDecoder(r.Body).Decode(&c.Body); err != nil {
			pfWeComErr(w, 47001, "data format error")
			return
		}
		f.attempts = append(f.attempts, c)
		if c.Body["enable_duplicate_check"] == float64(1) {
			for _, old := range f.shown { // identical message to the same receivers within the interval
				if pfSameWeCom(old.Body, c.Body) {
					pfJSON(w, 200, map[string]any{"errcode": 0, "errmsg": "ok", "msgid": "DUPLICATE"})
					return
				}
			}
		}
		f.shown = append(f.shown, c)
		pfJSON(w, 200, map[string]any{"errcode": 0, "errmsg": "ok", "msgid": fmt.Sprintf("MSG-%d", len(f.shown))})
	default:
		f.bad = append(f.bad, r.Method+" "+p+": unknown API")
		http.NotFound(w, r)
	}
}

func pfSameWeCom(a, b map[string]any) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return bytes.Equal(ja, jb)
}

func (f *pfWeCom) state() (uploads, attempts, shown, responses []pfCall, bad []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]pfCall(nil), f.uploads...), append([]pfCall(nil), f.attempts...), append([]pfCall(nil), f.shown...),
		append([]pfCall(nil), f.responses...), append([]string(nil), f.bad...)
}

// ---------------------------------------------------------------------------------------------
// DingTalk (§3.3–§3.5).

type pfDingTalk struct {
	t      *testing.T
	srv    *httptest.Server
	appKey string
	secret string

	mu      sync.Mutex
	tokenN  int
	token   string
	files   map[string][]byte // downloadCode → bytes
	uploads []pfCall
	robot   []pfCall // groupMessages/send and oToMessages/batchSend
	session []pfCall // sessionWebhook posts
	bad     []string
	// limitUploads is how many media/upload calls answer errcode 90018 (the organisation's
	// call limit, PLATFORMS.md §3.6) before they succeed again.
	limitUploads int
}

func newPFDingTalk(t *testing.T, appKey, secret string) *pfDingTalk {
	f := &pfDingTalk{t: t, appKey: appKey, secret: secret, files: map[string][]byte{}}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

var pfFileCodeRE = regexp.MustCompile(`^/files/([A-Za-z0-9_-]+)$`)

func (f *pfDingTalk) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	p, q := r.URL.Path, r.URL.Query()
	c := pfCall{Method: r.Method, Path: p, Query: pfQuery(r)}
	newAPI := strings.HasPrefix(p, "/v1.0/robot/")
	if newAPI && (f.token == "" || r.Header.Get("x-acs-dingtalk-access-token") != f.token) {
		f.bad = append(f.bad, r.Method+" "+p+": bad access token")
		pfJSON(w, 401, map[string]string{"code": "InvalidAuthentication", "message": "不合法的access_token"})
		return
	}
	if newAPI {
		if err := json.NewDecoder(r.Body).Decode(&c.Body); err != nil {
			pfJSON(w, 400, map[string]string{"code": "InvalidParameter", "message": "body"})
			return
		}
		if c.Body["robotCode"] != f.appKey {
			pfJSON(w, 400, map[string]string{"code": "resource.not.found", "message": "robot 不存在"})
			return
		}
	}
	switch {
	case p == "/v1.0/oauth2/accessToken" && r.Method == http.MethodPost:
		var in struct{ AppKey, AppSecret string }
		if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") || json.NewDecoder(r.Body).Decode(&in) != nil {
			pfJSON(w, 400, map[string]string{"code": "MissingParameter", "message": "JSON body required"})
			return
		}
		if in.AppKey != f.appKey || in.AppSecret != f.secret {
			pfJSON(w, 400, map[string]string{"code": "invalidClientIdOrSecret", "message": "无效的clientId或者clientSecret"})
			return
		}
		f.tokenN++
		f.token = fmt.Sprintf("dingtalk-fake-access-token-%d", f.tokenN)
		pfJSON(w, 200, map[string]any{"accessToken": f.token, "expireIn": 7200})
	case p == "/v1.0/robot/messageFiles/download":
		code, _ := c.Body["downloadCode"].(string)
		if _, ok := f.files[code]; !ok {
			pfJSON(w, 400, map[string]string{"code": "InvalidDownloadCode", "message": "downloadCode 已过期"})
			return
		}
		pfJSON(w, 200, map[string]string{"downloadUrl": f.srv.URL + "/files/" + base64.RawURLEncoding.EncodeToString([]byte(code)) + "?Signature=fake-oss-sig"})
	case pfFileCodeRE.MatchString(p) && r.Method == http.MethodGet:
		code, _ := base64.RawURLEncoding.DecodeString(pfFileCodeRE.FindStringSubmatch(p)[1])
		data, ok := f.files[string(code)]
		if !ok || q.Get("Signature") != "fake-oss-sig" {
			http.Error(w, "AccessDenied", http.StatusForbidden)
			return
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(data)))
		_, _ = w.Write(data)
	case p == "/media/upload" && r.Method == http.MethodPost:
		if f.token == "" || q.Get("access_token") != f.token {
			f.bad = append(f.bad, "media/upload: bad access token")
			pfJSON(w, 200, map[string]any{"errcode": 40014, "errmsg": "不合法的access_token"})
			return
		}
		if f.limitUploads > 0 {
			f.limitUploads--
			pfJSON(w, 200, map[string]any{"errcode": 90018, "errmsg": "当前企业调用该接口次数超过上限"})
			return
		}
		if err := pfMultipart(r, "media", &c); err != nil {
			pfJSON(w, 200, map[string]any{"errcode": 40004, "errmsg": "bad multipart"})
			return
		}
		f.uploads = append(f.uploads, c)
		pfJSON(w, 200, map[string]any{"errcode": 0, "errmsg": "ok", "type": c.Form["type"], "media_id": fmt.Sprintf("@lAresult%d", len(f.uploads))})
	case p == "/v1.0/robot/groupMessages/send" || p == "/v1.0/robot/oToMessages/batchSend":
		var param map[string]any
		if s, _ := c.Body["msgParam"].(string); json.Unmarshal([]byte(s), &param) != nil {
			pfJSON(w, 400, map[string]string{"code": "InvalidParameter", "message": "msgParam must be a JSON string"})
			return
		}
		f.robot = append(f.robot, c)
		pfJSON(w, 200, map[string]any{"processQueryKey": fmt.Sprintf("pqk-%d", len(f.robot))})
	case p == "/robot/sendBySession" && r.Method == http.MethodPost:
		if err := json.NewDecoder(r.Body).Decode(&c.Body); err != nil {
			pfJSON(w, 200, map[string]any{"errcode": 300001, "errmsg": "bad body"})
			return
		}
		f.session = append(f.session, c)
		pfJSON(w, 200, map[string]any{"errcode": 0, "errmsg": "ok"})
	default:
		f.bad = append(f.bad, r.Method+" "+p+": unknown API")
		http.NotFound(w, r)
	}
}

func (f *pfDingTalk) state() (uploads, robot, session []pfCall, bad []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]pfCall(nil), f.uploads...), append([]pfCall(nil), f.robot...), append([]pfCall(nil), f.session...), append([]string(nil), f.bad...)
}

// ---------------------------------------------------------------------------------------------
// Log checks.

// pfLog collects log output written from several goroutines.
type pfLog struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *pfLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *pfLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

var (
	// An 18-character resident ID number, or a mainland mobile number, standing alone.
	pfIDRE    = regexp.MustCompile(`(?:^|[^0-9])[1-9][0-9]{16}[0-9Xx](?:[^0-9]|$)`)
	pfPhoneRE = regexp.MustCompile(`(?:^|[^0-9])1[3-9][0-9]{9}(?:[^0-9]|$)`)
)

// pfAssertCleanLog fails when a secret, an ID number or a phone number reached the log.
func pfAssertCleanLog(t *testing.T, log string, secrets ...string) {
	t.Helper()
	if strings.TrimSpace(log) == "" {
		t.Fatal("no log output captured")
	}
	for _, s := range secrets {
		if s != "" && strings.Contains(log, s) {
			t.Errorf("log contains the secret %q", s)
		}
	}
	if m := pfIDRE.FindString(log); m != "" {
		t.Errorf("log contains an ID number in clear: %q", m)
	}
	if m := pfPhoneRE.FindString(log); m != "" {
		t.Errorf("log contains a phone number in clear: %q", m)
	}
	if t.Failed() {
		t.Logf("log:\n%s", log)
	}
}
