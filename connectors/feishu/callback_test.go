package feishu

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"zengshou/connectors"
)

func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "feishu", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// recorder is a Handler that keeps what it got and answers with err.
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
	return append([]connectors.Event{}, r.events...)
}

// post sends body to the connector's callback route with headers hdr.
func post(t *testing.T, c *Connector, h connectors.Handler, body []byte, hdr map[string]string) (*httptest.ResponseRecorder, map[string]string) {
	t.Helper()
	routes := c.Routes(h)
	if len(routes) != 1 || routes[0].Pattern != CallbackPath {
		t.Fatalf("Routes = %+v", routes)
	}
	req := httptest.NewRequest(http.MethodPost, CallbackPath, strings.NewReader(string(body)))
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	routes[0].Handler.ServeHTTP(rec, req)
	var out map[string]string
	_ = json.Unmarshal(rec.Body.Bytes(), &out)
	return rec, out
}

// sealed encrypts plain the way Feishu does and signs the outer body at ts.
func sealed(t testing.TB, key string, plain []byte, ts time.Time) ([]byte, map[string]string) {
	t.Helper()
	enc, err := encrypt(key, plain)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := json.Marshal(map[string]string{"encrypt": enc})
	tss := strconv.FormatInt(ts.Unix(), 10)
	nonce := "nonce-" + tss
	return body, map[string]string{headerTimestamp: tss, headerNonce: nonce, headerSignature: signature(tss, nonce, key, body)}
}

func TestURLVerificationOfficialEncryptedSample(t *testing.T) {
	h := newHarness(t, nil) // encrypt_key 1212121212, verification_token v
	var r recorder
	rec, out := post(t, h.c, r.handle, fixture(t, "url_verification_encrypted.json"), nil)
	if rec.Code != http.StatusOK || out["challenge"] != "1212" {
		t.Fatalf("status %d body %s, want 200 {\"challenge\":\"1212\"}", rec.Code, rec.Body)
	}
	if len(r.got()) != 0 {
		t.Fatal("url_verification reached the handler")
	}
}

func TestURLVerificationWrongToken(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.VerificationToken = "not-v" })
	rec, _ := post(t, h.c, (&recorder{}).handle, fixture(t, "url_verification_encrypted.json"), nil)
	if rec.Code != http.StatusUnauthorized {
		t.Fatalf("status %d, want 401", rec.Code)
	}
}

func TestURLVerificationPlain(t *testing.T) {
	// No encrypt key: the challenge arrives in clear with a top-level token (§1.2).
	h := newHarness(t, func(c *Config) { c.EncryptKey = "" })
	body := []byte(`{"challenge":"ajls384kdjx98XX","token":"v","type":"url_verification"}`)
	rec, out := post(t, h.c, (&recorder{}).handle, body, nil)
	if rec.Code != 200 || out["challenge"] != "ajls384kdjx98XX" {
		t.Fatalf("status %d body %s", rec.Code, rec.Body)
	}
	rec, _ = post(t, h.c, (&recorder{}).handle, []byte(`{"challenge":"x","token":"w","type":"url_verification"}`), nil)
	if rec.Code != http.StatusUnauthorized {
		t.Fatalf("wrong token: status %d, want 401", rec.Code)
	}
}

func TestSignatureVectorAtCallback(t *testing.T) {
	// The derived signature vector of §5.4 passes the signature check; its plaintext
	// ("hello world") is not an event, so the answer is 400, not 401.
	h := newHarness(t, func(c *Config) { c.EncryptKey = vecHelloKey })
	h.clock.t = time.Unix(1700000000, 0) // the vector's timestamp
	hdr := map[string]string{headerTimestamp: vecSigTS, headerNonce: vecSigNonce, headerSignature: vecSig}
	rec, _ := post(t, h.c, (&recorder{}).handle, []byte(vecSigBody), hdr)
	if rec.Code != http.StatusBadRequest {
		t.Fatalf("status %d, want 400 (signature ok, payload not JSON)", rec.Code)
	}
	hdr[headerSignature] = strings.Repeat("0", len(vecSig))
	rec, _ = post(t, h.c, (&recorder{}).handle, []byte(vecSigBody), hdr)
	if rec.Code != http.StatusUnauthorized {
		t.Fatalf("zero signature: status %d, want 401", rec.Code)
	}
}

