package wecom

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"zengshou/connectors"
)

// sleepRecorder replaces real sleeping and keeps the requested pauses.
type sleepRecorder struct {
	mu     sync.Mutex
	pauses []time.Duration
}

func (s *sleepRecorder) sleep(_ context.Context, d time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pauses = append(s.pauses, d)
	return nil
}

func (s *sleepRecorder) got() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.pauses...)
}

func fakeConnector(t *testing.T) (*Connector, *fakeWeCom, *sleepRecorder) {
	t.Helper()
	f := newFakeWeCom(t, vCorpID, "app-secret")
	c := newTestConnector(t, testConfig(f.URL()))
	s := &sleepRecorder{}
	c.sleep = s.sleep
	return c, f, s
}

func TestTokenCachedAndRefreshedOnExpiry(t *testing.T) {
	for _, code := range []int{42001, 40014, 40001} {
		c, f, _ := fakeConnector(t)
		f.rejectCode = code
		ctx := context.Background()
		m := connectors.Message{UserIDs: []string{"zhangsan"}, Text: "一"}
		if _, err := c.Send(ctx, m); err != nil {
			t.Fatalf("code %d: first send: %v", code, err)
		}
		if _, err := c.Send(ctx, m); err != nil {
			t.Fatalf("code %d: second send: %v", code, err)
		}
		if _, _, n := f.snapshot(); n != 1 {
			t.Fatalf("code %d: %d gettoken calls for two sends, want 1 (cached)", code, n)
		}
		f.invalidateToken() // WeCom drops the token early; the next call is answered with code
		if _, err := c.Send(ctx, m); err != nil {
			t.Fatalf("code %d: send after invalidation: %v", code, err)
		}
		_, msgs, n := f.snapshot()
		if n != 2 || len(msgs) != 3 {
			t.Fatalf("code %d: %d gettoken calls, %d messages; want 2 and 3", code, n, len(msgs))
		}
		// 3 delivered + 1 rejected attempt = 4 requests to message/send.
		if got := f.callCount("/cgi-bin/message/send"); got != 4 {
			t.Fatalf("code %d: %d message/send requests, want 4", code, got)
		}
	}
}

func TestTokenRetryOnlyOnce(t *testing.T) {
	c, f, _ := fakeConnector(t)
	f.alwaysCode["/cgi-bin/message/send"] = 40014
	_, err := c.Send(context.Background(), connectors.Message{UserIDs: []string{"u"}, Text: "x"})
	var ce *connectors.Error
	if !errors.As(err, &ce) || ce.Code != 40014 || !ce.Permanent {
		t.Fatalf("err = %v, want permanent 40014", err)
	}
	// One fetch for the first attempt, one refresh for the single retry.
	if _, _, n := f.snapshot(); n != 2 || f.callCount("/cgi-bin/message/send") != 2 {
		t.Fatalf("%d gettoken, %d sends; want 2 and 2", n, f.callCount("/cgi-bin/message/send"))
	}
}

func TestTokenSingleFlight(t *testing.T) {
	c, f, _ := fakeConnector(t)
	gate := make(chan struct{})
	f.tokenGate = gate
	var wg sync.WaitGroup
	toks := make([]string, 10)
	errs := make([]error, 10)
	for i := range toks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			toks[i], errs[i] = c.accessToken(context.Background(), "")
		}()
	}
	// Let the goroutines pile up behind the one fetch, then release it.
	time.Sleep(50 * time.Millisecond)
	close(gate)
	wg.Wait()
	for i := range toks {
		if errs[i] != nil || toks[i] != "TOKEN-1" {
			t.Fatalf("caller %d: %q, %v", i, toks[i], errs[i])
		}
	}
	if n := f.callCount("/cgi-bin/gettoken"); n != 1 {
		t.Fatalf("%d gettoken requests for 10 concurrent callers, want 1", n)
	}
}

