package dingtalk

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"zengshou/connectors"
)

// spyBody records whether the handler read the body.
type spyBody struct {
	r    io.Reader
	read atomic.Bool
}

func (s *spyBody) Read(p []byte) (int, error) { s.read.Store(true); return s.r.Read(p) }
func (s *spyBody) Close() error               { return nil }

func robotRequest(body []byte, ts, sign string) (*http.Request, *spyBody) {
	sb := &spyBody{r: strings.NewReader(string(body))}
	r := httptest.NewRequest(http.MethodPost, "/callback/dingtalk", nil)
	r.Body = sb
	if ts != "" {
		r.Header.Set("timestamp", ts)
	}
	if sign != "" {
		r.Header.Set("sign", sign)
	}
	return r, sb
}

func routeFor(t *testing.T, c *Connector, h connectors.Handler, pattern string) http.Handler {
	t.Helper()
	for _, r := range c.Routes(h) {
		if r.Pattern == pattern {
			return r.Handler
		}
	}
	t.Fatalf("no route %s", pattern)
	return nil
}

func TestRobotCallbackSignature(t *testing.T) {
	f := newFake(t)
	c, _ := newTestConnector(t, f, ModeHTTP, nil)
	var got []connectors.Event
	h := routeFor(t, c, func(_ context.Context, ev connectors.Event) error { got = append(got, ev); return nil }, "/callback/dingtalk")
	body := payload(t, "text_group.json", f.srv.URL)

	// §5.5 vector: ts 1700000000000, appSecret testAppSecret. Now is the same instant.
	const vectorSign = "6eme9OZpsZ0xT14aKlxRPyaQRga1PwA6MpSWONOX6mQ="
	hourMs := int64(time.Hour / time.Millisecond)
	cases := []struct {
		name     string
		ts, sign string
		want     int
		read     bool
	}{
		{"fresh vector sign", "1700000000000", vectorSign, 200, true},
		{"missing sign", "1700000000000", "", 401, false},
		{"missing timestamp", "", vectorSign, 401, false},
		{"wrong sign (vector of another secret)", "1700000000000", "/lfnxUUu80FwVTsIlv2F1cMGBb+PxEKAwYh/bsRxXcc=", 401, false},
		{"sign of another timestamp", "1700000000001", vectorSign, 401, false},
		// Exactly one hour old is still inside the window; one hour and 1 ms is stale.
		{"one hour old", strconv.FormatInt(testNowMs-hourMs, 10), hmacSign(strconv.FormatInt(testNowMs-hourMs, 10), testAppSecret), 200, true},
		{"stale by 1 ms", strconv.FormatInt(testNowMs-hourMs-1, 10), hmacSign(strconv.FormatInt(testNowMs-hourMs-1, 10), testAppSecret), 403, false},
		{"future by 1 h 1 ms", strconv.FormatInt(testNowMs+hourMs+1, 10), hmacSign(strconv.FormatInt(testNowMs+hourMs+1, 10), testAppSecret), 403, false},
		{"timestamp not a number", "yesterday", hmacSign("yesterday", testAppSecret), 403, false},
	}
	for _, tc := range cases {
		got = nil
		r, sb := robotRequest(body, tc.ts, tc.sign)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != tc.want {
			t.Errorf("%s: status %d, want %d", tc.name, w.Code, tc.want)
		}
		if sb.read.Load() != tc.read {
			t.Errorf("%s: body read = %v, want %v (the sign is checked before the body)", tc.name, sb.read.Load(), tc.read)
		}
		if (tc.want == 200) != (len(got) == 1) {
			t.Errorf("%s: %d events delivered", tc.name, len(got))
		}
		if len(got) == 1 && got[0].ID != "msgTextGroup0001==" {
			t.Errorf("%s: event id %q", tc.name, got[0].ID)
		}
	}

	// GET is not a callback.
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/callback/dingtalk", nil))
	if w.Code != http.StatusMethodNotAllowed {
		t.Errorf("GET: status %d", w.Code)
	}
}

