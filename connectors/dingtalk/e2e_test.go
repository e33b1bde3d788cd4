package dingtalk

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"zengshou/connectors"
)

// secretsIn lists what must never reach a log line.
var secretsIn = []string{testAppSecret, "fake-token-", "dlcodeSingle0001", "dlcodeQuoted0001", "sess000", "s3cr3t", "张三", "李四", "SECtest"}

func checkLogs(t *testing.T, logs *logBuffer) {
	t.Helper()
	out := logs.String()
	for _, s := range secretsIn {
		if strings.Contains(out, s) {
			t.Errorf("log output contains %q:\n%s", s, out)
		}
	}
}

// deliver posts a freshly signed robot callback and returns the accepted event.
func deliver(t *testing.T, c *Connector, body []byte) connectors.Event {
	t.Helper()
	var got []connectors.Event
	h := routeFor(t, c, func(_ context.Context, ev connectors.Event) error { got = append(got, ev); return nil }, "/callback/dingtalk")
	r, _ := robotRequest(body, "1700000000000", hmacSign("1700000000000", testAppSecret))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != 200 || len(got) != 1 {
		t.Fatalf("callback: status %d, %d events", w.Code, len(got))
	}
	return got[0]
}

// A cadre sends a workbook to the bot 1:1 (HTTP callback mode): the bot downloads it and
// answers with a text (sessionWebhook) and the result file (upload + oToMessages sampleFile).
func TestEndToEndHTTPDirectFile(t *testing.T) {
	f := newFake(t)
	ledger := []byte("PK\x03\x04 ledger bytes")
	f.files["dlcodeSingle0001=="] = ledger
	c, logs := newTestConnector(t, f, ModeHTTP, nil)
	ctx := context.Background()

	ev := deliver(t, c, payload(t, "file_single.json", f.srv.URL))
	if ev.Kind != connectors.EventFile || ev.ID != "msgFileSingle0001==" {
		t.Fatalf("event = %+v", ev)
	}
	var buf bytes.Buffer
	n, err := c.Download(ctx, *ev.File, &buf, 1<<20)
	if err != nil || n != int64(len(ledger)) || !bytes.Equal(buf.Bytes(), ledger) {
		t.Fatalf("Download = %d, %v, %q", n, err, buf.Bytes())
	}

	result := []byte("PK\x03\x04 result bytes")
	id, err := c.Send(ctx, connectors.Message{Kind: "reply", ChatID: ev.ChatID, Reply: ev.Reply, ReplyTo: ev.ID,
		Text: "已处理 1 户", File: &connectors.Attachment{Name: "低保名单_结果.xlsx", Data: result}})
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	up := f.uploaded()
	if len(up) != 1 || up[0].Type != "file" || up[0].Name != "低保名单_结果.xlsx" || !bytes.Equal(up[0].Data, result) {
		t.Fatalf("uploads = %+v", up)
	}
	msgs := f.sentMessages()
	if len(msgs) != 2 {
		t.Fatalf("sent %d messages: %+v", len(msgs), msgs)
	}
	// The session is valid until 1700005400000 (90 min after Now), so the text goes there.
	if msgs[0].Path != "/robot/sendBySession" || msgs[0].Query != "session=sess0001" ||
		msgs[0].Body["msgtype"] != "text" || msgs[0].Body["text"].(map[string]any)["content"] != "已处理 1 户" {
		t.Fatalf("text message = %+v", msgs[0])
	}
	fm := msgs[1]
	if fm.Path != "/v1.0/robot/oToMessages/batchSend" || fm.Body["msgKey"] != "sampleFile" ||
		fm.Body["robotCode"] != testAppKey || len(fm.Body["userIds"].([]any)) != 1 || fm.Body["userIds"].([]any)[0] != "staff001" {
		t.Fatalf("file message = %+v", fm)
	}
	if fm.MsgParam["mediaId"] != "@lAfake1" || fm.MsgParam["fileName"] != "低保名单_结果.xlsx" || fm.MsgParam["fileType"] != "xlsx" {
		t.Fatalf("msgParam = %v", fm.MsgParam)
	}
	if id != "pqk-2" { // the second message the fake recorded
		t.Fatalf("id = %q", id)
	}
	checkLogs(t, logs)
}