func TestTokenExpiresByClock(t *testing.T) {
	f := newFakeWeCom(t, vCorpID, "app-secret")
	now := time.Unix(1700000000, 0)
	var mu sync.Mutex
	cfg := testConfig(f.URL())
	c, err := New(cfg, Options{Now: func() time.Time { mu.Lock(); defer mu.Unlock(); return now }})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := c.accessToken(ctx, ""); err != nil {
		t.Fatal(err)
	}
	// expires_in 7200 s, refreshed 5 min (300 s) early: still cached at +6899 s, renewed at +6900 s.
	mu.Lock()
	now = now.Add(6899 * time.Second)
	mu.Unlock()
	if tok, _ := c.accessToken(ctx, ""); tok != "TOKEN-1" {
		t.Fatalf("at +6899 s got %q", tok)
	}
	mu.Lock()
	now = now.Add(time.Second)
	mu.Unlock()
	if tok, _ := c.accessToken(ctx, ""); tok != "TOKEN-2" {
		t.Fatalf("at +6900 s got %q, want a new token", tok)
	}
}

func TestBadSecretIsPermanent(t *testing.T) {
	f := newFakeWeCom(t, vCorpID, "the-real-secret")
	c := newTestConnector(t, testConfig(f.URL()))
	_, err := c.Send(context.Background(), connectors.Message{UserIDs: []string{"u"}, Text: "x"})
	var ce *connectors.Error
	if !errors.As(err, &ce) || ce.Code != 40001 || !ce.Permanent || !strings.Contains(ce.Hint, "Secret") {
		t.Fatalf("err = %v", err)
	}
	if strings.Contains(err.Error(), "app-secret") {
		t.Fatalf("error leaks the secret: %v", err)
	}
}

func TestUntrustedIP60020(t *testing.T) {
	c, f, _ := fakeConnector(t)
	f.alwaysCode["/cgi-bin/message/send"] = 60020
	_, err := c.Send(context.Background(), connectors.Message{UserIDs: []string{"u"}, Text: "x"})
	var ce *connectors.Error
	if !errors.As(err, &ce) || ce.Code != 60020 || !ce.Permanent || !connectors.IsPermanent(err) {
		t.Fatalf("err = %v, want permanent 60020", err)
	}
	if ce.Hint != "服务器出口IP不在企业微信应用的可信IP列表中，请管理员在应用设置中添加" {
		t.Fatalf("hint %q", ce.Hint)
	}
	if got := f.callCount("/cgi-bin/message/send"); got != 1 {
		t.Fatalf("%d attempts, want 1 (no retry on a permanent error)", got)
	}
}

// TestUnknownErrcodeIsPermanent: WeCom answers errors with HTTP 200 and an errcode; apart from
// -1 and the frequency codes (doc 90313) they are refusals a retry repeats. 45002 (消息过长) and
// 40058 (参数不合法, e.g. "markdown.content exceed max length 4096") must come back permanent at
// once, with the code in the admin hint, and -1 (系统繁忙) must stay transient.
func TestUnknownErrcodeIsPermanent(t *testing.T) {
	for _, code := range []int{45002, 40008} {
		c, f, _ := fakeConnector(t)
		f.alwaysCode["/cgi-bin/message/send"] = code
		_, err := c.Send(context.Background(), connectors.Message{UserIDs: []string{"u"}, Text: "x"})
		var ce *connectors.Error
		if !errors.As(err, &ce) || ce.Code != code || !ce.Permanent || !strings.Contains(ce.Hint, fmt.Sprint(code)) {
			t.Fatalf("errcode %d: err = %v, want permanent with the code in the hint", code, err)
		}
		if got := f.callCount("/cgi-bin/message/send"); got != 1 {
			t.Fatalf("errcode %d: %d attempts, want 1", code, got)
		}
	}
	c, f, _ := fakeConnector(t)
	f.alwaysCode["/cgi-bin/message/send"] = -1
	_, err := c.Send(context.Background(), connectors.Message{UserIDs: []string{"u"}, Text: "x"})
	if err == nil || connectors.IsPermanent(err) {
		t.Fatalf("errcode -1: err = %v, want transient", err)
	}
}