func TestRobotCallbackBodyAndHandler(t *testing.T) {
	f := newFake(t)
	c, _ := newTestConnector(t, f, ModeHTTP, nil)
	ts := "1700000000000"
	sign := hmacSign(ts, testAppSecret)

	refuse := routeFor(t, c, func(context.Context, connectors.Event) error { return errors.New("disk full") }, "/callback/dingtalk")
	r, _ := robotRequest(payload(t, "file_single.json", f.srv.URL), ts, sign)
	w := httptest.NewRecorder()
	refuse.ServeHTTP(w, r)
	if w.Code != 500 {
		t.Errorf("handler error: status %d, want 500 (not acknowledged)", w.Code)
	}

	called := 0
	accept := routeFor(t, c, func(context.Context, connectors.Event) error { called++; return nil }, "/callback/dingtalk")
	big := make([]byte, maxCallbackBody+1)
	r, _ = robotRequest(big, ts, sign)
	w = httptest.NewRecorder()
	accept.ServeHTTP(w, r)
	if w.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("oversized body: status %d", w.Code)
	}
	r, _ = robotRequest([]byte(`{"msgId":`), ts, sign)
	w = httptest.NewRecorder()
	accept.ServeHTTP(w, r)
	if w.Code != 400 {
		t.Errorf("malformed body: status %d", w.Code)
	}
	r, _ = robotRequest(payload(t, "picture_single.json", f.srv.URL), ts, sign)
	w = httptest.NewRecorder()
	accept.ServeHTTP(w, r)
	if w.Code != 200 || called != 0 {
		t.Errorf("picture: status %d, handler called %d times (want 200, 0)", w.Code, called)
	}
}

func TestEventCallback(t *testing.T) {
	v := officialVectors[1] // the check_url vector
	f := newFake(t)
	c, _ := newTestConnector(t, f, ModeStream, func(cfg *Config) {
		cfg.CallbackToken, cfg.CallbackAESKey, cfg.CorpID = v.token, v.aesKey, v.owner
	})
	body := `{"encrypt":"` + v.encrypt + `"}`
	for _, tc := range []struct{ path, query string }{
		{"/callback/dingtalk/event", "signature=" + v.sig + "&timestamp=" + v.ts + "&nonce=" + v.nonce},
		// Routed by payload on the robot path, with the Java sample's parameter names.
		{"/callback/dingtalk", "msg_signature=" + v.sig + "&timeStamp=" + v.ts + "&nonce=" + v.nonce},
	} {
		h := routeFor(t, c, func(context.Context, connectors.Event) error { return nil }, tc.path)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodPost, tc.path+"?"+tc.query, strings.NewReader(body)))
		if w.Code != 200 {
			t.Fatalf("%s: status %d: %s", tc.path, w.Code, w.Body)
		}
		var rep eventReply
		if err := json.Unmarshal(w.Body.Bytes(), &rep); err != nil {
			t.Fatal(err)
		}
		msg, owner, err := c.crypto.Decrypt(rep.MsgSignature, rep.TimeStamp, rep.Nonce, rep.Encrypt)
		if err != nil || string(msg) != "success" || owner != v.owner {
			t.Fatalf("%s: reply decrypts to %q owner %q, %v", tc.path, msg, owner, err)
		}
		if rep.TimeStamp != "1700000000000" {
			t.Errorf("reply timeStamp %s, want Now in ms", rep.TimeStamp)
		}
	}
	// Wrong signature (first hex digit 0 → 1): 401.
	h := routeFor(t, c, nil, "/callback/dingtalk/event")
	w := httptest.NewRecorder()
	q := url.Values{"signature": {"1" + v.sig[1:]}, "timestamp": {v.ts}, "nonce": {v.nonce}}
	h.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/callback/dingtalk/event?"+q.Encode(), strings.NewReader(body)))
	if w.Code != 401 {
		t.Fatalf("wrong signature: status %d", w.Code)
	}
}

