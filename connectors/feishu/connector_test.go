package feishu

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"zengshou/connectors"
)

func TestNewValidates(t *testing.T) {
	ok := Config{AppID: "cli_x", AppSecret: "s", VerificationToken: "v"}
	if _, err := New(ok, Options{}); err != nil {
		t.Fatalf("valid config: %v", err)
	}
	for _, tc := range []struct {
		name string
		mod  func(*Config)
		key  string
	}{
		{"no app_id", func(c *Config) { c.AppID = "" }, "feishu.app_id 未设置"},
		{"no secret", func(c *Config) { c.AppSecret = "" }, "ZENGSHOU_FEISHU_APP_SECRET"},
		{"webhook without token", func(c *Config) { c.VerificationToken = "" }, "feishu.verification_token"},
		{"bad mode", func(c *Config) { c.Mode = "poll" }, "feishu.mode"},
		{"bad base_url", func(c *Config) { c.BaseURL = "open.feishu.cn" }, "feishu.base_url"},
		{"bad id type", func(c *Config) { c.UserIDType = "email" }, "feishu.user_id_type"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := ok
			tc.mod(&cfg)
			_, err := New(cfg, Options{})
			if err == nil || !strings.Contains(err.Error(), tc.key) {
				t.Fatalf("err = %v, want mention of %q", err, tc.key)
			}
			if strings.Contains(err.Error(), "s3cr3t") {
				t.Fatal("error shows a secret")
			}
		})
	}
	// websocket mode needs no verification token (no callback to check).
	ws := ok
	ws.Mode, ws.VerificationToken = "websocket", ""
	c, err := New(ws, Options{})
	if err != nil {
		t.Fatalf("websocket config: %v", err)
	}
	if len(c.Routes(nil)) != 0 {
		t.Fatal("websocket mode must not mount the HTTP callback")
	}
}

func TestLimitsDocumented(t *testing.T) {
	h := newHarness(t, nil)
	got := h.c.Limits()
	// §1.6: 5 QPS per group, 50/s per app; §1.3: upload ≤30 MB; MaxTextRunes see message.go.
	want := connectors.Limits{MaxTextRunes: 4000, PerChatPerSecond: 5, PerAppPerSecond: 50, MaxFileBytes: 30 << 20}
	if got != want {
		t.Fatalf("Limits = %+v, want %+v", got, want)
	}
	if h.c.Name() != "feishu" {
		t.Fatal(h.c.Name())
	}
}

func TestReceiveWebhookModeReturnsAtOnce(t *testing.T) {
	h := newHarness(t, nil)
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if err := h.c.Receive(ctx, (&recorder{}).handle); err != nil {
		t.Fatal(err)
	}
	if ctx.Err() != nil {
		t.Fatal("Receive blocked in webhook mode")
	}
}

