package wecom

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"zengshou/connectors"
)

// testConfig is an app + smart-robot configuration built from the official XML vector's token,
// key and corp id, pointed at baseURL.
func testConfig(baseURL string) Config {
	return Config{
		Enabled: true, CorpID: vCorpID, AgentID: 1000002, Secret: "app-secret",
		Token: vToken, EncodingAESKey: vAESKey,
		BotToken: jToken, BotEncodingAESKey: jAESKey,
		BaseURL: baseURL,
	}
}

func newTestConnector(t testing.TB, cfg Config) *Connector {
	t.Helper()
	c, err := New(cfg, Options{})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c
}

// recorder is a Handler that keeps what it got.
type recorder struct {
	mu     sync.Mutex
	events []connectors.Event
	err    error
}

func (r *recorder) handle(_ context.Context, ev connectors.Event) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, ev)
	return r.err
}

func (r *recorder) got() []connectors.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]connectors.Event(nil), r.events...)
}

func mux(c *Connector, h connectors.Handler) *http.ServeMux {
	m := http.NewServeMux()
	for _, r := range c.Routes(h) {
		m.Handle(r.Pattern, r.Handler)
	}
	return m
}

func serve(m http.Handler, method, target string, body []byte) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, target, bytes.NewReader(body))
	w := httptest.NewRecorder()
	m.ServeHTTP(w, req)
	return w
}

func signedQuery(sig, ts, nonce string) string {
	return url.Values{"msg_signature": {sig}, "timestamp": {ts}, "nonce": {nonce}}.Encode()
}

// sealApp encrypts and signs an app callback body the way WeCom does.
func sealApp(t testing.TB, cr *msgCrypt, corpID string, plain []byte, ts, nonce string) (query string, body []byte) {
	t.Helper()
	enc, err := cr.encrypt(plain, corpID)
	if err != nil {
		t.Fatal(err)
	}
	body = []byte(fmt.Sprintf("<xml><ToUserName><![CDATA[%s]]></ToUserName><Encrypt><![CDATA[%s]]></Encrypt><AgentID><![CDATA[218]]></AgentID></xml>", corpID, enc))
	return signedQuery(signature(cr.token, ts, nonce, enc), ts, nonce), body
}

// sealBot encrypts and signs a smart-robot JSON callback (receive id empty).
func sealBot(t testing.TB, cr *msgCrypt, plain []byte, ts, nonce string) (query string, body []byte) {
	t.Helper()
	enc, err := cr.encrypt(plain, "")
	if err != nil {
		t.Fatal(err)
	}
	body, _ = json.Marshal(map[string]string{"encrypt": enc})
	return signedQuery(signature(cr.token, ts, nonce, enc), ts, nonce), body
}

func TestVerifyURLHandlerOfficialVector(t *testing.T) {
	c := newTestConnector(t, testConfig("http://127.0.0.1:1"))
	rec := &recorder{}
	m := mux(c, rec.handle)
	q := signedQuery(vURLSig, vURLTS, vURLNonce) + "&" + url.Values{"echostr": {vEchoStr}}.Encode()
	w := serve(m, http.MethodGet, AppCallbackPath+"?"+q, nil)
	if w.Code != http.StatusOK || w.Body.String() != vEchoPlain {
		t.Fatalf("GET = %d %q, want 200 %q", w.Code, w.Body.String(), vEchoPlain)
	}
	// An unescaped '+' in echostr arrives as ' ' and must still work.
	raw := "msg_signature=" + vURLSig + "&timestamp=" + vURLTS + "&nonce=" + vURLNonce + "&echostr=" + strings.ReplaceAll(url.QueryEscape(vEchoStr), "%2B", "+")
	if w := serve(m, http.MethodGet, AppCallbackPath+"?"+raw, nil); w.Body.String() != vEchoPlain {
		t.Fatalf("GET with raw '+' = %d %q", w.Code, w.Body.String())
	}
	// A bad signature gets 403 and no plaintext.
	bad := signedQuery(vURLSig[:39]+"4", vURLTS, vURLNonce) + "&" + url.Values{"echostr": {vEchoStr}}.Encode()
	if w := serve(m, http.MethodGet, AppCallbackPath+"?"+bad, nil); w.Code != http.StatusForbidden || strings.Contains(w.Body.String(), vEchoPlain) {
		t.Fatalf("GET with bad signature = %d %q", w.Code, w.Body.String())
	}
	// Another corp id configured: the receive id check refuses the official echostr.
	cfg := testConfig("http://127.0.0.1:1")
	cfg.CorpID = "wwOtherCorp"
	other := mux(newTestConnector(t, cfg), rec.handle)
	if w := serve(other, http.MethodGet, AppCallbackPath+"?"+q, nil); w.Code != http.StatusForbidden {
		t.Fatalf("GET for another corp = %d", w.Code)
	}
}