// With corp_id configured, a callback framed with the AppKey as owner key (newer consoles,
// PLATFORMS.md §3.2) is accepted, and the encrypted "success" must carry that same owner key:
// DingTalk checks the key of the answer, so one framed with the corpId fails the URL check.
func TestEventCallbackAnswersWithTheRequestOwnerKey(t *testing.T) {
	v := officialVectors[1]
	f := newFake(t)
	c, _ := newTestConnector(t, f, ModeStream, func(cfg *Config) {
		cfg.CallbackToken, cfg.CallbackAESKey, cfg.CorpID = v.token, v.aesKey, "dingcorp0001"
	})
	platform, err := newEventCrypto(v.token, v.aesKey, testAppKey) // DingTalk framing with the AppKey
	if err != nil {
		t.Fatal(err)
	}
	enc, sig, err := platform.Encrypt([]byte(`{"EventType":"check_url"}`), "1700000000000", "nonceAK")
	if err != nil {
		t.Fatal(err)
	}
	h := routeFor(t, c, nil, "/callback/dingtalk/event")
	w := httptest.NewRecorder()
	q := url.Values{"signature": {sig}, "timestamp": {"1700000000000"}, "nonce": {"nonceAK"}}
	h.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/callback/dingtalk/event?"+q.Encode(), strings.NewReader(`{"encrypt":"`+enc+`"}`)))
	if w.Code != 200 {
		t.Fatalf("status %d: %s", w.Code, w.Body)
	}
	var rep eventReply
	if err := json.Unmarshal(w.Body.Bytes(), &rep); err != nil {
		t.Fatal(err)
	}
	msg, owner, err := platform.Decrypt(rep.MsgSignature, rep.TimeStamp, rep.Nonce, rep.Encrypt)
	if err != nil || string(msg) != "success" || owner != testAppKey {
		t.Fatalf("answer decrypts to %q with owner key %q (%v), want success with the AppKey", msg, owner, err)
	}
}