// TestEndToEnd: encrypted, signed callback with a file → Handler → Download → reply with the
// processed file and a text, in thread, idempotent.
func TestEndToEnd(t *testing.T) {
	h := newHarness(t, nil)
	// Any bytes will do (xlsx files start with PK\3\4); 10 000 bytes spans several reads.
	workbook := bytes.Repeat([]byte("PK\x03\x04ledger"), 1000)
	h.fake.files["om_file_1/file_v2_test"] = workbook

	var r recorder
	body, hdr := sealed(t, testEncryptKey, fixture(t, "im_message_receive_file_group.json"), h.clock.Now())
	if rec, _ := post(t, h.c, r.handle, body, hdr); rec.Code != 200 {
		t.Fatalf("callback status %d", rec.Code)
	}
	evs := r.got()
	if len(evs) != 1 || evs[0].File == nil {
		t.Fatalf("events %+v", evs)
	}
	ev := evs[0]

	var got bytes.Buffer
	n, err := h.c.Download(context.Background(), *ev.File, &got, 30<<20) // the bot passes Limits().MaxFileBytes
	if err != nil {
		t.Fatalf("Download: %v", err)
	}
	if n != int64(len(workbook)) || !bytes.Equal(got.Bytes(), workbook) {
		t.Fatalf("downloaded %d bytes, want %d identical", n, len(workbook))
	}

	id, err := h.c.Send(context.Background(), connectors.Message{
		Kind: "reply", ChatID: ev.ChatID, ReplyTo: ev.ID, Reply: ev.Reply,
		Text: "已处理：3户需复核", File: &connectors.Attachment{Name: "名单_结果.xlsx", Data: []byte("result-bytes")},
		IdempotencyKey: "job-42",
	})
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	s := h.fake.snapshot()
	if len(s.uploads) != 1 || s.uploads[0].FileType != "xls" || s.uploads[0].FileName != "名单_结果.xlsx" || string(s.uploads[0].Data) != "result-bytes" {
		t.Fatalf("uploads %+v", s.uploads)
	}
	if len(s.msgs) != 2 {
		t.Fatalf("messages %+v", s.msgs)
	}
	file, text := s.msgs[0], s.msgs[1]
	if file.Path != "/open-apis/im/v1/messages/om_file_1/reply" || file.MsgType != "file" || file.UUID != "job-42-f" ||
		file.Content != `{"file_key":"file_v2_up1"}` || file.ReplyInThread == nil || *file.ReplyInThread {
		t.Fatalf("file reply %+v", file)
	}
	if text.Path != file.Path || text.MsgType != "text" || text.UUID != "job-42-t0" || text.Content != `{"text":"已处理：3户需复核"}` {
		t.Fatalf("text reply %+v", text)
	}
	if id != file.ID {
		t.Fatalf("Send returned %q, want the first message id %q", id, file.ID)
	}
	if s.tokenCalls != 1 {
		t.Fatalf("token fetched %d times, want 1 (cached)", s.tokenCalls)
	}

	// A retried Send (same IdempotencyKey) sends nothing again: both parts went out.
	retry := connectors.Message{Kind: "reply", ChatID: ev.ChatID, ReplyTo: ev.ID,
		Text: "已处理：3户需复核", File: &connectors.Attachment{Name: "名单_结果.xlsx", Data: []byte("result-bytes")}, IdempotencyKey: "job-42"}
	if _, err := h.c.Send(context.Background(), retry); err != nil {
		t.Fatal(err)
	}
	if s := h.fake.snapshot(); len(s.msgs) != 2 || len(s.attempts) != 2 || len(s.uploads) != 1 {
		t.Fatalf("after retry: %d shown, %d attempts, %d uploads; want 2, 2, 1", len(s.msgs), len(s.attempts), len(s.uploads))
	}
	// Without that record (another instance, a restart), the retry still shows nothing new
	// within the hour: Feishu dedupes on uuid.
	h.c.sent = &connectors.SentParts{Now: h.clock.Now}
	if _, err := h.c.Send(context.Background(), retry); err != nil {
		t.Fatal(err)
	}
	if s := h.fake.snapshot(); len(s.msgs) != 2 || len(s.attempts) != 4 {
		t.Fatalf("after retry: %d shown, %d attempts; want 2 and 4", len(s.msgs), len(s.attempts))
	}
	h.assertNoSecrets(t)
}

func TestDownloadSizeCap(t *testing.T) {
	for _, chunked := range []bool{false, true} {
		h := newHarness(t, nil)
		h.fake.chunked = chunked
		// A 2048-byte file against a 1024-byte cap: twice the cap, with and without Content-Length.
		h.fake.files["om_1/file_1"] = bytes.Repeat([]byte("x"), 2048)
		var buf bytes.Buffer
		_, err := h.c.Download(context.Background(), connectors.FileRef{Key: "file_1", Meta: map[string]string{"message_id": "om_1"}}, &buf, 1024)
		if !errors.Is(err, connectors.ErrTooLarge) || !connectors.IsPermanent(err) {
			t.Fatalf("chunked=%v: err = %v, want ErrTooLarge", chunked, err)
		}
		if buf.Len() > 1024 {
			t.Fatalf("chunked=%v: wrote %d bytes past the 1024 cap", chunked, buf.Len())
		}
	}
}

func TestDownloadErrors(t *testing.T) {
	h := newHarness(t, nil)
	_, err := h.c.Download(context.Background(), connectors.FileRef{Key: "file_1"}, &bytes.Buffer{}, 1024)
	if !connectors.IsPermanent(err) {
		t.Fatalf("missing message_id: %v", err)
	}
	_, err = h.c.Download(context.Background(), connectors.FileRef{Key: "nope", Meta: map[string]string{"message_id": "om_1"}}, &bytes.Buffer{}, 1024)
	var e *connectors.Error
	if !errors.As(err, &e) || e.Code != 234003 || !e.Permanent || e.Op != "download" {
		t.Fatalf("unknown file: %#v", err)
	}
}