func TestRateLimitBackoff(t *testing.T) {
	c, f, s := fakeConnector(t)
	f.failNext["/cgi-bin/message/send"] = []int{45009, 45033}
	if _, err := c.Send(context.Background(), connectors.Message{UserIDs: []string{"u"}, Text: "x"}); err != nil {
		t.Fatalf("send after two rate-limit answers: %v", err)
	}
	// Pauses double from c.backoff = 1 s: 1 s after the first answer, 2 s after the second.
	if got := s.got(); len(got) != 2 || got[0] != time.Second || got[1] != 2*time.Second {
		t.Fatalf("pauses %v, want [1s 2s]", got)
	}
	_, msgs, _ := f.snapshot()
	if len(msgs) != 1 {
		t.Fatalf("%d messages delivered, want 1", len(msgs))
	}

	c2, f2, s2 := fakeConnector(t)
	f2.alwaysCode["/cgi-bin/message/send"] = 45009
	_, err := c2.Send(context.Background(), connectors.Message{UserIDs: []string{"u"}, Text: "x"})
	if connectors.RetryAfter(err) != time.Minute || connectors.IsPermanent(err) {
		t.Fatalf("err = %v, want RetryAfter 1m, not permanent", err)
	}
	// backoffAttempts = 3 tries, so 2 pauses.
	if got := f2.callCount("/cgi-bin/message/send"); got != 3 || len(s2.got()) != 2 {
		t.Fatalf("%d attempts, %d pauses; want 3 and 2", got, len(s2.got()))
	}
}

func TestAppUserSendFileAndText(t *testing.T) {
	c, f, _ := fakeConnector(t)
	data := []byte("PK\x03\x04 fake xlsx")
	id, err := c.Send(context.Background(), connectors.Message{
		Kind: "reply", UserIDs: []string{"zhangsan", "lisi"}, Text: "处理完成",
		File: &connectors.Attachment{Name: "低保台账-结果.xlsx", Data: data}, IdempotencyKey: "job-1",
	})
	if err != nil {
		t.Fatal(err)
	}
	ups, msgs, _ := f.snapshot()
	if len(ups) != 1 || ups[0].Path != "/cgi-bin/media/upload" || ups[0].Type != "file" || ups[0].Name != "低保台账-结果.xlsx" || string(ups[0].Data) != string(data) {
		t.Fatalf("uploads %+v", ups)
	}
	// WeCom does not understand RFC 2231 filename*=; the name must be raw UTF-8 (PLATFORMS.md §2.3).
	if d := ups[0].Disposition; !strings.Contains(d, `filename="低保台账-结果.xlsx"`) || strings.Contains(d, "filename*") {
		t.Fatalf("Content-Disposition %q", d)
	}
	if len(msgs) != 2 {
		t.Fatalf("%d messages, want text + file", len(msgs))
	}
	text, file := msgs[0].Body, msgs[1].Body
	if text["msgtype"] != "text" || text["touser"] != "zhangsan|lisi" || text["agentid"] != float64(1000002) ||
		text["text"].(map[string]any)["content"] != "处理完成" || text["enable_duplicate_check"] != float64(1) ||
		text["duplicate_check_interval"] != float64(1800) {
		t.Fatalf("text message %v", text)
	}
	if file["msgtype"] != "file" || file["file"].(map[string]any)["media_id"] != ups[0].MediaID {
		t.Fatalf("file message %v", file)
	}
	// The fake numbers every upload and message in order: text MSG-1, upload MEDIA-2, file
	// MSG-3. Send returns the id of the last message, the file.
	if id != "MSG-3" || ups[0].MediaID != "MEDIA-2" {
		t.Fatalf("returned id %q, media %q; want MSG-3, MEDIA-2", id, ups[0].MediaID)
	}
	// A retry of the same logical message sends nothing again: both parts went out.
	retry := connectors.Message{UserIDs: []string{"zhangsan", "lisi"},
		File: &connectors.Attachment{Name: "低保台账-结果.xlsx", Data: data}, IdempotencyKey: "job-1"}
	if _, err := c.Send(context.Background(), retry); err != nil {
		t.Fatal(err)
	}
	if ups, msgs, _ = f.snapshot(); len(ups) != 1 || len(msgs) != 2 {
		t.Fatalf("retry sent again: %d uploads, %d messages", len(ups), len(msgs))
	}
	// Without that record (say it expired), a retry reuses the media id (no second upload), so
	// WeCom's duplicate check sees an identical file message.
	c.sent = &connectors.SentParts{}
	if _, err := c.Send(context.Background(), retry); err != nil {
		t.Fatal(err)
	}
	ups, msgs, _ = f.snapshot()
	if len(ups) != 1 || msgs[2].Body["file"].(map[string]any)["media_id"] != ups[0].MediaID {
		t.Fatalf("retry uploaded again: %d uploads", len(ups))
	}
}