func TestVerifyURLBotEndpointJSONVector(t *testing.T) {
	// The §5.2 sample is an app-style JSON vector (receive id = corp id); the robot endpoint
	// accepts the corp id as well as the empty receive id.
	cfg := testConfig("http://127.0.0.1:1")
	cfg.CorpID = jCorpID
	c := newTestConnector(t, cfg)
	q := signedQuery(jURLSig, jURLTS, jURLNonce) + "&" + url.Values{"echostr": {jEchoStr}}.Encode()
	w := serve(mux(c, (&recorder{}).handle), http.MethodGet, BotCallbackPath+"?"+q, nil)
	if w.Code != http.StatusOK || w.Body.String() != jEchoPlain {
		t.Fatalf("GET = %d %q, want %q", w.Code, w.Body.String(), jEchoPlain)
	}
}

func TestPostOfficialMessageVector(t *testing.T) {
	c := newTestConnector(t, testConfig("http://127.0.0.1:1"))
	rec := &recorder{}
	m := mux(c, rec.handle)
	body := []byte("<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName><Encrypt><![CDATA[" + vEncrypt + "]]></Encrypt><AgentID><![CDATA[218]]></AgentID></xml>")
	w := serve(m, http.MethodPost, AppCallbackPath+"?"+signedQuery(vMsgSig, vMsgTS, vMsgNonce), body)
	if w.Code != http.StatusOK {
		t.Fatalf("POST = %d %q", w.Code, w.Body.String())
	}
	evs := rec.got()
	if len(evs) != 1 {
		t.Fatalf("handler got %d events", len(evs))
	}
	ev := evs[0]
	want := connectors.Event{
		Platform: "wecom", ID: "4561255354251345929", Kind: connectors.EventText,
		ChatID: "mycreate", ChatType: connectors.ChatDirect, SenderID: "mycreate", Tenant: vCorpID,
		Text: "hello", Time: time.Unix(1409659813, 0).UTC(),
	}
	ev.Reply = nil
	if fmt.Sprint(ev) != fmt.Sprint(want) {
		t.Fatalf("event\n got %+v\nwant %+v", ev, want)
	}
	if evs[0].Reply[replyToUser] != "mycreate" || evs[0].Reply[replyVia] != viaApp {
		t.Fatalf("reply route %v", evs[0].Reply)
	}

	// Same body, tampered signature: 403, handler not called again.
	w = serve(m, http.MethodPost, AppCallbackPath+"?"+signedQuery(vMsgSig, vMsgTS, "1372623150"), body)
	if w.Code != http.StatusForbidden || len(rec.got()) != 1 {
		t.Fatalf("tampered nonce: %d, %d events", w.Code, len(rec.got()))
	}
}