func TestTokenRefreshAndRetryOnce(t *testing.T) {
	h := newHarness(t, nil)
	if _, err := h.c.Send(context.Background(), connectors.Message{ChatID: "oc_1", Text: "一", IdempotencyKey: "k1"}); err != nil {
		t.Fatal(err)
	}
	h.fake.revoke() // the cached t-fake-1 is now refused with 99991663
	if _, err := h.c.Send(context.Background(), connectors.Message{ChatID: "oc_1", Text: "二", IdempotencyKey: "k2"}); err != nil {
		t.Fatalf("Send after revoke: %v", err)
	}
	s := h.fake.snapshot()
	if s.tokenCalls != 2 {
		t.Fatalf("token calls %d, want 2", s.tokenCalls)
	}
	if want := []string{"t-fake-1", "t-fake-1", "t-fake-2"}; strings.Join(s.authSeen, ",") != strings.Join(want, ",") {
		t.Fatalf("tokens used %v, want %v", s.authSeen, want)
	}
	if len(s.msgs) != 2 {
		t.Fatalf("messages %d", len(s.msgs))
	}
}

func TestTokenRefreshRetriesOnlyOnce(t *testing.T) {
	h := newHarness(t, nil)
	// Two token-invalid answers in a row: refresh once, then give up with the platform's code.
	h.fake.failNext(fakeFailure{pathPrefix: pathMessages, status: 400, code: 99991663})
	h.fake.failNext(fakeFailure{pathPrefix: pathMessages, status: 400, code: 99991663})
	_, err := h.c.Send(context.Background(), connectors.Message{ChatID: "oc_1", Text: "一", IdempotencyKey: "k"})
	var e *connectors.Error
	if !errors.As(err, &e) || e.Code != 99991663 || e.Permanent {
		t.Fatalf("err = %#v", err)
	}
	if s := h.fake.snapshot(); s.tokenCalls != 2 {
		t.Fatalf("token calls %d, want 2", s.tokenCalls)
	}
}

func TestTokenExpiryMargin(t *testing.T) {
	h := newHarness(t, nil)
	send := func() {
		t.Helper()
		if _, err := h.c.Send(context.Background(), connectors.Message{ChatID: "oc_1", Text: "x"}); err != nil {
			t.Fatal(err)
		}
	}
	send()
	// expire 7200 s minus the 3 min margin (§1.5): still cached 1 s before, refreshed at the margin.
	h.clock.Add(7200*time.Second - tokenExpiryMargin - time.Second)
	send()
	if n := h.fake.snapshot().tokenCalls; n != 1 {
		t.Fatalf("token calls %d before the margin, want 1", n)
	}
	h.clock.Add(time.Second)
	send()
	if n := h.fake.snapshot().tokenCalls; n != 2 {
		t.Fatalf("token calls %d at the margin, want 2", n)
	}
}

func TestTokenSingleFlight(t *testing.T) {
	h := newHarness(t, nil)
	h.fake.tokenDelay = 50 * time.Millisecond // long enough for all callers to queue on one refresh
	var wg sync.WaitGroup
	errs := make(chan error, 10)
	for i := 0; i < 10; i++ { // 10 concurrent callers, any number >1 shows the sharing
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := h.c.tokens.get(context.Background(), "")
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := h.fake.snapshot().tokenCalls; n != 1 {
		t.Fatalf("token calls %d, want 1", n)
	}
}

func TestBadCredentialsPermanent(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.AppSecret = "wrong-secret" })
	_, err := h.c.Send(context.Background(), connectors.Message{ChatID: "oc_1", Text: "x"})
	var e *connectors.Error
	if !errors.As(err, &e) || !e.Permanent || e.Op != "token" || e.Code != 10014 || !strings.Contains(e.Hint, "app_id") {
		t.Fatalf("err = %#v", err)
	}
	if strings.Contains(err.Error(), "wrong-secret") || strings.Contains(h.log(), "wrong-secret") {
		t.Fatal("secret leaked into the error or the log")
	}
}