// In a group, the cadre quotes the file and @s the bot: the reply @s the cadre through the
// sessionWebhook and the file goes to the group with groupMessages/send.
func TestEndToEndHTTPGroupQuotedFile(t *testing.T) {
	f := newFake(t)
	ledger := []byte("quoted ledger")
	f.files["dlcodeQuoted0001=="] = ledger
	c, logs := newTestConnector(t, f, ModeHTTP, nil)
	ctx := context.Background()

	ev := deliver(t, c, payload(t, "quote_file_group.json", f.srv.URL))
	if ev.Kind != connectors.EventFile || ev.File.Key != "dlcodeQuoted0001==" || ev.ChatType != connectors.ChatGroup {
		t.Fatalf("event = %+v", ev)
	}
	var buf bytes.Buffer
	if _, err := c.Download(ctx, *ev.File, &buf, 1<<20); err != nil || buf.String() != "quoted ledger" {
		t.Fatalf("Download: %v %q", err, buf.String())
	}
	_, err := c.Send(ctx, connectors.Message{ChatID: ev.ChatID, Reply: ev.Reply, Mentions: []string{"staff002"},
		Text: "结果如下", File: &connectors.Attachment{Name: "结果.xlsx", Data: []byte("r")}})
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	msgs := f.sentMessages()
	if len(msgs) != 2 {
		t.Fatalf("sent %d", len(msgs))
	}
	at := msgs[0].Body["at"].(map[string]any)
	content := msgs[0].Body["text"].(map[string]any)["content"].(string)
	if msgs[0].Path != "/robot/sendBySession" || at["atUserIds"].([]any)[0] != "staff002" || content != "结果如下 @staff002" {
		t.Fatalf("text = %+v", msgs[0])
	}
	if msgs[1].Path != "/v1.0/robot/groupMessages/send" || msgs[1].Body["openConversationId"] != "cidGroup0001==" ||
		msgs[1].Body["msgKey"] != "sampleFile" || msgs[1].MsgParam["fileName"] != "结果.xlsx" {
		t.Fatalf("file = %+v", msgs[1])
	}
	checkLogs(t, logs)
}

func TestSendFileRobotNotFound(t *testing.T) {
	f := newFake(t)
	f.fail["/v1.0/robot/groupMessages/send"] = fakeFailure{status: 400,
		body:  `{"code":"resource.not.found","requestid":"r1","message":"robot 不存在"}`,
		match: func(s sent) bool { return s.Body["msgKey"] == "sampleFile" }}
	c, _ := newTestConnector(t, f, ModeHTTP, nil)
	_, err := c.Send(context.Background(), connectors.Message{ChatID: "cidGroup0001==",
		File: &connectors.Attachment{Name: "结果.xlsx", Data: []byte("r")}})
	var e *connectors.Error
	if !errors.As(err, &e) || !e.Permanent || e.HTTPStatus != 400 || !strings.Contains(e.Hint, "机器人不存在") ||
		!strings.Contains(e.Msg, "robot 不存在") || !connectors.IsPermanent(err) {
		t.Fatalf("err = %v (%#v)", err, e)
	}
	// Text to the same group still works (only sampleFile is refused).
	if _, err := c.Send(context.Background(), connectors.Message{ChatID: "cidGroup0001==", Text: "hi"}); err != nil {
		t.Fatalf("text: %v", err)
	}
}