func TestAppChatSend(t *testing.T) {
	c, f, _ := fakeConnector(t)
	if _, err := c.Send(context.Background(), connectors.Message{ChatID: "appchat-1", Text: "**汇总**", Markdown: true,
		File: &connectors.Attachment{Name: "汇总.xlsx", Data: []byte("12345678")}}); err != nil {
		t.Fatal(err)
	}
	_, msgs, _ := f.snapshot()
	if len(msgs) != 2 || msgs[0].Path != "/cgi-bin/appchat/send" || msgs[0].Body["chatid"] != "appchat-1" ||
		msgs[0].Body["msgtype"] != "markdown" || msgs[1].Body["msgtype"] != "file" {
		t.Fatalf("appchat messages %+v", msgs)
	}
	if _, ok := msgs[0].Body["agentid"]; ok {
		t.Fatalf("appchat body carries agentid: %v", msgs[0].Body)
	}
}

func TestWebhookSendAndRate(t *testing.T) {
	c, f, s := fakeConnector(t)
	c.cfg.WebhookKeys = map[string]string{"wrGROUP": "hook-key-1"}
	now := time.Unix(1700000000, 0)
	c.now = func() time.Time { return now }
	c.webhookLimit.now = c.now
	ctx := context.Background()
	_, err := c.Send(ctx, connectors.Message{ChatID: "wrGROUP", Text: "请核对", Markdown: true, Mentions: []string{"zhangsan"},
		File: &connectors.Attachment{Name: "结果.xlsx", Data: []byte("xlsx-bytes")}})
	if err != nil {
		t.Fatal(err)
	}
	ups, msgs, tokenCalls := f.snapshot()
	if tokenCalls != 0 {
		t.Fatalf("webhook path fetched %d tokens", tokenCalls)
	}
	if len(ups) != 1 || ups[0].Path != "/cgi-bin/webhook/upload_media" || ups[0].Key != "hook-key-1" || ups[0].Type != "file" || ups[0].Name != "结果.xlsx" {
		t.Fatalf("uploads %+v", ups)
	}
	if len(msgs) != 2 || msgs[0].Path != "/cgi-bin/webhook/send" || msgs[0].Key != "hook-key-1" ||
		msgs[0].Body["markdown"].(map[string]any)["content"] != "<@zhangsan> 请核对" ||
		msgs[1].Body["file"].(map[string]any)["media_id"] != ups[0].MediaID {
		t.Fatalf("webhook messages %+v", msgs)
	}
	// 2 messages spent of the robot's 20/min; 18 more go out at once, the 21st waits 60 s / 20 = 3 s.
	for i := 0; i < 19; i++ {
		if _, err := c.Send(ctx, connectors.Message{ChatID: "wrGROUP", Text: "x", Mentions: []string{"lisi"}}); err != nil {
			t.Fatal(err)
		}
	}
	if got := s.got(); len(got) != 1 || got[0] != 3*time.Second {
		t.Fatalf("pauses %v, want one of 3s", got)
	}
	_, msgs, _ = f.snapshot()
	if last := msgs[len(msgs)-1].Body; last["msgtype"] != "text" || last["text"].(map[string]any)["mentioned_list"].([]any)[0] != "lisi" {
		t.Fatalf("text message %v", last)
	}
}

func TestBucket(t *testing.T) {
	t0 := time.Unix(0, 0)
	b := newBucket(20, t0)
	for i := 0; i < 20; i++ {
		if d := b.reserve(t0); d != 0 {
			t.Fatalf("take %d waited %v", i+1, d)
		}
	}
	// Empty bucket, one token per 3 s: the 21st waits 3 s, the 22nd 6 s.
	if d := b.reserve(t0); d != 3*time.Second {
		t.Fatalf("21st waits %v", d)
	}
	if d := b.reserve(t0); d != 6*time.Second {
		t.Fatalf("22nd waits %v", d)
	}
	// After 60 s, 20 tokens accrued against 2 owed: 18 free, the 19th waits 3 s.
	t1 := t0.Add(time.Minute)
	for i := 0; i < 18; i++ {
		if d := b.reserve(t1); d != 0 {
			t.Fatalf("refill take %d waited %v", i+1, d)
		}
	}
	if d := b.reserve(t1); d != 3*time.Second {
		t.Fatalf("19th after refill waits %v", d)
	}
}