func TestRateLimitBackoffInline(t *testing.T) {
	h := newHarness(t, nil)
	// HTTP 429 / 99991400 with x-ogw-ratelimit-reset: 1 (§1.6): wait 1 s, resend the same uuid.
	h.fake.failNext(fakeFailure{pathPrefix: pathMessages, status: 429, code: 99991400, reset: "1"})
	if _, err := h.c.Send(context.Background(), connectors.Message{ChatID: "oc_1", Text: "x", IdempotencyKey: "k"}); err != nil {
		t.Fatalf("Send: %v", err)
	}
	h.mu.Lock()
	sleeps := append([]time.Duration{}, h.sleeps...)
	h.mu.Unlock()
	if len(sleeps) != 1 || sleeps[0] != time.Second {
		t.Fatalf("slept %v, want [1s]", sleeps)
	}
	if s := h.fake.snapshot(); len(s.msgs) != 1 || s.msgs[0].UUID != "k-t0" {
		t.Fatalf("messages %+v", s.msgs)
	}
}

func TestRateLimitLongResetReturned(t *testing.T) {
	h := newHarness(t, nil)
	// 230020 chat rate limit with a 60 s reset: beyond maxInlineWait (5 s), so the bot gets it.
	h.fake.failNext(fakeFailure{pathPrefix: pathMessages, status: 400, code: 230020, reset: "60"})
	_, err := h.c.Send(context.Background(), connectors.Message{ChatID: "oc_1", Text: "x", IdempotencyKey: "k"})
	if connectors.RetryAfter(err) != 60*time.Second || connectors.IsPermanent(err) {
		t.Fatalf("err = %v (retry after %v)", err, connectors.RetryAfter(err))
	}
	if len(h.sleeps) != 0 {
		t.Fatalf("slept %v", h.sleeps)
	}
}

func TestPermanentErrorsWithHint(t *testing.T) {
	for _, tc := range []struct {
		code int
		hint string
	}{{230002, "群"}, {99991672, "权限"}, {230013, "可用范围"}} {
		h := newHarness(t, nil)
		h.fake.failNext(fakeFailure{pathPrefix: pathMessages, status: 400, code: tc.code})
		_, err := h.c.Send(context.Background(), connectors.Message{ChatID: "oc_1", Text: "x"})
		var e *connectors.Error
		if !errors.As(err, &e) || !e.Permanent || e.Code != tc.code || !strings.Contains(e.Hint, tc.hint) {
			t.Fatalf("code %d: err = %#v", tc.code, err)
		}
	}
	h := newHarness(t, nil)
	h.fake.failNext(fakeFailure{pathPrefix: pathMessages, status: 503, code: 1})
	_, err := h.c.Send(context.Background(), connectors.Message{ChatID: "oc_1", Text: "x"})
	if err == nil || connectors.IsPermanent(err) {
		t.Fatalf("503 must be retryable: %v", err)
	}
}

func TestSendToChatWithMentionsAndFormats(t *testing.T) {
	h := newHarness(t, nil)
	ctx := context.Background()
	if _, err := h.c.Send(ctx, connectors.Message{Kind: "reply", ChatID: "oc_1", Mentions: []string{"ou_a"}, Text: "请复核", IdempotencyKey: "a"}); err != nil {
		t.Fatal(err)
	}
	if _, err := h.c.Send(ctx, connectors.Message{Kind: "reminder", ChatID: "oc_1", Mentions: []string{"ou_a"}, Text: "第一行\n第二行", IdempotencyKey: "b"}); err != nil {
		t.Fatal(err)
	}
	if _, err := h.c.Send(ctx, connectors.Message{Kind: "summary", ChatID: "oc_1", Mentions: []string{"ou_a"}, Text: "**完成率** 80%", Markdown: true, IdempotencyKey: "c"}); err != nil {
		t.Fatal(err)
	}
	s := h.fake.snapshot()
	if len(s.msgs) != 3 {
		t.Fatalf("messages %+v", s.msgs)
	}
	for _, m := range s.msgs {
		if m.ReceiveIDType != "chat_id" || m.ReceiveID != "oc_1" {
			t.Fatalf("target %+v", m)
		}
	}
	if m := s.msgs[0]; m.MsgType != "text" || m.Content != `{"text":"<at user_id=\"ou_a\"></at> 请复核"}` {
		t.Fatalf("text %+v", m)
	}
	var post struct {
		ZhCN struct {
			Title   string                `json:"title"`
			Content [][]map[string]string `json:"content"`
		} `json:"zh_cn"`
	}
	if err := json.Unmarshal([]byte(s.msgs[1].Content), &post); err != nil || s.msgs[1].MsgType != "post" {
		t.Fatalf("post %+v: %v", s.msgs[1], err)
	}
	if post.ZhCN.Title != "待办提醒" || len(post.ZhCN.Content) != 2 || post.ZhCN.Content[0][0]["tag"] != "at" ||
		post.ZhCN.Content[0][0]["user_id"] != "ou_a" || post.ZhCN.Content[1][0]["text"] != "第二行" {
		t.Fatalf("post content %+v", post)
	}
	var card struct {
		Elements []map[string]string `json:"elements"`
	}
	if err := json.Unmarshal([]byte(s.msgs[2].Content), &card); err != nil || s.msgs[2].MsgType != "interactive" {
		t.Fatalf("card %+v: %v", s.msgs[2], err)
	}
	if len(card.Elements) != 1 || card.Elements[0]["tag"] != "markdown" || card.Elements[0]["content"] != "<at id=ou_a></at> **完成率** 80%" {
		t.Fatalf("card elements %+v", card.Elements)
	}
}