func TestCallbackRejects(t *testing.T) {
	plain := fixture(t, "im_message_receive_file_group.json")
	now := time.Unix(1700000000, 0)
	for _, tc := range []struct {
		name   string
		build  func() ([]byte, map[string]string)
		status int
	}{
		{"wrong signature", func() ([]byte, map[string]string) {
			b, h := sealed(t, testEncryptKey, plain, now)
			h[headerSignature] = signature(h[headerTimestamp], h[headerNonce], "other key", b)
			return b, h
		}, 401},
		{"stale timestamp (6 min, past the 5 min window)", func() ([]byte, map[string]string) {
			return sealed(t, testEncryptKey, plain, now.Add(-6*time.Minute))
		}, 401},
		{"future timestamp (6 min ahead)", func() ([]byte, map[string]string) {
			return sealed(t, testEncryptKey, plain, now.Add(6*time.Minute))
		}, 401},
		{"body changed after signing", func() ([]byte, map[string]string) {
			b, h := sealed(t, testEncryptKey, plain, now)
			return append(b, ' '), h
		}, 401},
		{"encrypted event without signature headers", func() ([]byte, map[string]string) {
			b, _ := sealed(t, testEncryptKey, plain, now)
			return b, nil
		}, 401},
		{"plain event although encrypt_key is set", func() ([]byte, map[string]string) {
			return plain, nil
		}, 400},
		{"signed, but the inner token is wrong", func() ([]byte, map[string]string) {
			return sealed(t, testEncryptKey, []byte(strings.Replace(string(plain), `"token":"v"`, `"token":"x"`, 1)), now)
		}, 401},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, nil)
			var r recorder
			body, hdr := tc.build()
			rec, _ := post(t, h.c, r.handle, body, hdr)
			if rec.Code != tc.status {
				t.Fatalf("status %d, want %d", rec.Code, tc.status)
			}
			if len(r.got()) != 0 {
				t.Fatal("a rejected callback reached the handler")
			}
		})
	}
}

func TestCallbackWindowEdge(t *testing.T) {
	// 4 min old is inside the 5 min window: accepted.
	h := newHarness(t, nil)
	var r recorder
	body, hdr := sealed(t, testEncryptKey, fixture(t, "im_message_receive_file_group.json"), h.clock.Now().Add(-4*time.Minute))
	if rec, _ := post(t, h.c, r.handle, body, hdr); rec.Code != 200 || len(r.got()) != 1 {
		t.Fatalf("status %d, events %d", rec.Code, len(r.got()))
	}
}

func TestCallbackAckOnlyAfterHandler(t *testing.T) {
	h := newHarness(t, nil)
	body, hdr := sealed(t, testEncryptKey, fixture(t, "im_message_receive_file_group.json"), h.clock.Now())
	r := recorder{err: errors.New("store down")}
	if rec, _ := post(t, h.c, r.handle, body, hdr); rec.Code != http.StatusInternalServerError {
		t.Fatalf("handler error: status %d, want 500 so Feishu redelivers", rec.Code)
	}
	r.err = nil
	rec, out := post(t, h.c, r.handle, body, hdr)
	if rec.Code != 200 || out["msg"] != "success" {
		t.Fatalf("status %d body %s", rec.Code, rec.Body)
	}
}

func TestCallbackBodyCap(t *testing.T) {
	h := newHarness(t, nil)
	big := []byte(`{"encrypt":"` + strings.Repeat("A", maxCallbackBytes) + `"}`)
	if rec, _ := post(t, h.c, (&recorder{}).handle, big, nil); rec.Code != http.StatusRequestEntityTooLarge {
		t.Fatalf("status %d, want 413", rec.Code)
	}
	req := httptest.NewRequest(http.MethodGet, CallbackPath, nil)
	rec := httptest.NewRecorder()
	h.c.Routes((&recorder{}).handle)[0].Handler.ServeHTTP(rec, req)
	if rec.Code != http.StatusMethodNotAllowed {
		t.Fatalf("GET: status %d, want 405", rec.Code)
	}
}