func TestSplitText(t *testing.T) {
	// 700 × "汉" (3 bytes) = 2100 bytes. The 2048-byte cut lands inside rune 683 (byte 2048 =
	// 682·3+2), so it backs off to 2046: parts of 682 and 18 runes.
	s := strings.Repeat("汉", 700)
	parts := splitText(s, textBytes)
	if len(parts) != 2 || len([]rune(parts[0])) != 682 || len([]rune(parts[1])) != 18 {
		t.Fatalf("parts %d: %d + %d runes", len(parts), len([]rune(parts[0])), len([]rune(parts[len(parts)-1])))
	}
	// A line break in the second half of the window is preferred: in "aaaa\nbbbbbb" with max 8
	// the break is at byte 4 ≥ 8/2, so the cut is there rather than at byte 8.
	if got := splitText("aaaa\nbbbbbb", 8); len(got) != 2 || got[0] != "aaaa" || got[1] != "bbbbbb" {
		t.Fatalf("line split %q", got)
	}
	if got := splitText("short", 8); len(got) != 1 || got[0] != "short" {
		t.Fatalf("short %q", got)
	}
	if got := c0Limits(); got.MaxTextRunes != 682 || got.MaxFileBytes != 20<<20 {
		t.Fatalf("limits %+v", got)
	}
}

func c0Limits() connectors.Limits { return (&Connector{}).Limits() }

func TestLongTextSplitAcrossMessages(t *testing.T) {
	c, f, _ := fakeConnector(t)
	if _, err := c.Send(context.Background(), connectors.Message{UserIDs: []string{"u"}, Text: strings.Repeat("汉", 700)}); err != nil {
		t.Fatal(err)
	}
	_, msgs, _ := f.snapshot()
	if len(msgs) != 2 {
		t.Fatalf("%d messages, want 2", len(msgs))
	}
	for _, m := range msgs {
		if n := len(m.Body["text"].(map[string]any)["content"].(string)); n > textBytes {
			t.Fatalf("message of %d bytes", n)
		}
	}
}