func TestSendDirectMessages(t *testing.T) {
	h := newHarness(t, nil)
	if _, err := h.c.Send(context.Background(), connectors.Message{Kind: "reminder", UserIDs: []string{"ou_a", "ou_b"}, Mentions: []string{"ou_x"}, Text: "您有2项待办", IdempotencyKey: "rem-7"}); err != nil {
		t.Fatal(err)
	}
	s := h.fake.snapshot()
	if len(s.msgs) != 2 {
		t.Fatalf("messages %+v", s.msgs)
	}
	for i, want := range []struct{ id, uuid string }{{"ou_a", "rem-7-u0-t0"}, {"ou_b", "rem-7-u1-t0"}} {
		m := s.msgs[i]
		// open_id is the default: it needs no extra scope and is what events carry (§1.1, §1.4).
		if m.ReceiveIDType != "open_id" || m.ReceiveID != want.id || m.UUID != want.uuid || strings.Contains(m.Content, "ou_x") {
			t.Fatalf("dm %d: %+v", i, m)
		}
	}
	h2 := newHarness(t, func(c *Config) { c.UserIDType = "user_id" })
	if _, err := h2.c.Send(context.Background(), connectors.Message{UserIDs: []string{"e33ggbyz"}, Text: "x"}); err != nil {
		t.Fatal(err)
	}
	if m := h2.fake.snapshot().msgs[0]; m.ReceiveIDType != "user_id" || m.UUID != "" {
		t.Fatalf("user_id dm %+v", m)
	}
}

func TestSendImage(t *testing.T) {
	h := newHarness(t, nil)
	png := []byte("\x89PNG\r\n\x1a\nchart")
	if _, err := h.c.Send(context.Background(), connectors.Message{Kind: "summary", ChatID: "oc_1", Image: &connectors.Attachment{Name: "chart.png", Data: png}, Text: "本周汇总", IdempotencyKey: "sum-1"}); err != nil {
		t.Fatal(err)
	}
	s := h.fake.snapshot()
	if len(s.images) != 1 || s.images[0].ImageType != "message" || !bytes.Equal(s.images[0].Data, png) {
		t.Fatalf("images %+v", s.images)
	}
	if len(s.msgs) != 2 || s.msgs[0].MsgType != "image" || s.msgs[0].Content != `{"image_key":"img_v2_1"}` || s.msgs[0].UUID != "sum-1-i" || s.msgs[1].MsgType != "post" {
		t.Fatalf("messages %+v", s.msgs)
	}
}

func TestSendSplitsLongText(t *testing.T) {
	h := newHarness(t, nil)
	text := strings.Repeat("户", maxTextRunes+1) // one rune past the limit → two messages
	if _, err := h.c.Send(context.Background(), connectors.Message{ChatID: "oc_1", Text: text, IdempotencyKey: "long"}); err != nil {
		t.Fatal(err)
	}
	s := h.fake.snapshot()
	if len(s.msgs) != 2 || s.msgs[0].UUID != "long-t0" || s.msgs[1].UUID != "long-t1" {
		t.Fatalf("messages %d", len(s.msgs))
	}
	var a, b struct{ Text string }
	_ = json.Unmarshal([]byte(s.msgs[0].Content), &a)
	_ = json.Unmarshal([]byte(s.msgs[1].Content), &b)
	if a.Text+b.Text != text {
		t.Fatal("split lost or changed text")
	}
}