func TestParseMessages(t *testing.T) {
	now := testNow()
	oapi := "https://oapi.example"
	ev, err := parseMessage(payload(t, "file_single.json", oapi), now)
	if err != nil {
		t.Fatal(err)
	}
	if ev.Kind != connectors.EventFile || ev.ID != "msgFileSingle0001==" || ev.ChatID != "cidSingle0001==" ||
		ev.ChatType != connectors.ChatDirect || ev.SenderID != "staff001" || ev.Platform != "dingtalk" {
		t.Fatalf("file event = %+v", ev)
	}
	if ev.File.Key != "dlcodeSingle0001==" || ev.File.Name != "低保名单.xlsx" || ev.File.Meta["fileId"] != "117000848" {
		t.Fatalf("file ref = %+v", ev.File)
	}
	if ev.Reply[ReplySessionWebhook] != oapi+"/robot/sendBySession?session=sess0001" ||
		ev.Reply[ReplySessionExpires] != "1700005400000" || ev.Reply[ReplySenderStaffID] != "staff001" ||
		ev.Reply[ReplyConvType] != "1" || ev.Reply[ReplyConversationID] != "cidSingle0001==" {
		t.Fatalf("reply = %v", ev.Reply)
	}
	if !ev.Time.Equal(time.UnixMilli(1700000000000)) {
		t.Fatalf("time = %v", ev.Time)
	}

	ev, err = parseMessage(payload(t, "text_group.json", oapi), now)
	if err != nil {
		t.Fatal(err)
	}
	// createAt arrives as a string here; content " @台账机器人 进度" loses the mention.
	if ev.Kind != connectors.EventText || ev.Text != "进度" || ev.ChatType != connectors.ChatGroup ||
		!ev.Time.Equal(time.UnixMilli(1700000001000)) {
		t.Fatalf("text event = %+v", ev)
	}

	ev, err = parseMessage(payload(t, "quote_file_group.json", oapi), now)
	if err != nil {
		t.Fatal(err)
	}
	if ev.Kind != connectors.EventFile || ev.ID != "msgQuoteGroup0001==" || ev.File.Key != "dlcodeQuoted0001==" ||
		ev.File.Name != "临时救助台账.xlsx" || ev.Text != "帮我算一下" {
		t.Fatalf("quote event = %+v file %+v", ev, ev.File)
	}

	if _, err := parseMessage(payload(t, "picture_single.json", oapi), now); !errors.Is(err, errIgnored) {
		t.Fatalf("picture: err = %v", err)
	}
	// A quoted message whose content is a JSON string (seen on some clients).
	quotedString := `{"conversationId":"c","conversationType":"2","msgId":"m","msgtype":"text","text":{"content":"算","isReplyMsg":true,"repliedMsg":{"msgType":"file","content":"{\"downloadCode\":\"dc\",\"fileName\":\"a.xlsx\"}"}}}`
	ev, err = parseMessage([]byte(quotedString), now)
	if err != nil || ev.Kind != connectors.EventFile || ev.File.Key != "dc" {
		t.Fatalf("quoted string content: %+v, %v", ev, err)
	}
	// A quoted message without a download code stays a text.
	noCode := `{"conversationId":"c","conversationType":"2","msgId":"m","msgtype":"text","text":{"content":"算","isReplyMsg":true,"repliedMsg":{"msgType":"unknownMsgType","msgId":"x"}}}`
	ev, err = parseMessage([]byte(noCode), now)
	if err != nil || ev.Kind != connectors.EventText || !ev.Time.Equal(now) {
		t.Fatalf("quote without code: %+v, %v", ev, err)
	}
	for name, bad := range map[string]string{
		"no msgId":          `{"conversationId":"c","conversationType":"1","msgtype":"text","text":{"content":"x"}}`,
		"no conversationId": `{"msgId":"m","conversationType":"1","msgtype":"text","text":{"content":"x"}}`,
		"bad type":          `{"msgId":"m","conversationId":"c","conversationType":"3","msgtype":"text","text":{"content":"x"}}`,
		"file no code":      `{"msgId":"m","conversationId":"c","conversationType":"1","msgtype":"file","content":{"fileName":"a.xlsx"}}`,
	} {
		if _, err := parseMessage([]byte(bad), now); err == nil || errors.Is(err, errIgnored) {
			t.Errorf("%s: err = %v", name, err)
		}
	}
}

func TestStripMentions(t *testing.T) {
	for in, want := range map[string]string{
		" 进度":          "进度",
		"@机器人 进度":      "进度",
		"@机器人\u00a0帮助": "帮助",
		"@a @b 汇总 @c":  "汇总 @c",
		"@机器人":         "",
		"":             "",
	} {
		if got := stripMentions(in); got != want {
			t.Errorf("stripMentions(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzCallback feeds arbitrary bodies to the robot message parser: it must never panic, and
// every event it returns must be usable (id, chat, kind; a file event has a download code).
func FuzzCallback(f *testing.F) {
	files, _ := filepath.Glob("../../testdata/dingtalk/*.json")
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"msgId":"m","conversationId":"c","conversationType":"2","msgtype":"text","text":null}`))
	f.Add([]byte(`{"msgId":"m","conversationId":"c","conversationType":"1","msgtype":"file","content":"\"x\""}`))
	f.Add([]byte(`{"createAt":1e300,"msgId":"m"}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, body []byte) {
		ev, err := parseMessage(body, testNow())
		if err != nil {
			return
		}
		if ev.ID == "" || ev.ChatID == "" || ev.Platform != Platform {
			t.Fatalf("event without id or chat: %+v", ev)
		}
		switch ev.Kind {
		case connectors.EventText:
		case connectors.EventFile:
			if ev.File == nil || ev.File.Key == "" {
				t.Fatalf("file event without key: %+v", ev)
			}
		default:
			t.Fatalf("kind %q", ev.Kind)
		}
		if ev.ChatType != connectors.ChatGroup && ev.ChatType != connectors.ChatDirect {
			t.Fatalf("chat type %q", ev.ChatType)
		}
	})
}