func TestPostHandlerErrorIs500(t *testing.T) {
	c := newTestConnector(t, testConfig("http://127.0.0.1:1"))
	rec := &recorder{err: errors.New("database is locked")}
	body := []byte("<xml><Encrypt><![CDATA[" + vEncrypt + "]]></Encrypt></xml>")
	w := serve(mux(c, rec.handle), http.MethodPost, AppCallbackPath+"?"+signedQuery(vMsgSig, vMsgTS, vMsgNonce), body)
	if w.Code != http.StatusInternalServerError || len(rec.got()) != 1 {
		t.Fatalf("handler error: %d, %d events; want 500 after one call", w.Code, len(rec.got()))
	}
}

func TestPostRejects(t *testing.T) {
	c := newTestConnector(t, testConfig("http://127.0.0.1:1"))
	rec := &recorder{}
	m := mux(c, rec.handle)
	big := bytes.Repeat([]byte("a"), maxCallbackBody+1)
	if w := serve(m, http.MethodPost, AppCallbackPath+"?"+signedQuery(vMsgSig, vMsgTS, vMsgNonce), big); w.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("oversized body: %d", w.Code)
	}
	if w := serve(m, http.MethodPost, AppCallbackPath, []byte("<xml>")); w.Code != http.StatusBadRequest {
		t.Errorf("broken XML: %d", w.Code)
	}
	if w := serve(m, http.MethodPut, AppCallbackPath, nil); w.Code != http.StatusMethodNotAllowed {
		t.Errorf("PUT: %d", w.Code)
	}
	// Encrypted for another corp id with the right key and a valid signature: refused.
	q, body := sealApp(t, c.appCrypt, "wwOtherCorp", []byte(`<xml><FromUserName>u</FromUserName><MsgType>text</MsgType><Content>x</Content><MsgId>1</MsgId></xml>`), "1700000000", "n1")
	if w := serve(m, http.MethodPost, AppCallbackPath+"?"+q, body); w.Code != http.StatusForbidden {
		t.Errorf("other receive id: %d", w.Code)
	}
	if n := len(rec.got()); n != 0 {
		t.Fatalf("handler called %d times for rejected requests", n)
	}
}

func TestAppFileAndIgnoredMessages(t *testing.T) {
	c := newTestConnector(t, testConfig("http://127.0.0.1:1"))
	rec := &recorder{}
	m := mux(c, rec.handle)
	file := `<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName><FromUserName><![CDATA[zhangsan]]></FromUserName><CreateTime>1700000000</CreateTime><MsgType><![CDATA[file]]></MsgType><MediaId><![CDATA[MEDIA-IN-1]]></MediaId><FileName><![CDATA[台账.xlsx]]></FileName><MsgId>18446744073709551615</MsgId><AgentID>1000002</AgentID></xml>`
	q, body := sealApp(t, c.appCrypt, vCorpID, []byte(file), "1700000000", "n2")
	if w := serve(m, http.MethodPost, AppCallbackPath+"?"+q, body); w.Code != http.StatusOK {
		t.Fatalf("file: %d", w.Code)
	}
	for _, ignored := range []string{
		`<xml><FromUserName>zhangsan</FromUserName><MsgType>event</MsgType><Event>enter_agent</Event><CreateTime>1</CreateTime></xml>`,
		`<xml><FromUserName>zhangsan</FromUserName><MsgType>image</MsgType><MediaId>m</MediaId><MsgId>2</MsgId></xml>`,
	} {
		q, body := sealApp(t, c.appCrypt, vCorpID, []byte(ignored), "1700000000", "n3")
		if w := serve(m, http.MethodPost, AppCallbackPath+"?"+q, body); w.Code != http.StatusOK {
			t.Fatalf("ignored message: %d", w.Code)
		}
	}
	evs := rec.got()
	if len(evs) != 1 {
		t.Fatalf("%d events, want only the file", len(evs))
	}
	ev := evs[0]
	// 18446744073709551615 = 2^64-1: the id must survive as text, not through a float or int64.
	if ev.ID != "18446744073709551615" || ev.Kind != connectors.EventFile || ev.File.Key != "MEDIA-IN-1" || ev.File.Name != "台账.xlsx" || ev.SenderID != "zhangsan" {
		t.Fatalf("file event %+v %+v", ev, ev.File)
	}
}