// A Send retried with the same IdempotencyKey after its file failed (rate limit spent) sends
// only the file: group robots, appchat and response_url cannot deduplicate, so the text shown
// by the first try must not be shown again.
func TestSendRetryDoesNotRepeatDeliveredParts(t *testing.T) {
	ctx := context.Background()
	file := &connectors.Attachment{Name: "结果.xlsx", Data: []byte("xlsx-bytes")}
	count := func(msgs []fakeMessage, msgtype string) int {
		n := 0
		for _, m := range msgs {
			if m.Body["msgtype"] == msgtype {
				n++
			}
		}
		return n
	}
	// twice sends m, expects the rate limit, sends it again and returns what went out.
	twice := func(t *testing.T, c *Connector, f *fakeWeCom, m connectors.Message) []fakeMessage {
		t.Helper()
		if _, err := c.Send(ctx, m); connectors.RetryAfter(err) == 0 {
			t.Fatalf("first try: %v, want a rate limit", err)
		}
		if _, err := c.Send(ctx, m); err != nil {
			t.Fatal(err)
		}
		_, msgs, _ := f.snapshot()
		return msgs
	}

	t.Run("group robot webhook", func(t *testing.T) {
		c, f, _ := fakeConnector(t)
		c.cfg.WebhookKeys = map[string]string{"wrGROUP": "hook-key-1"}
		f.failNext["/cgi-bin/webhook/upload_media"] = []int{45009, 45009, 45009}
		msgs := twice(t, c, f, connectors.Message{ChatID: "wrGROUP", Text: "处理完成", File: file, IdempotencyKey: "job-1-reply"})
		if count(msgs, "text") != 1 || count(msgs, "file") != 1 {
			t.Fatalf("messages %+v, want the text and the file once each", msgs)
		}
	})

	t.Run("same key, other text", func(t *testing.T) {
		// The bot answers a reply that failed for good with an error text under the reply's key:
		// that text is not a repeat and goes out.
		c, f, _ := fakeConnector(t)
		c.cfg.WebhookKeys = map[string]string{"wrGROUP": "hook-key-1"}
		f.alwaysCode["/cgi-bin/webhook/upload_media"] = 40006
		m := connectors.Message{ChatID: "wrGROUP", Text: "处理完成", File: file, IdempotencyKey: "job-4-reply"}
		if _, err := c.Send(ctx, m); !connectors.IsPermanent(err) {
			t.Fatalf("reply: %v, want permanent", err)
		}
		if _, err := c.Send(ctx, connectors.Message{Kind: "error", ChatID: "wrGROUP", Text: "结果工作簿已算好，但发送失败", IdempotencyKey: "job-4-reply"}); err != nil {
			t.Fatal(err)
		}
		_, msgs, _ := f.snapshot()
		if count(msgs, "text") != 2 {
			t.Fatalf("messages %+v, want the reply's text and the error text", msgs)
		}
	})

	t.Run("appchat", func(t *testing.T) {
		c, f, _ := fakeConnector(t)
		f.failNext["/cgi-bin/media/upload"] = []int{45009, 45009, 45009}
		msgs := twice(t, c, f, connectors.Message{ChatID: "appchat-1", Text: "汇总", File: file, IdempotencyKey: "sum-1"})
		if count(msgs, "text") != 1 || count(msgs, "file") != 1 {
			t.Fatalf("messages %+v, want the text and the file once each", msgs)
		}
	})

	t.Run("response_url then app", func(t *testing.T) {
		c, f, _ := fakeConnector(t)
		f.failNext["/cgi-bin/media/upload"] = []int{45009, 45009, 45009}
		direct := map[string]string{replyVia: viaBotHTTP, replyChatType: "direct", replyToUser: "wangwu",
			replyResponseURL: f.URL() + "/cgi-bin/aibot/response?response_code=RC9"}
		msgs := twice(t, c, f, connectors.Message{ChatID: "wangwu", Reply: direct, Text: "好了", File: file, IdempotencyKey: "job-2-reply"})
		if len(f.responseURL) != 1 || count(msgs, "text") != 0 || count(msgs, "file") != 1 {
			t.Fatalf("response_url %d, app messages %+v; want the text once (response_url) and the file once", len(f.responseURL), msgs)
		}
	})
}

// So many mentions that their "<@id> " prefix alone is over the markdown limit: the message
// still goes out (the mentions that do not fit are left out), every part within the limit.
// Before, the split limit went negative and Send panicked.
func TestWebhookMarkdownWithTooManyMentions(t *testing.T) {
	c, f, _ := fakeConnector(t)
	c.cfg.WebhookKeys = map[string]string{"wrGROUP": "hook-key-1"}
	var ids []string
	for i := 0; i < 400; i++ {
		ids = append(ids, fmt.Sprintf("user-%04d-abcdefgh", i)) // 23 bytes + "<@> " = 27 each: 10,800 in all
	}
	text := strings.Repeat("第1行 请核对台账\n", 600)
	if _, err := c.Send(context.Background(), connectors.Message{ChatID: "wrGROUP", Text: text, Markdown: true, Mentions: ids}); err != nil {
		t.Fatal(err)
	}
	_, msgs, _ := f.snapshot()
	if len(msgs) < 2 {
		t.Fatalf("%d messages", len(msgs))
	}
	first := msgs[0].Body["markdown"].(map[string]any)["content"].(string)
	if !strings.HasPrefix(first, "<@user-0000-abcdefgh> ") {
		t.Fatalf("first part does not start with the mentions: %.80q", first)
	}
	for i, m := range msgs {
		if n := len(m.Body["markdown"].(map[string]any)["content"].(string)); n > webhookMarkdownBytes {
			t.Fatalf("part %d has %d bytes, over %d", i, n, webhookMarkdownBytes)
		}
	}
}