func TestFileEventFields(t *testing.T) {
	h := newHarness(t, nil)
	var r recorder
	body, hdr := sealed(t, testEncryptKey, fixture(t, "im_message_receive_file_group.json"), h.clock.Now())
	if rec, _ := post(t, h.c, r.handle, body, hdr); rec.Code != 200 {
		t.Fatalf("status %d", rec.Code)
	}
	evs := r.got()
	if len(evs) != 1 {
		t.Fatalf("events %d", len(evs))
	}
	ev := evs[0]
	want := connectors.Event{Platform: "feishu", ID: "om_file_1", Kind: connectors.EventFile, ChatID: "oc_group_1",
		ChatType: connectors.ChatGroup, SenderID: "ou_sender", Tenant: "tenant_test", Time: time.UnixMilli(1700000000000)}
	if ev.Platform != want.Platform || ev.ID != want.ID || ev.Kind != want.Kind || ev.ChatID != want.ChatID ||
		ev.ChatType != want.ChatType || ev.SenderID != want.SenderID || ev.Tenant != want.Tenant || !ev.Time.Equal(want.Time) {
		t.Fatalf("event %+v\nwant  %+v", ev, want)
	}
	if ev.File == nil || ev.File.Name != "名单.xlsx" || ev.File.Key != "file_v2_test" || ev.File.Meta["message_id"] != "om_file_1" {
		t.Fatalf("file %+v", ev.File)
	}
	if ev.Reply["message_id"] != "om_file_1" {
		t.Fatalf("reply %v", ev.Reply)
	}
}

// textEvent rewrites the text fixture.
func textEvent(t *testing.T, chatType, text string, mentionOpenID string, senderType string) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(fixture(t, "im_message_receive_text_at_bot.json"), &m); err != nil {
		t.Fatal(err)
	}
	ev := m["event"].(map[string]any)
	msg := ev["message"].(map[string]any)
	msg["chat_type"] = chatType
	c, _ := json.Marshal(map[string]string{"text": text})
	msg["content"] = string(c)
	if mentionOpenID == "" {
		msg["mentions"] = []any{}
	} else {
		msg["mentions"].([]any)[0].(map[string]any)["id"].(map[string]any)["open_id"] = mentionOpenID
	}
	ev["sender"].(map[string]any)["sender_type"] = senderType
	b, _ := json.Marshal(m)
	return b
}

func TestTextEvents(t *testing.T) {
	for _, tc := range []struct {
		name, chatType, text, mention, sender string
		want                                  string // "" = not delivered
	}{
		{"@bot in group", "group", "@_user_1 进度", "ou_bot", "user", "进度"},
		{"@bot in the middle", "group", "请 @_user_1  帮助", "ou_bot", "user", "请 帮助"},
		{"@someone else in group", "group", "@_user_1 进度", "ou_other", "user", ""},
		{"group chatter without @", "group", "大家好", "", "user", ""},
		{"direct message", "p2p", "帮助", "", "user", "帮助"},
		{"bot sender", "p2p", "帮助", "", "app", ""},
		{"only the @", "group", "@_user_1", "ou_bot", "user", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, nil)
			var r recorder
			body, hdr := sealed(t, testEncryptKey, textEvent(t, tc.chatType, tc.text, tc.mention, tc.sender), h.clock.Now())
			if rec, _ := post(t, h.c, r.handle, body, hdr); rec.Code != 200 {
				t.Fatalf("status %d", rec.Code)
			}
			evs := r.got()
			if tc.want == "" {
				if len(evs) != 0 {
					t.Fatalf("delivered %+v", evs)
				}
				return
			}
			if len(evs) != 1 || evs[0].Kind != connectors.EventText || evs[0].Text != tc.want {
				t.Fatalf("events %+v, want text %q", evs, tc.want)
			}
			wantType := connectors.ChatGroup
			if tc.chatType == "p2p" {
				wantType = connectors.ChatDirect
			}
			if evs[0].ChatType != wantType {
				t.Fatalf("chat type %s", evs[0].ChatType)
			}
		})
	}
}

