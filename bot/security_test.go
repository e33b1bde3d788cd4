package bot_test

// Issue 8, part 4: nobody let in. Signatures and decryption are checked before any parsing;
// stale timestamps are refused where the platform has a window; chats and tenants off the
// allow-list are dropped without a job; plugin API tokens are checked; requests and callbacks
// have size caps; no uploaded file name reaches the filesystem; logs and group replies of an
// end-to-end run carry no ID number, mobile number or secret.

import (
	"bytes"
	"context"
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
	"io/fs"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"zengshou/bot"
	"zengshou/calc/ledger"
	"zengshou/config"
	"zengshou/config/redact"
	"zengshou/connectors"
	"zengshou/connectors/dingtalk"
	"zengshou/connectors/feishu"
	"zengshou/connectors/local"
	"zengshou/connectors/wecom"
)

// --- DingTalk robot HTTP callback (PLATFORMS.md §3.2): headers timestamp (ms) and sign =
// base64(HMAC-SHA256(app_secret, timestamp+"\n"+app_secret)).

const fxDingTalkSecret = "fx-dingtalk-app-secret-Wm2"

func fxDingTalkSign(ts string) string {
	m := hmac.New(sha256.New, []byte(fxDingTalkSecret))
	m.Write([]byte(ts + "\n" + fxDingTalkSecret))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

func fxDingTalkBody(now time.Time, msgID, conv, corp, text string) ([]byte, http.Header) {
	body, _ := json.Marshal(map[string]any{"conversationId": conv, "conversationType": "2", "msgId": msgID, "msgtype": "text",
		"text": map[string]any{"content": text}, "senderStaffId": "staff1", "senderId": "$:LWCP_v1:$x", "senderNick": "王",
		"senderCorpId": corp, "chatbotCorpId": corp, "robotCode": "ding_robot", "createAt": now.UnixMilli()})
	ts := strconv.FormatInt(now.UnixMilli(), 10)
	hdr := http.Header{}
	hdr.Set("Content-Type", "application/json")
	hdr.Set("timestamp", ts)
	hdr.Set("sign", fxDingTalkSign(ts))
	return body, hdr
}

func fxDingTalkConnector(t *testing.T, h *harness) *dingtalk.Connector {
	t.Helper()
	c, err := dingtalk.New(dingtalk.Config{Enabled: true, AppKey: "ding_app", AppSecret: fxDingTalkSecret, RobotCode: "ding_robot",
		Mode: dingtalk.ModeHTTP, BaseURL: "http://127.0.0.1:1", OapiURL: "http://127.0.0.1:1"},
		dingtalk.Options{Log: h.logger().WithField("connector", "dingtalk"), Now: h.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// --- WeCom self-built app callback (WXBizMsgCrypt): AES-256-CBC, IV = key[:16], plaintext =
// 16 random bytes | 4-byte length | message | corp id, PKCS#7 to 32; msg_signature = SHA1 of
// the sorted token, timestamp, nonce and Encrypt.

const (
	fxWeComCorp  = "ww_fx_corp"
	fxWeComToken = "fx-wecom-token-Hb5"
)

var fxWeComAESKey = strings.TrimRight(base64.StdEncoding.EncodeToString([]byte("fx-wecom-aes-key-32-bytes-long!!")), "=")

func fxWeComEncrypt(msg []byte, receiveID string) string {
	key, _ := base64.StdEncoding.DecodeString(fxWeComAESKey + "=")
	buf := make([]byte, 20, 20+len(msg)+len(receiveID)+32)
	_, _ = rand.Read(buf[:16])
	binary.BigEndian.PutUint32(buf[16:20], uint32(len(msg)))
	buf = append(append(buf, msg...), receiveID...)
	n := 32 - len(buf)%32
	buf = append(buf, bytes.Repeat([]byte{byte(n)}, n)...)
	block, _ := aes.NewCipher(key)
	out := make([]byte, len(buf))
	cipher.NewCBCEncrypter(block, key[:16]).CryptBlocks(out, buf)
	return base64.StdEncoding.EncodeToString(out)
}

func fxWeComSign(ts, nonce, encrypt string) string {
	parts := []string{fxWeComToken, ts, nonce, encrypt}
	sort.Strings(parts)
	sum := sha1.Sum([]byte(strings.Join(parts, "")))
	return hex.EncodeToString(sum[:])
}

// fxWeComRequest returns the query string and XML body of an app text message callback.
func fxWeComRequest(now time.Time, msgID, from, corp, text string) (string, []byte) {
	plain := fmt.Sprintf("<xml><ToUserName><![CDATA[%s]]></ToUserName><FromUserName><![CDATA[%s]]></FromUserName><CreateTime>%d</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[%s]]></Content><MsgId>%s</MsgId><AgentID>1000002</AgentID></xml>",
		corp, from, now.Unix(), text, msgID)
	enc := fxWeComEncrypt([]byte(plain), corp)
	ts, nonce := strconv.FormatInt(now.Unix(), 10), "nonce"+msgID
	q := url.Values{"msg_signature": {fxWeComSign(ts, nonce, enc)}, "timestamp": {ts}, "nonce": {nonce}}
	body := fmt.Sprintf("<xml><ToUserName><![CDATA[%s]]></ToUserName><Encrypt><![CDATA[%s]]></Encrypt><AgentID><![CDATA[1000002]]></AgentID></xml>", corp, enc)
	return q.Encode(), []byte(body)
}

func fxWeComConnector(t *testing.T, h *harness) *wecom.Connector {
	t.Helper()
	c, err := wecom.New(wecom.Config{Enabled: true, CorpID: fxWeComCorp, AgentID: 1000002, Secret: "fx-wecom-secret-Tt1", Token: fxWeComToken,
		EncodingAESKey: fxWeComAESKey, BaseURL: "http://127.0.0.1:1", BotWSURL: "ws://127.0.0.1:1"},
		wecom.Options{Log: h.logger().WithField("connector", "wecom"), Now: h.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// fxAllPlatforms serves the service with Feishu, WeCom and DingTalk callbacks on loopback.
func fxAllPlatforms(t *testing.T, h *harness) *httptest.Server {
	t.Helper()
	fs, err := feishu.New(feishu.Config{Enabled: true, AppID: "cli_fx", AppSecret: fxFeishuAppSecret, VerificationToken: fxFeishuToken,
		EncryptKey: fxFeishuEncryptKey, Mode: "webhook", BaseURL: "http://127.0.0.1:1"},
		feishu.Options{Log: h.logger().WithField("connector", "feishu"), Now: h.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	h.withConnectors(fs, fxWeComConnector(t, h), fxDingTalkConnector(t, h))
	srv := httptest.NewServer(h.svc.Handler())
	t.Cleanup(srv.Close)
	return srv
}

// fxDelivery is one signed callback of one platform.
type fxDelivery struct {
	name string
	url  string
	body []byte
	hdr  http.Header
}

func fxDeliveries(t testing.TB, srv *httptest.Server, now time.Time, n int) []fxDelivery {
	id := strconv.Itoa(n)
	fb, fh := fxFeishuBody(t, now, "ev_"+id, "om_"+id, "oc_"+id, "p2p", "tk_fx", "text", `{"text":"帮助"}`)
	db, dh := fxDingTalkBody(now, "msg_"+id, "cid_"+id, "ding_corp", "帮助")
	q, wb := fxWeComRequest(now, "9000"+id, "user_"+id, fxWeComCorp, "帮助")
	return []fxDelivery{
		{"feishu", srv.URL + feishu.CallbackPath, fb, fh},
		{"dingtalk", srv.URL + "/callback/dingtalk", db, dh},
		{"wecom", srv.URL + wecom.AppCallbackPath + "?" + q, wb, http.Header{"Content-Type": {"text/xml"}}},
	}
}

// Every connector's callback answers a non-2xx when Intake cannot store the event (so the
// platform redelivers), in time for its deadline, and the redelivery is one job. DingTalk's robot
// callback is not redelivered (PLATFORMS.md §3.6): its event is spooled and answered 200 instead,
// and a redelivery, should one come, is still the same one job.
func TestFaultStoreBusyEveryCallbackRefusesThenAccepts(t *testing.T) {
	h := newHarness(t, nil)
	srv := fxAllPlatforms(t, h)
	release := fxLockDB(t, filepath.Join(h.dir, "zengshou.db"))
	var wg sync.WaitGroup
	for _, d := range fxDeliveries(t, srv, h.clock.Now(), 1) {
		wg.Add(1)
		go func() { // at once: each waits out the intake timeout
			defer wg.Done()
			start := time.Now()
			code, body := fxPost(t, srv.Client(), d.url, d.body, d.hdr)
			took := time.Since(start)
			if d.name == "dingtalk" {
				if code != 200 || took > 3*time.Second {
					t.Errorf("dingtalk with the store locked: HTTP %d %q after %v; want 200 (spooled) within 3 s", code, body, took)
				}
				return
			}
			if code/100 == 2 || took > 3*time.Second {
				t.Errorf("%s with the store locked: HTTP %d %q after %v; want 5xx within 3 s", d.name, code, body, took)
			}
		}()
	}
	wg.Wait()
	release()
	h.clock.Advance(15 * time.Second)
	for _, d := range fxDeliveries(t, srv, h.clock.Now(), 1) {
		if code, body := fxPost(t, srv.Client(), d.url, d.body, d.hdr); code != 200 {
			t.Errorf("%s redelivery: %d %s", d.name, code, body)
		}
	}
	if n := h.jobCount(); n != 3 {
		t.Fatalf("jobs: %d, want 3 (one per platform)", n)
	}
}

// A bad signature is refused before the body is parsed: a body that is not even JSON/XML (or
// one a parser would choke on) gets 401/403, not 400, and no job.
func TestSecuritySignatureCheckedBeforeParsing(t *testing.T) {
	h := newHarness(t, nil)
	srv := fxAllPlatforms(t, h)
	now := h.clock.Now()
	junk := bytes.Repeat([]byte("{\"a\":[[[[[[[[<<!DOCTYPE x [<!ENTITY"), 1000)

	// Feishu: valid timestamp, signature over another body.
	good, hdr := fxFeishuFile(t, now, "om_sig", "oc_sig", "tk", "台账.xlsx")
	_ = good
	if code, _ := fxPost(t, srv.Client(), srv.URL+feishu.CallbackPath, junk, hdr); code != http.StatusUnauthorized {
		t.Errorf("feishu junk body with a wrong signature: %d, want 401", code)
	}
	// DingTalk: the sign is checked from headers before the body is read at all.
	_, dh := fxDingTalkBody(now, "msg_sig", "cid_sig", "corp", "帮助")
	dh.Set("sign", fxDingTalkSign("1"))
	if code, _ := fxPost(t, srv.Client(), srv.URL+"/callback/dingtalk", junk, dh); code != http.StatusUnauthorized {
		t.Errorf("dingtalk junk body with a wrong sign: %d, want 401", code)
	}
	dh.Del("sign")
	if code, _ := fxPost(t, srv.Client(), srv.URL+"/callback/dingtalk", junk, dh); code != http.StatusUnauthorized {
		t.Errorf("dingtalk without a sign: %d, want 401", code)
	}
	// WeCom: the envelope names the ciphertext; the signature over it is checked before
	// decryption, and the decrypted XML is never parsed.
	q, body := fxWeComRequest(now, "77", "u", fxWeComCorp, "帮助")
	vals, _ := url.ParseQuery(q)
	vals.Set("msg_signature", strings.Repeat("0", 40))
	if code, _ := fxPost(t, srv.Client(), srv.URL+wecom.AppCallbackPath+"?"+vals.Encode(), body, nil); code != http.StatusForbidden {
		t.Errorf("wecom with a wrong signature: %d, want 403", code)
	}
	// A ciphertext not made with our key but signed over (a leaked token without the AES key):
	// it decrypts to garbage and is refused, never parsed into an event.
	forged := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{0x41}, 64))
	ts, nonce := strconv.FormatInt(now.Unix(), 10), "n"
	fv := url.Values{"msg_signature": {fxWeComSign(ts, nonce, forged)}, "timestamp": {ts}, "nonce": {nonce}}
	fbody := []byte("<xml><Encrypt><![CDATA[" + forged + "]]></Encrypt></xml>")
	if code, _ := fxPost(t, srv.Client(), srv.URL+wecom.AppCallbackPath+"?"+fv.Encode(), fbody, nil); code/100 == 2 {
		t.Errorf("wecom forged ciphertext: %d, want a refusal", code)
	}
	if n := h.jobCount(); n != 0 {
		t.Fatalf("jobs after forged callbacks: %d", n)
	}
}

// Replay windows: Feishu ±5 min on X-Lark-Request-Timestamp; DingTalk ±1 h on the robot
// timestamp. A correctly signed but stale (or future) callback is refused.
func TestSecurityReplayWindows(t *testing.T) {
	h := newHarness(t, nil)
	srv := fxAllPlatforms(t, h)
	now := h.clock.Now()
	for _, skew := range []time.Duration{-6 * time.Minute, 6 * time.Minute} {
		body, hdr := fxFeishuFile(t, now.Add(skew), "om_old", "oc_r", "tk", "台账.xlsx")
		if code, _ := fxPost(t, srv.Client(), srv.URL+feishu.CallbackPath, body, hdr); code != http.StatusUnauthorized {
			t.Errorf("feishu signed %v from now: %d, want 401", skew, code)
		}
	}
	for _, skew := range []time.Duration{-61 * time.Minute, 61 * time.Minute} {
		body, hdr := fxDingTalkBody(now.Add(skew), "msg_old", "cid_r", "corp", "帮助")
		if code, _ := fxPost(t, srv.Client(), srv.URL+"/callback/dingtalk", body, hdr); code != http.StatusForbidden {
			t.Errorf("dingtalk signed %v from now: %d, want 403", skew, code)
		}
	}
	if n := h.jobCount(); n != 0 {
		t.Fatalf("jobs after replays: %d", n)
	}
	// Inside the window they are accepted (and a replay of an accepted one is a duplicate).
	body, hdr := fxFeishuFile(t, now.Add(-4*time.Minute), "om_ok", "oc_r", "tk", "台账.xlsx")
	for i := 0; i < 2; i++ {
		if code, b := fxPost(t, srv.Client(), srv.URL+feishu.CallbackPath, body, hdr); code != 200 {
			t.Fatalf("feishu within the window: %d %s", code, b)
		}
	}
	if n := h.jobCount(); n != 1 {
		t.Fatalf("jobs: %d, want 1", n)
	}
}

// Chats and tenants off the allow-list: acknowledged (a retry would not change the answer) and
// dropped, no job.
func TestSecurityChatAndTenantAllowLists(t *testing.T) {
	h := newHarness(t, func(c *config.Config) {
		c.Chats.Allow = []string{"oc_ok", "cid_ok", "user_ok"}
		c.Chats.Tenants = []string{"tk_ok", "corp_ok", fxWeComCorp}
	})
	srv := fxAllPlatforms(t, h)
	now := h.clock.Now()
	post := func(name, url string, body []byte, hdr http.Header) {
		t.Helper()
		if code, b := fxPost(t, srv.Client(), url, body, hdr); code != 200 {
			t.Errorf("%s: %d %s", name, code, b)
		}
	}
	b, hd := fxFeishuFile(t, now, "om_1", "oc_other", "tk_ok", "a.xlsx")
	post("feishu other chat", srv.URL+feishu.CallbackPath, b, hd)
	b, hd = fxFeishuFile(t, now, "om_2", "oc_ok", "tk_other", "a.xlsx")
	post("feishu other tenant", srv.URL+feishu.CallbackPath, b, hd)
	b, hd = fxDingTalkBody(now, "msg_1", "cid_other", "corp_ok", "帮助")
	post("dingtalk other chat", srv.URL+"/callback/dingtalk", b, hd)
	b, hd = fxDingTalkBody(now, "msg_2", "cid_ok", "corp_other", "帮助")
	post("dingtalk other corp", srv.URL+"/callback/dingtalk", b, hd)
	q, wb := fxWeComRequest(now, "101", "user_other", fxWeComCorp, "帮助")
	post("wecom other user", srv.URL+wecom.AppCallbackPath+"?"+q, wb, nil)
	if err := h.svc.Intake(context.Background(), connectors.Event{Platform: "local", ID: "x", Kind: connectors.EventText, ChatID: "群", Text: "帮助"}); err != nil {
		t.Fatal(err)
	}
	if n := h.jobCount(); n != 0 {
		t.Fatalf("jobs from chats/tenants off the allow-list: %d", n)
	}
	// On the lists: accepted.
	b, hd = fxFeishuFile(t, now, "om_3", "oc_ok", "tk_ok", "a.xlsx")
	post("feishu allowed", srv.URL+feishu.CallbackPath, b, hd)
	b, hd = fxDingTalkBody(now, "msg_3", "cid_ok", "corp_ok", "帮助")
	post("dingtalk allowed", srv.URL+"/callback/dingtalk", b, hd)
	q, wb = fxWeComRequest(now, "102", "user_ok", fxWeComCorp, "帮助")
	post("wecom allowed", srv.URL+wecom.AppCallbackPath+"?"+q, wb, nil)
	if n := h.jobCount(); n != 3 {
		t.Fatalf("jobs from allowed chats: %d, want 3", n)
	}
}

// Plugin API: no token configured → closed; missing, malformed or wrong token → 401; a right
// one → 200. (The compare is subtle.ConstantTimeCompare over every configured token.)
func TestSecurityAPITokens(t *testing.T) {
	h := newHarness(t, func(c *config.Config) { c.HTTP.Tokens = []string{"tok-alpha-123", "tok-beta-456"} })
	srv := httptest.NewServer(h.svc.Handler())
	defer srv.Close()
	get := func(auth string) int {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/api/v1/policy", nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}
	for auth, want := range map[string]int{
		"":                         401,
		"Bearer ":                  401,
		"tok-alpha-123":            401, // no scheme
		"Basic tok-alpha-123":      401,
		"Bearer tok-alpha-12":      401, // prefix
		"Bearer tok-alpha-1234":    401, // longer
		"Bearer TOK-ALPHA-123":     401,
		"Bearer tok-alpha-123":     200,
		"Bearer tok-beta-456":      200,
		"Bearer tok-alpha-123,tok": 401,
	} {
		if got := get(auth); got != want {
			t.Errorf("Authorization %q: %d, want %d", auth, got, want)
		}
	}
	// No token configured: the API is closed (403 api_disabled), even to an empty bearer.
	cfg := *h.cfg
	cfg.HTTP.Tokens = nil
	h.svc.SetConfig(&cfg)
	if got := get("Bearer "); got != 403 {
		t.Errorf("no tokens configured, empty bearer: %d", got)
	}
	if got := get("Bearer tok-alpha-123"); got != 403 {
		t.Errorf("no tokens configured: %d", got)
	}
}

// Size caps: the plugin API refuses a body over http.max_upload_mb with 413; each platform
// callback refuses a body over its cap; a download over limits.max_file_mb is stopped and the
// cadre told.
func TestSecuritySizeCaps(t *testing.T) {
	h := newHarness(t, func(c *config.Config) {
		c.HTTP.Tokens = []string{"tok-size"}
		c.HTTP.MaxUploadMB = 1
		c.Limits.MaxFileMB = 1
	})
	srv := fxAllPlatforms(t, h)
	big := bytes.Repeat([]byte("A"), 2<<20)
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/api/v1/process", bytes.NewReader(big))
	req.Header.Set("Authorization", "Bearer tok-size")
	req.Header.Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("API upload of 2 MB over a 1 MB cap: %d %s", resp.StatusCode, b)
	}
	// Callbacks: Feishu caps at 1 MiB, DingTalk 1 MiB, WeCom 256 KiB.
	now := h.clock.Now()
	huge := bytes.Repeat([]byte(" "), 3<<20)
	fb, fh := fxFeishuBody(t, now, "ev_big", "om_big", "oc", "p2p", "tk", "text", `{"text":"帮助"}`)
	fb = append(fb[:len(fb)-1], append(huge, '}')...)
	fh = fxFeishuSign(now, fb) // correctly signed: only the cap stops it
	if code, _ := fxPost(t, srv.Client(), srv.URL+feishu.CallbackPath, fb, fh); code != http.StatusRequestEntityTooLarge {
		t.Errorf("feishu 3 MB callback: %d, want 413", code)
	}
	db, dh := fxDingTalkBody(now, "msg_big", "cid", "corp", "帮助")
	db = append(db[:len(db)-1], append(huge, '}')...)
	if code, _ := fxPost(t, srv.Client(), srv.URL+"/callback/dingtalk", db, dh); code != http.StatusRequestEntityTooLarge {
		t.Errorf("dingtalk 3 MB callback: %d, want 413", code)
	}
	q, wb := fxWeComRequest(now, "55", "u", fxWeComCorp, "帮助")
	wb = append(wb, huge[:300<<10]...)
	if code, _ := fxPost(t, srv.Client(), srv.URL+wecom.AppCallbackPath+"?"+q, wb, nil); code != http.StatusRequestEntityTooLarge {
		t.Errorf("wecom 300 KB callback: %d, want 413", code)
	}
	if n := h.jobCount(); n != 0 {
		t.Fatalf("jobs from oversized callbacks: %d", n)
	}
	// A file over limits.max_file_mb: the download stops at the cap, the cadre is told to split it.
	fc := newFxConn("fake", bytes.Repeat([]byte("x"), 3<<20))
	h.withConnectors(fc)
	if err := h.svc.Intake(context.Background(), fxFileEvent("fake", "big", "oc_big")); err != nil {
		t.Fatal(err)
	}
	h.mustWork()
	msgs := fc.messages()
	if len(msgs) != 1 || !strings.Contains(msgs[0].Text, "文件超过 1 MB") {
		t.Fatalf("reply to an oversized file: %+v", msgs)
	}
	if _, err := os.Stat(filepath.Join(h.dir, "jobs", "1", "upload.xlsx")); err == nil {
		t.Error("an oversized file was kept")
	}
}

var fxHostileNames = []string{
	"../../x.xlsx", "../../../../etc/cron.d/x.xlsx", "/etc/passwd", "/tmp/x.xlsx", "a\x00b.xlsx", "..\\..\\x.xlsx",
	"C:\\Windows\\x.xlsx", "..", ".", "", ".hidden.xlsx", "x/../../y.xlsx", "台账\n.xlsx", "~$台账.xlsx",
	strings.Repeat("长", 300) + ".xlsx", "a\u202eslx.exe", "%2e%2e%2fx.xlsx",
}

// local.SafeName keeps every name inside its folder.
func TestSecuritySafeNameHasNoPath(t *testing.T) {
	base := t.TempDir()
	for _, n := range fxHostileNames {
		s := local.SafeName(n)
		if s == "" || s == "." || s == ".." || strings.ContainsAny(s, "/\\\x00\n") || strings.HasPrefix(s, ".") || len([]rune(s)) > 80 {
			t.Errorf("SafeName(%q) = %q", n, s)
		}
		p := filepath.Join(base, s)
		if filepath.Dir(p) != base {
			t.Errorf("SafeName(%q) = %q leaves its folder: %s", n, s, p)
		}
	}
}

// The service never builds a path from an uploaded file's name: jobs with hostile names are
// downloaded to DATA/jobs/<id>/upload.<ext>, replied with the name sanitised, and nothing is
// written outside DATA.
func TestSecurityHostileFileNamesWriteNothingOutsideData(t *testing.T) {
	h := newHarness(t, nil)
	wb := fxWorkbook(t, 5, 9)
	fc := newFxConn("fake", wb)
	h.withConnectors(fc)
	// DATA is a temp dir; its parent is ours too, so ../ and absolute names there are watched
	// (never a real system path: the tests may run as root).
	outside := filepath.Dir(h.dir)
	names := append(append([]string(nil), fxHostileNames...), filepath.Join(outside, "abs.xlsx"), "../../"+filepath.Base(outside)+"/up.xlsx")
	before := fxListing(t, outside, h.dir)
	for i, n := range names {
		ev := fxFileEvent("fake", fmt.Sprintf("h%d", i), "oc_h")
		ev.File.Name = n
		if err := h.svc.Intake(context.Background(), ev); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i < len(names)+5; i++ {
		if ok, err := h.svc.WorkOnce(context.Background()); err != nil || !ok {
			break
		}
	}
	if n := len(fc.messages()); n != len(names) {
		t.Errorf("replies: %d, want %d", n, len(names))
	}
	after := fxListing(t, outside, h.dir)
	if before != after {
		t.Fatalf("files appeared outside DATA:\nbefore %s\nafter  %s", before, after)
	}
	top, _ := os.ReadDir(h.dir)
	for _, e := range top {
		switch e.Name() {
		case "inbox", "outbox", "local", "jobs", "zengshou.db", "zengshou.db-wal", "zengshou.db-shm":
		default:
			t.Errorf("unexpected entry at the top of DATA: %s", e.Name())
		}
	}
	// Inside DATA/jobs only fixed names.
	okName := regexp.MustCompile(`^(upload\.(xlsx|xlsm|xls|et|ett|csv|bin)|result\.xlsx|tmp|[0-9]+)$`)
	filepath.WalkDir(filepath.Join(h.dir, "jobs"), func(p string, d fs.DirEntry, err error) error {
		if err == nil && p != filepath.Join(h.dir, "jobs") && !okName.MatchString(d.Name()) && !strings.HasPrefix(filepath.Base(filepath.Dir(p)), "tmp") {
			t.Errorf("unexpected name in DATA/jobs: %s", p)
		}
		return nil
	})
	for _, m := range fc.messages() {
		if m.File != nil && strings.ContainsAny(m.File.Name, "/\\\x00") {
			t.Errorf("reply attachment name %q carries a path", m.File.Name)
		}
	}
	// The local connector's outbox keeps attachment names inside the chat's folder too.
	for i, n := range fxHostileNames[:6] {
		if _, err := h.conn.Send(context.Background(), connectors.Message{Kind: "reply", ChatID: n, Text: "x",
			File: &connectors.Attachment{Name: n, Data: []byte("x")}, IdempotencyKey: fmt.Sprintf("hostile-%d", i)}); err != nil {
			t.Errorf("local send with name %q: %v", n, err)
		}
	}
	if after2 := fxListing(t, outside, h.dir); after2 != before {
		t.Fatalf("local outbox wrote outside DATA:\n%s", after2)
	}
}

// fxListing lists dir (one level, recursively) except skip.
func fxListing(t *testing.T, dir, skip string) string {
	t.Helper()
	var names []string
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		if p == skip {
			return filepath.SkipDir
		}
		names = append(names, p)
		return nil
	})
	sort.Strings(names)
	return strings.Join(names, "\n")
}

var (
	fxIDNumber = regexp.MustCompile(`[1-9]\d{5}(19|20)\d{2}(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])\d{3}[\dXx]`)
	fxMobile   = regexp.MustCompile(`(^|[^\d]|86)1[3-9]\d{9}([^\d]|$)`)
)

// An end-to-end run — uploads through the harness with ledgers full of ID and phone numbers,
// a bad file, commands, digests, and the config's secrets set — leaves no ID number, mobile
// number or secret in the logs (bot.NewLogger, as in production) or in any group message.
func TestSecurityLogsAndGroupRepliesCarryNoPersonalDataOrSecrets(t *testing.T) {
	secrets := []string{"fs-app-secret-LEAK1", "fs-verify-LEAK2", "fs-encrypt-LEAK3", "wc-secret-LEAK4", "dt-secret-LEAK5", "api-token-LEAK6"}
	var logs bytes.Buffer
	h := newHarness(t, func(c *config.Config) {
		c.Feishu.AppSecret, c.Feishu.VerificationToken, c.Feishu.EncryptKey = secrets[0], secrets[1], secrets[2]
		c.WeCom.Secret, c.DingTalk.AppSecret = secrets[3], secrets[4]
		c.HTTP.Tokens = []string{secrets[5]}
	})
	for _, format := range []string{"json", "text"} {
		log := bot.NewLogger(config.Log{Level: "debug", Format: format}, &logs)
		svc, err := bot.New(bot.Options{Config: h.cfg, Store: h.st, Connectors: []connectors.Connector{h.conn}, Clock: h.clock, Log: log, DataDir: h.dir})
		if err != nil {
			t.Fatal(err)
		}
		h.svc = svc
		// A generated ledger (ID numbers) with a 联系电话 column added (mobile numbers).
		name := "台账" + format + ".xlsx"
		dir := filepath.Join(h.dir, "inbox", "红旗村群")
		os.MkdirAll(dir, 0o755)
		fxLedgerWithPhones(t, filepath.Join(dir, name), 60, int64(len(format)))
		// A file named after a person's ID and phone number (as cadres do name them).
		fxLedgerWithPhones(t, filepath.Join(dir, "户主_150422199003071238_+8613812345678_"+format+".xlsx"), 10, 5)
		h.scan()
		h.drain()
		if len(h.messages("reply")) == 0 {
			t.Fatalf("no reply: %+v\n%s", h.messages(""), logs.String())
		}
		// A broken file, a file whose name is an ID number, commands.
		os.WriteFile(filepath.Join(dir, "坏"+format+".xlsx"), []byte("PK\x03\x04 not really 150102199003071234 13812345678"), 0o644)
		h.scan()
		h.drain()
		for i, cmd := range []string{"进度", "帮助 150102199003071234", "提醒", "13812345678", "150422199003071238", "查 15042219900307123X", "电话+8613912345678"} {
			ev := connectors.Event{Platform: "local", ID: fmt.Sprintf("sec-%s-%d", format, i), Kind: connectors.EventText, ChatID: "红旗村群", SenderID: "admin1", Text: cmd}
			if err := h.svc.Intake(context.Background(), ev); err != nil {
				t.Fatal(err)
			}
			h.drain()
		}
		h.clock.Advance(24 * time.Hour)
		h.svc.Tick(context.Background())
		h.svc.SendDigests(context.Background(), true)
	}
	// The input had them (so the scan means something).
	if fxInputIDs == 0 || fxInputPhones == 0 {
		t.Fatalf("the ledgers held %d ID numbers and %d mobile numbers: the scan would prove nothing", fxInputIDs, fxInputPhones)
	}
	scan := func(what, text string) {
		t.Helper()
		if m := fxIDNumber.FindString(text); m != "" {
			t.Errorf("%s shows an ID number %q", what, m)
		}
		if m := fxMobile.FindString(text); m != "" {
			t.Errorf("%s shows a mobile number %q", what, m)
		}
		for _, s := range secrets {
			if strings.Contains(text, s) {
				t.Errorf("%s shows the secret %q", what, s)
			}
		}
	}
	scan("the log", logs.String())
	msgs := h.messages("")
	for _, m := range msgs {
		if m.Chat != "" { // a group: everyone reads it
			scan(fmt.Sprintf("group message %q", m.Kind), m.Text)
		} else {
			for _, s := range secrets {
				if strings.Contains(m.Text, s) {
					t.Errorf("direct message shows a secret")
				}
			}
		}
	}
	raw, _ := os.ReadFile(filepath.Join(h.dir, "outbox", "messages.jsonl"))
	for _, line := range strings.Split(string(raw), "\n") {
		var m local.Message
		if json.Unmarshal([]byte(line), &m) == nil && m.Chat != "" {
			scan("messages.jsonl", m.Text)
		}
	}
	t.Logf("scanned %d KB of logs and %d messages", logs.Len()>>10, len(msgs))
}

var fxInputIDs, fxInputPhones int

// fxLedgerWithPhones writes a generated ledger of n households to path (atomically) with a
// 联系电话 column of mobile numbers after the ID number column of every sheet that has one.
func fxLedgerWithPhones(t *testing.T, path string, n int, seed int64) {
	t.Helper()
	tmp := filepath.Join(t.TempDir(), "g.xlsx")
	if err := ledger.GenerateFile(tmp, n, seed, q4()); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenFile(tmp)
	if err != nil {
		t.Fatal(err)
	}
	for _, sh := range f.GetSheetList() {
		rows, _ := f.GetRows(sh)
		head, col := -1, -1
		for i, r := range rows {
			for j, c := range r {
				if strings.Contains(c, "身份证号") {
					head, col = i, len(r)
					_ = j
				}
			}
			if head >= 0 {
				break
			}
		}
		if head < 0 {
			continue
		}
		cell, _ := excelize.CoordinatesToCellName(col+1, head+1)
		f.SetCellValue(sh, cell, "联系电话")
		for i := head + 1; i < len(rows); i++ {
			line := strings.Join(rows[i], " ")
			if fxIDNumber.MatchString(line) {
				fxInputIDs++
				cell, _ := excelize.CoordinatesToCellName(col+1, i+1)
				f.SetCellValue(sh, cell, fmt.Sprintf("1%d%09d", 3+i%7, 100000000+i*7919+int(seed)))
				fxInputPhones++
			}
		}
	}
	if err := f.SaveAs(tmp); err != nil {
		t.Fatal(err)
	}
	f.Close()
	b, err := os.ReadFile(tmp)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path+".tmp", b, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(path+".tmp", path); err != nil {
		t.Fatal(err)
	}
}

// redact.Text judges whole digit runs: IDs and mobiles next to '_', letters or a +86 prefix are
// masked too (\b missed them).
func TestSecurityRedactTextCatchesNumbersNextToWordCharacters(t *testing.T) {
	for in, want := range map[string]string{
		"户主_150422199003071238_13812345678.xlsx": "户主_1504**********1238_138****5678.xlsx",
		"ID150422199003071238":                   "ID1504**********1238",
		"+8613912345678":                         "+86139****5678",
		"手机13812345678，":                         "手机138****5678，",
		"15042219900307123X号":                    "1504**********123X号",
		"job 1764468000000 12345678901234567890": "job 1764468000000 12345678901234567890",
		"2026年第4季度 12000.50元":                    "2026年第4季度 12000.50元",
	} {
		if got := redact.Text(in); got != want {
			t.Errorf("redact.Text(%q) = %q, want %q", in, got, want)
		}
	}
}