func TestBotCallbackQuotedFileAndText(t *testing.T) {
	c := newTestConnector(t, testConfig("http://127.0.0.1:1"))
	rec := &recorder{}
	m := mux(c, rec.handle)
	quoted := `{"msgid":"CAIQ16HMjQYY/NGagIOAgAMgq4KM0AI=","aibotid":"AIBOTID","chatid":"wrGROUP","chattype":"group",
	 "from":{"userid":"lisi"},"create_time":1700000000,"response_url":"https://qyapi.weixin.qq.com/cgi-bin/aibot/response?response_code=RC",
	 "msgtype":"text","text":{"content":"@小助手 处理这个"},"quote":{"msgtype":"file","file":{"url":"https://example.invalid/f"}}}`
	single := `{"msgid":"m2","aibotid":"AIBOTID","chattype":"single","from":{"userid":"wangwu"},"msgtype":"file",
	 "file":{"url":"https://example.invalid/g","aeskey":"` + vAESKey + `"}}`
	text := `{"msgid":"m3","chattype":"group","chatid":"wrGROUP","from":{"userid":"lisi"},"msgtype":"text","text":{"content":"@小助手 进度"}}`
	event := `{"msgid":"m4","chattype":"single","from":{"userid":"lisi"},"msgtype":"event","event":{"eventtype":"enter_chat"}}`
	for i, p := range []string{quoted, single, text, event} {
		q, body := sealBot(t, c.botCrypt, []byte(p), "1700000000", fmt.Sprint("nonce", i))
		if w := serve(m, http.MethodPost, BotCallbackPath+"?"+q, body); w.Code != http.StatusOK {
			t.Fatalf("payload %d: %d", i, w.Code)
		}
	}
	evs := rec.got()
	if len(evs) != 3 {
		t.Fatalf("%d events, want 3 (the enter_chat event is dropped)", len(evs))
	}
	q := evs[0]
	if q.ID != "CAIQ16HMjQYY/NGagIOAgAMgq4KM0AI=" || q.Kind != connectors.EventFile || q.ChatID != "wrGROUP" || q.ChatType != connectors.ChatGroup ||
		q.Text != "处理这个" || q.File.Key != "https://example.invalid/f" || q.File.Meta[metaSource] != sourceBot ||
		q.Reply[replyResponseURL] != "https://qyapi.weixin.qq.com/cgi-bin/aibot/response?response_code=RC" || q.Reply[replyVia] != viaBotHTTP {
		t.Fatalf("quoted file event %+v", q)
	}
	s := evs[1]
	if s.Kind != connectors.EventFile || s.ChatID != "wangwu" || s.ChatType != connectors.ChatDirect || s.File.Meta[metaAESKey] != vAESKey {
		t.Fatalf("single file event %+v", s)
	}
	if tx := evs[2]; tx.Kind != connectors.EventText || tx.Text != "进度" {
		t.Fatalf("text event %+v", tx)
	}
	// The robot endpoint refuses the app's key: the body is signed with the app token.
	qa, body := sealApp(t, c.appCrypt, "", []byte(text), "1700000000", "x")
	if w := serve(m, http.MethodPost, BotCallbackPath+"?"+qa, []byte(`{"encrypt":"`+string(extractEncrypt(body))+`"}`)); w.Code != http.StatusForbidden {
		t.Fatalf("robot endpoint with app signature: %d", w.Code)
	}
}

func extractEncrypt(xmlBody []byte) []byte {
	s := string(xmlBody)
	i := strings.Index(s, "<Encrypt><![CDATA[") + len("<Encrypt><![CDATA[")
	j := strings.Index(s[i:], "]]>")
	return []byte(s[i : i+j])
}