func TestSplitText(t *testing.T) {
	// max 10: a line break in the second half of the window is preferred.
	got := splitText("一二三四五六七\n八九十甲乙丙丁", 10)
	if len(got) != 2 || got[0] != "一二三四五六七" || got[1] != "八九十甲乙丙丁" {
		t.Fatalf("%q", got)
	}
	got = splitText("一\n二三四五六七八九十甲乙", 10) // break too early: hard cut at 10 runes
	if len(got) != 2 || got[0] != "一\n二三四五六七八九" || got[1] != "十甲乙" {
		t.Fatalf("%q", got)
	}
	if splitText("", 10) != nil {
		t.Fatal("empty text must give no chunk")
	}
}

func TestSubUUID(t *testing.T) {
	if got := subUUID("job-1", "f"); got != "job-1-f" {
		t.Fatal(got)
	}
	long := strings.Repeat("k", 60)
	a, b := subUUID(long, "t0"), subUUID(long, "t1")
	if len(a) > 50 || len(b) > 50 || a == b || a != subUUID(long, "t0") {
		t.Fatalf("long keys: %q %q", a, b)
	}
}

func TestFileType(t *testing.T) {
	for name, want := range map[string]string{"名单.xlsx": "xls", "a.XLS": "xls", "r.pdf": "pdf", "x.csv": "stream", "noext": "stream"} {
		if got := fileType(name); got != want {
			t.Errorf("fileType(%q) = %q, want %q", name, got, want)
		}
	}
}

func TestUploadRejectsBeforeNetwork(t *testing.T) {
	h := newHarness(t, nil)
	for _, a := range []*connectors.Attachment{{Name: "a.xlsx"}, {Name: "b.xlsx", Data: make([]byte, maxUploadBytes+1)}} {
		_, err := h.c.Send(context.Background(), connectors.Message{ChatID: "oc_1", File: a})
		if !connectors.IsPermanent(err) {
			t.Fatalf("%d bytes: err = %v", len(a.Data), err)
		}
	}
	if s := h.fake.snapshot(); len(s.uploads) != 0 {
		t.Fatal("uploaded anyway")
	}
	if _, err := h.c.Send(context.Background(), connectors.Message{Text: "no target"}); !connectors.IsPermanent(err) {
		t.Fatalf("no target: %v", err)
	}
}

func TestPerChatRateLimit(t *testing.T) {
	h := newHarness(t, nil)
	// 6 messages to one chat at 5/s with burst 1: five gaps of 200 ms, so ≥1 s in all.
	start := time.Now()
	for i := 0; i < 6; i++ {
		if _, err := h.c.Send(context.Background(), connectors.Message{ChatID: "oc_1", Text: "x"}); err != nil {
			t.Fatal(err)
		}
	}
	if el := time.Since(start); el < 950*time.Millisecond { // 50 ms slack for timer granularity
		t.Fatalf("6 sends to one chat took %v, want ≥1s", el)
	}
}

// A reply whose text failed after its file went out is retried by the bot, possibly more than
// an hour later (RetryAfter up to 1 h per try), when Feishu no longer dedupes the uuid: the
// retry must neither upload the file again nor show it twice.
func TestSendRetryAfterUUIDWindowDoesNotRepeatDeliveredParts(t *testing.T) {
	h := newHarness(t, nil)
	// The file message passes; the text message gets a server error.
	h.fake.failNext(fakeFailure{skip: 1, pathPrefix: pathMessages, status: 503, code: 1})
	m := connectors.Message{Kind: "reply", ChatID: "oc_chat", ReplyTo: "om_file_1", Text: "已处理",
		File: &connectors.Attachment{Name: "结果.xlsx", Data: []byte("result-bytes")}, IdempotencyKey: "job-9-reply"}
	if _, err := h.c.Send(context.Background(), m); err == nil || connectors.IsPermanent(err) {
		t.Fatalf("first try: err = %v, want a transient error", err)
	}
	h.clock.Add(2 * time.Hour)
	if _, err := h.c.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	s := h.fake.snapshot()
	types := map[string]int{}
	for _, msg := range s.msgs {
		types[msg.MsgType]++
	}
	if len(s.uploads) != 1 || types["file"] != 1 || types["text"] != 1 {
		t.Fatalf("%d uploads, shown %v; want 1 upload, the file and the text once each", len(s.uploads), types)
	}
}