func TestOtherMessagesIgnored(t *testing.T) {
	h := newHarness(t, nil)
	var r recorder
	for _, swap := range []struct{ from, to string }{
		{`"message_type":"file"`, `"message_type":"image"`},
		{`"event_type":"im.message.receive_v1"`, `"event_type":"im.chat.disbanded_v1"`},
	} {
		plain := strings.Replace(string(fixture(t, "im_message_receive_file_group.json")), swap.from, swap.to, 1)
		if plain == string(fixture(t, "im_message_receive_file_group.json")) {
			t.Fatalf("fixture lacks %s", swap.from)
		}
		body, hdr := sealed(t, testEncryptKey, []byte(plain), h.clock.Now())
		if rec, _ := post(t, h.c, r.handle, body, hdr); rec.Code != 200 {
			t.Fatalf("%s: status %d, want 200 (ack and ignore)", swap.to, rec.Code)
		}
	}
	if len(r.got()) != 0 {
		t.Fatalf("delivered %+v", r.got())
	}
}

// FuzzCallback feeds arbitrary bodies and headers to the callback parser. Invariants: no
// panic; a known status; the handler runs only for a body whose signature is valid at the
// fixed clock and whose decrypted token is "v".
func FuzzCallback(f *testing.F) {
	now := time.Unix(1700000000, 0)
	plain, err := os.ReadFile(filepath.Join("..", "..", "testdata", "feishu", "im_message_receive_file_group.json"))
	if err != nil {
		f.Fatal(err)
	}
	body, hdr := sealed(f, testEncryptKey, plain, now)
	f.Add(body, hdr[headerTimestamp], hdr[headerNonce], hdr[headerSignature])
	verif, _ := os.ReadFile(filepath.Join("..", "..", "testdata", "feishu", "url_verification_encrypted.json"))
	f.Add(verif, "", "", "")
	f.Add([]byte(vecSigBody), vecSigTS, vecSigNonce, vecSig)
	f.Add([]byte(`{"encrypt":""}`), "1700000000", "n", "")
	f.Add([]byte(`{"encrypt":null}`), "", "", "")
	f.Add([]byte(`[]`), "", "", "x")
	f.Add([]byte(`{"schema":"2.0","header":{"token":"v","event_type":"im.message.receive_v1"},"event":{}}`), "", "", "")

	c, err := New(Config{AppID: "cli_test", AppSecret: "s", VerificationToken: testToken, EncryptKey: testEncryptKey, Mode: "webhook", BaseURL: "http://127.0.0.1:1"},
		Options{Now: func() time.Time { return now }})
	if err != nil {
		f.Fatal(err)
	}
	c.botID = "ou_bot" // no network from the fuzzer
	f.Fuzz(func(t *testing.T, body []byte, ts, nonce, sig string) {
		hdr := http.Header{}
		hdr.Set(headerTimestamp, ts)
		hdr.Set(headerNonce, nonce)
		hdr.Set(headerSignature, sig)
		called := false
		res := c.handleCallback(context.Background(), hdr, body, func(context.Context, connectors.Event) error {
			called = true
			return nil
		})
		switch res.status {
		case 200, 400, 401, 500:
		default:
			t.Fatalf("status %d", res.status)
		}
		if called {
			if sig == "" || !validSignature(sig, ts, nonce, testEncryptKey, body) {
				t.Fatalf("handler ran for an unsigned body: %q", body)
			}
			if res.status != 200 {
				t.Fatalf("handler ran but status %d", res.status)
			}
		}
	})
}

func TestFuzzSeedReachesHandler(t *testing.T) {
	// Guards the fuzz target: its first seed must be a valid event, so the invariant
	// "called ⇒ signed" is exercised on the path that calls the handler.
	h := newHarness(t, nil)
	body, hdr := sealed(t, testEncryptKey, fixture(t, "im_message_receive_file_group.json"), time.Unix(1700000000, 0))
	var r recorder
	res := h.c.handleCallback(context.Background(), toHeader(hdr), body, r.handle)
	if res.status != 200 || len(r.got()) != 1 {
		t.Fatalf("status %d, events %d", res.status, len(r.got()))
	}
}

func toHeader(m map[string]string) http.Header {
	h := http.Header{}
	for k, v := range m {
		h.Set(k, v)
	}
	return h
}