func TestSendRoutes(t *testing.T) {
	ctx := context.Background()
	expired := map[string]string{ReplyConversationID: "cidGroup0001==", ReplyConvType: "2",
		ReplySessionWebhook: "", ReplySessionExpires: "1699999999999"}

	t.Run("expired session, no webhook: OpenAPI group text", func(t *testing.T) {
		f := newFake(t)
		c, _ := newTestConnector(t, f, ModeHTTP, nil)
		r := map[string]string{}
		for k, v := range expired {
			r[k] = v
		}
		// Valid until 1700000030000: 30 s left, inside the one-minute margin, so not used.
		r[ReplySessionWebhook] = f.srv.URL + "/robot/sendBySession?session=sess0009"
		r[ReplySessionExpires] = "1700000030000"
		id, err := c.Send(ctx, connectors.Message{ChatID: "cidGroup0001==", Reply: r, Text: "进度 3/5", Mentions: []string{"u1"}})
		msgs := f.sentMessages()
		if err != nil || id != "pqk-1" || len(msgs) != 1 || msgs[0].Path != "/v1.0/robot/groupMessages/send" ||
			msgs[0].Body["msgKey"] != "sampleText" || msgs[0].MsgParam["content"] != "进度 3/5" {
			t.Fatalf("id %q err %v msgs %+v", id, err, msgs)
		}
	})

	t.Run("custom webhook, signed with the §5.5 vector", func(t *testing.T) {
		f := newFake(t)
		f.webhookSecrets["hooktok"] = "SECtest0123456789abcdef"
		c, logs := newTestConnector(t, f, ModeHTTP, func(cfg *Config) {
			// Lower-case key, as a config loader may deliver it.
			cfg.Webhooks = map[string]Webhook{"cidgroup0001==": {URL: f.srv.URL + "/robot/send?access_token=hooktok", Secret: "SECtest0123456789abcdef"}}
		})
		_, err := c.Send(ctx, connectors.Message{ChatID: "cidGroup0001==", Reply: expired, Text: "## 汇总\n完成 5 户", Markdown: true, Mentions: []string{"u1"}})
		if err != nil {
			t.Fatal(err)
		}
		msgs := f.sentMessages()
		if len(msgs) != 1 || msgs[0].Path != "/robot/send" ||
			!strings.Contains(msgs[0].Query, "sign=%2FlfnxUUu80FwVTsIlv2F1cMGBb%2BPxEKAwYh%2FbsRxXcc%3D") ||
			!strings.Contains(msgs[0].Query, "timestamp=1700000000000") {
			t.Fatalf("msgs = %+v", msgs)
		}
		md := msgs[0].Body["markdown"].(map[string]any)
		if msgs[0].Body["msgtype"] != "markdown" || md["title"] != "汇总" || md["text"] != "## 汇总\n完成 5 户 @u1" {
			t.Fatalf("markdown = %+v", msgs[0].Body)
		}
		checkLogs(t, logs)
	})

	t.Run("custom webhook with a wrong secret", func(t *testing.T) {
		f := newFake(t)
		f.webhookSecrets["hooktok"] = "SECright"
		c, _ := newTestConnector(t, f, ModeHTTP, func(cfg *Config) {
			cfg.Webhooks = map[string]Webhook{"cidGroup0001==": {URL: f.srv.URL + "/robot/send?access_token=hooktok", Secret: "SECwrong"}}
		})
		_, err := c.Send(ctx, connectors.Message{ChatID: "cidGroup0001==", Text: "x"})
		var e *connectors.Error
		if !errors.As(err, &e) || e.Code != codeWebhookSecure || !e.Permanent || !strings.Contains(e.Hint, "加签") {
			t.Fatalf("err = %v", err)
		}
		if strings.Contains(err.Error(), "hooktok") {
			t.Fatalf("error shows the webhook token: %v", err)
		}
	})

	t.Run("session refused: fall back; session down: no fallback", func(t *testing.T) {
		f := newFake(t)
		c, _ := newTestConnector(t, f, ModeHTTP, nil)
		r := map[string]string{ReplyConvType: "2", ReplySessionWebhook: f.srv.URL + "/robot/sendBySession?session=sess0010",
			ReplySessionExpires: "1700005400000"}
		f.fail["/robot/sendBySession"] = fakeFailure{status: 200, body: `{"errcode":300001,"errmsg":"session is not exist"}`}
		if _, err := c.Send(ctx, connectors.Message{ChatID: "cidGroup0001==", Reply: r, Text: "a"}); err != nil {
			t.Fatal(err)
		}
		if msgs := f.sentMessages(); len(msgs) != 1 || msgs[0].Path != "/v1.0/robot/groupMessages/send" {
			t.Fatalf("fallback msgs = %+v", msgs)
		}
		// A 502 without an errcode may or may not have been delivered: no fallback, retryable.
		f.fail["/robot/sendBySession"] = fakeFailure{status: 502, body: `<html>bad gateway</html>`}
		_, err := c.Send(ctx, connectors.Message{ChatID: "cidGroup0001==", Reply: r, Text: "b"})
		if err == nil || connectors.IsPermanent(err) || len(f.sentMessages()) != 1 {
			t.Fatalf("err %v, msgs %d", err, len(f.sentMessages()))
		}
	})

	t.Run("session on another host is not used", func(t *testing.T) {
		f := newFake(t)
		c, logs := newTestConnector(t, f, ModeHTTP, nil)
		r := map[string]string{ReplyConvType: "2", ReplySessionWebhook: "https://evil.example/robot/sendBySession?session=sess0011",
			ReplySessionExpires: "1700005400000"}
		if _, err := c.Send(ctx, connectors.Message{ChatID: "cidGroup0001==", Reply: r, Text: "a"}); err != nil {
			t.Fatal(err)
		}
		if msgs := f.sentMessages(); len(msgs) != 1 || msgs[0].Path != "/v1.0/robot/groupMessages/send" {
			t.Fatalf("msgs = %+v", msgs)
		}
		checkLogs(t, logs)
	})

	t.Run("reminders: 45 users in batches of 20, 20, 5", func(t *testing.T) {
		f := newFake(t)
		c, _ := newTestConnector(t, f, ModeHTTP, nil)
		var users []string
		for i := 0; i < 45; i++ {
			users = append(users, "u"+string(rune('A'+i%26))+string(rune('a'+i/26)))
		}
		id, err := c.Send(ctx, connectors.Message{Kind: "reminder", UserIDs: users, Text: "请今天报送台账", Markdown: true})
		if err != nil {
			t.Fatal(err)
		}
		msgs := f.sentMessages()
		if len(msgs) != 3 || id != "pqk-3" {
			t.Fatalf("%d batches, id %q", len(msgs), id)
		}
		for i, want := range []int{20, 20, 5} {
			if msgs[i].Path != "/v1.0/robot/oToMessages/batchSend" || len(msgs[i].Body["userIds"].([]any)) != want ||
				msgs[i].Body["msgKey"] != "sampleMarkdown" || msgs[i].MsgParam["title"] != "请今天报送台账" {
				t.Fatalf("batch %d = %+v", i, msgs[i])
			}
		}
	})

	t.Run("long text is split", func(t *testing.T) {
		f := newFake(t)
		c, _ := newTestConnector(t, f, ModeHTTP, nil)
		long := strings.Repeat("字", maxTextRunes+1)
		if _, err := c.Send(ctx, connectors.Message{ChatID: "cidGroup0001==", Text: long}); err != nil {
			t.Fatal(err)
		}
		msgs := f.sentMessages()
		if len(msgs) != 2 || len([]rune(msgs[0].MsgParam["content"])) != maxTextRunes || msgs[1].MsgParam["content"] != "字" {
			t.Fatalf("%d messages", len(msgs))
		}
	})

	// Runes do not bound the body: 5 000 four-byte emoji are 20 000 bytes, and '<' is written
	// \u003c by encoding/json (twice escaped in msgParam). Each route must stay within the robots'
	// 20 000-byte body (errcode 460101), the text arriving whole and in order.
	t.Run("long text is split by body size", func(t *testing.T) {
		session := map[string]string{ReplyConvType: "2", ReplySessionWebhook: "",
			ReplySessionExpires: strconv.FormatInt(testNowMs+3600_000, 10)}
		for _, tc := range []struct {
			name     string
			text     string
			markdown bool
			reply    bool
		}{
			{"emoji via sessionWebhook", strings.Repeat("😀", 5000), false, true},
			{"emoji via OpenAPI", strings.Repeat("😀", 5000), false, false},
			{"markdown quotes via OpenAPI", strings.Repeat("> 引用\n", 1500), true, false},
		} {
			f := newFake(t)
			c, _ := newTestConnector(t, f, ModeHTTP, nil)
			reply := map[string]string{}
			if tc.reply {
				for k, v := range session {
					reply[k] = v
				}
				reply[ReplySessionWebhook] = f.srv.URL + "/robot/sendBySession?session=s1"
			}
			if _, err := c.Send(ctx, connectors.Message{ChatID: "cidGroup0001==", Text: tc.text, Markdown: tc.markdown, Reply: reply}); err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			var got strings.Builder
			msgs := f.sentMessages()
			for _, m := range msgs {
				if m.Size > fakeBodyLimit {
					t.Fatalf("%s: body of %d bytes", tc.name, m.Size)
				}
				switch {
				case m.Path == "/robot/sendBySession":
					got.WriteString(m.Body["text"].(map[string]any)["content"].(string))
				case tc.markdown:
					got.WriteString(m.MsgParam["text"])
				default:
					got.WriteString(m.MsgParam["content"])
				}
			}
			if len(msgs) < 2 || got.String() != strings.TrimSuffix(tc.text, "\n") && got.String() != tc.text {
				t.Fatalf("%s: %d messages, text whole = %v", tc.name, len(msgs), got.String() == tc.text)
			}
		}
	})

	t.Run("direct chat without staff id", func(t *testing.T) {
		f := newFake(t)
		c, _ := newTestConnector(t, f, ModeHTTP, nil)
		_, err := c.Send(ctx, connectors.Message{ChatID: "cidSingle", Reply: map[string]string{ReplyConvType: "1"}, Text: "x"})
		if !connectors.IsPermanent(err) {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestThrottling(t *testing.T) {
	ctx := context.Background()
	t.Run("429 with Retry-After", func(t *testing.T) {
		f := newFake(t)
		f.fail["/v1.0/robot/groupMessages/send"] = fakeFailure{status: 429, header: map[string]string{"Retry-After": "7"},
			body: `{"code":"Throttling","message":"请求被流控"}`}
		c, _ := newTestConnector(t, f, ModeHTTP, nil)
		_, err := c.Send(ctx, connectors.Message{ChatID: "cidGroup0001==", Text: "x"})
		if connectors.RetryAfter(err).Seconds() != 7 || connectors.IsPermanent(err) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("oapi 90018", func(t *testing.T) {
		f := newFake(t)
		f.fail["/media/upload"] = fakeFailure{status: 200, body: `{"errcode":90018,"errmsg":"当前企业调用该接口次数超过上限"}`}
		c, _ := newTestConnector(t, f, ModeHTTP, nil)
		_, err := c.Send(ctx, connectors.Message{ChatID: "cidGroup0001==", File: &connectors.Attachment{Name: "a.xlsx", Data: []byte("a")}})
		// No wait time in the answer: one second, one QPS window.
		if connectors.RetryAfter(err).Seconds() != 1 || connectors.IsPermanent(err) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("custom webhook 130101", func(t *testing.T) {
		f := newFake(t)
		f.webhookSecrets["hooktok"] = "SECx"
		f.fail["/robot/send"] = fakeFailure{status: 200, body: `{"errcode":130101,"errmsg":"send too fast, exceed 20 times per minute"}`}
		c, _ := newTestConnector(t, f, ModeHTTP, func(cfg *Config) {
			cfg.Webhooks = map[string]Webhook{"cidGroup0001==": {URL: f.srv.URL + "/robot/send?access_token=hooktok", Secret: "SECx"}}
		})
		_, err := c.Send(ctx, connectors.Message{ChatID: "cidGroup0001==", Text: "x"})
		// §3.6: over 20/min the robot is throttled for 10 minutes.
		if connectors.RetryAfter(err).Minutes() != 10 {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestDownloadLimitsAndErrors(t *testing.T) {
	ctx := context.Background()
	f := newFake(t)
	f.files["dl10"] = []byte("0123456789")
	f.files["chunked10"] = []byte("0123456789")
	c, _ := newTestConnector(t, f, ModeHTTP, nil)
	for _, code := range []string{"dl10", "chunked10"} {
		var buf bytes.Buffer
		// 10 bytes with a 9-byte cap: too large, by Content-Length or while copying.
		if _, err := c.Download(ctx, connectors.FileRef{Key: code}, &buf, 9); !errors.Is(err, connectors.ErrTooLarge) {
			t.Errorf("%s: err = %v", code, err)
		}
		buf.Reset()
		if n, err := c.Download(ctx, connectors.FileRef{Key: code}, &buf, 10); err != nil || n != 10 {
			t.Errorf("%s at the cap: %d, %v", code, n, err)
		}
	}
	_, err := c.Download(ctx, connectors.FileRef{Key: "expired"}, &bytes.Buffer{}, 10)
	var e *connectors.Error
	if !errors.As(err, &e) || !e.Permanent || !strings.Contains(e.Hint, "重新发送") {
		t.Fatalf("expired code: %v", err)
	}
	if strings.Contains(err.Error(), "s3cr3t") {
		t.Fatal("error shows the download URL")
	}
}

func TestRoutesByMode(t *testing.T) {
	f := newFake(t)
	s, _ := newTestConnector(t, f, ModeStream, nil)
	if rs := s.Routes(nil); len(rs) != 0 {
		t.Fatalf("stream mode without event crypto serves %d routes", len(rs))
	}
	h, _ := newTestConnector(t, f, ModeHTTP, nil)
	if rs := h.Routes(nil); len(rs) != 1 || rs[0].Pattern != "/callback/dingtalk" {
		t.Fatalf("http routes = %+v", rs)
	}
	if err := h.Receive(context.Background(), nil); err != nil {
		t.Fatalf("Receive in http mode: %v", err)
	}
	var _ http.Handler = h.Routes(nil)[0].Handler
}

// Transport errors never show a URL: webhook URLs carry access tokens.
func TestTransportErrorHidesURL(t *testing.T) {
	f := newFake(t)
	dead := httptest.NewServer(http.NotFoundHandler())
	deadURL := dead.URL
	dead.Close()
	c, _ := newTestConnector(t, f, ModeHTTP, func(cfg *Config) {
		cfg.Webhooks = map[string]Webhook{"cidGroup0001==": {URL: deadURL + "/robot/send?access_token=leakytoken", Secret: "SECleaky"}}
	})
	_, err := c.Send(context.Background(), connectors.Message{ChatID: "cidGroup0001==", Text: "x"})
	if err == nil || connectors.IsPermanent(err) {
		t.Fatalf("err = %v", err)
	}
	if strings.Contains(err.Error(), "leaky") || strings.Contains(err.Error(), "sign=") {
		t.Fatalf("error shows the webhook URL: %v", err)
	}
}

// A reply whose file hits a rate limit after its text went out is retried by the bot with the
// same IdempotencyKey: the retry sends the file only, never the text a second time.
func TestSendRetryDoesNotRepeatDeliveredParts(t *testing.T) {
	ctx := context.Background()
	f := newFake(t)
	f.fail["/media/upload"] = fakeFailure{status: 200, body: `{"errcode":90018,"errmsg":"当前企业调用该接口次数超过上限"}`}
	c, _ := newTestConnector(t, f, ModeHTTP, nil)
	m := connectors.Message{ChatID: "cidGroup0001==", Text: "处理完成", IdempotencyKey: "job-7-reply",
		File: &connectors.Attachment{Name: "结果.xlsx", Data: []byte("xlsx")}}
	if _, err := c.Send(ctx, m); connectors.RetryAfter(err) == 0 {
		t.Fatalf("first send: err = %v, want a rate limit", err)
	}
	f.mu.Lock()
	delete(f.fail, "/media/upload")
	f.mu.Unlock()
	if _, err := c.Send(ctx, m); err != nil {
		t.Fatalf("retry: %v", err)
	}
	count := map[string]int{}
	for _, s := range f.sentMessages() {
		count[s.Body["msgKey"].(string)]++
	}
	if count["sampleText"] != 1 || count["sampleFile"] != 1 {
		t.Fatalf("sent %v, want the text and the file once each", count)
	}
	// Another message (another key) with the same text is sent.
	if _, err := c.Send(ctx, connectors.Message{ChatID: "cidGroup0001==", Text: "处理完成", IdempotencyKey: "job-8-reply"}); err != nil {
		t.Fatal(err)
	}
	if n := len(f.sentMessages()); n != 3 {
		t.Fatalf("%d messages, want 3", n)
	}
}

// The bot answers a reply that failed for good with an error text under the reply's own key
// (bot/worker.go runJob). That text differs from the reply's: it must go out, not be taken for
// a repeat of the reply's text.
func TestSendSameKeyOtherTextIsSent(t *testing.T) {
	ctx := context.Background()
	f := newFake(t)
	f.fail["/v1.0/robot/groupMessages/send"] = fakeFailure{status: 400, body: `{"code":"resource.not.found","message":"robot 不存在"}`,
		match: func(s sent) bool { return s.Body["msgKey"] == "sampleFile" }}
	c, _ := newTestConnector(t, f, ModeHTTP, nil)
	reply := connectors.Message{ChatID: "cidGroup0001==", Text: "处理完成", IdempotencyKey: "job-7-reply",
		File: &connectors.Attachment{Name: "结果.xlsx", Data: []byte("xlsx")}}
	if _, err := c.Send(ctx, reply); !connectors.IsPermanent(err) {
		t.Fatalf("reply: err = %v, want permanent", err)
	}
	if _, err := c.Send(ctx, connectors.Message{Kind: "error", ChatID: "cidGroup0001==", Text: "结果工作簿已算好，但发送失败", IdempotencyKey: "job-7-reply"}); err != nil {
		t.Fatal(err)
	}
	var texts []string
	for _, s := range f.sentMessages() {
		texts = append(texts, s.MsgParam["content"])
	}
	if len(texts) != 2 || texts[1] != "结果工作簿已算好，但发送失败" {
		t.Fatalf("texts sent %q, want the reply's and the error's", texts)
	}
}