func TestStripMention(t *testing.T) {
	for in, want := range map[string]string{
		"@小助手 处理这个":    "处理这个",
		"@小助手\u2005帮助": "帮助",
		"@a @b 进度":     "进度",
		"帮助":           "帮助",
		"@小助手":         "",
		"  进度 @张三 ":    "进度 @张三",
	} {
		if got := stripMention(in); got != want {
			t.Errorf("stripMention(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzCallback feeds arbitrary payloads through the callback endpoints: as the decrypted app
// plaintext (sealed and signed, so the XML parser runs), as the decrypted robot plaintext, and
// as a raw unsigned body. Nothing may panic; every answer is one of the documented statuses; an
// event that reaches the handler is well formed.
func FuzzCallback(f *testing.F) {
	f.Add([]byte(vMsgPlain), uint8(0))
	f.Add([]byte(`<xml><FromUserName>u</FromUserName><MsgType>file</MsgType><MediaId>m</MediaId><MsgId>1</MsgId></xml>`), uint8(0))
	f.Add([]byte(`{"msgid":"1","chattype":"group","chatid":"c","from":{"userid":"u"},"msgtype":"text","text":{"content":"@bot 帮助"},"quote":{"msgtype":"file","file":{"url":"https://x"}}}`), uint8(1))
	f.Add([]byte(`{"msgid":"1","chattype":"single","from":{"userid":"u"},"msgtype":"file","file":{}}`), uint8(1))
	f.Add([]byte(jMsgPlain), uint8(1))
	f.Add([]byte(`<xml><Encrypt>`+vEncrypt+`</Encrypt></xml>`), uint8(2))
	f.Add([]byte(`{"encrypt":"`+jEncrypt+`"}`), uint8(3))
	f.Add([]byte{}, uint8(2))
	c := newTestConnector(f, testConfig("http://127.0.0.1:1"))
	f.Fuzz(func(t *testing.T, data []byte, mode uint8) {
		rec := &recorder{}
		m := mux(c, rec.handle)
		var w *httptest.ResponseRecorder
		switch mode % 4 {
		case 0:
			q, body := sealApp(t, c.appCrypt, vCorpID, data, "1700000000", "fz")
			w = serve(m, http.MethodPost, AppCallbackPath+"?"+q, body)
		case 1:
			q, body := sealBot(t, c.botCrypt, data, "1700000000", "fz")
			w = serve(m, http.MethodPost, BotCallbackPath+"?"+q, body)
		case 2:
			w = serve(m, http.MethodPost, AppCallbackPath+"?"+signedQuery(vMsgSig, vMsgTS, vMsgNonce), data)
		default:
			w = serve(m, http.MethodPost, BotCallbackPath+"?"+signedQuery(jMsgSig, jMsgTS, jMsgNonce), data)
		}
		switch w.Code {
		case http.StatusOK, http.StatusBadRequest, http.StatusForbidden, http.StatusRequestEntityTooLarge:
		default:
			t.Fatalf("status %d", w.Code)
		}
		if mode%4 >= 2 && len(rec.got()) > 0 {
			// An unsigned body can only pass with the official vector's own ciphertext.
			if !bytes.Contains(data, []byte(vEncrypt)) && !bytes.Contains(data, []byte(jEncrypt)) {
				t.Fatalf("unsigned body reached the handler")
			}
		}
		for _, ev := range rec.got() {
			if ev.Platform != "wecom" || ev.ID == "" || ev.ChatID == "" || ev.SenderID == "" {
				t.Fatalf("malformed event %+v", ev)
			}
			if (ev.Kind == connectors.EventFile) != (ev.File != nil) || (ev.File != nil && ev.File.Key == "") {
				t.Fatalf("malformed file event %+v", ev)
			}
		}
		_, _ = io.Copy(io.Discard, w.Body)
	})
}
