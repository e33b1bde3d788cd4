package wecom

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"zengshou/connectors"
)

// TestEndToEndAppFile: an encrypted app callback with a file → the handler gets the Event →
// Download (media/get) → Send a file and a text back to the sender → the fake saw both.
func TestEndToEndAppFile(t *testing.T) {
	c, f, _ := fakeConnector(t)
	workbook := []byte("PK\x03\x04 the cadre's ledger")
	f.media["MEDIA-IN-1"] = workbook

	rec := &recorder{}
	srv := httptest.NewServer(mux(c, rec.handle))
	defer srv.Close()

	plain := `<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName><FromUserName><![CDATA[zhangsan]]></FromUserName>` +
		`<CreateTime>1700000000</CreateTime><MsgType><![CDATA[file]]></MsgType><MediaId><![CDATA[MEDIA-IN-1]]></MediaId>` +
		`<FileName><![CDATA[三月台账.xlsx]]></FileName><MsgId>7000000000000000001</MsgId><AgentID>1000002</AgentID></xml>`
	q, body := sealApp(t, c.appCrypt, vCorpID, []byte(plain), "1700000000", "e2e")
	resp, err := http.Post(srv.URL+AppCallbackPath+"?"+q, "text/xml", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("callback status %d", resp.StatusCode)
	}
	evs := rec.got()
	if len(evs) != 1 || evs[0].Kind != connectors.EventFile || evs[0].ID != "7000000000000000001" {
		t.Fatalf("events %+v", evs)
	}
	ev := evs[0]

	var got bytes.Buffer
	n, err := c.Download(context.Background(), *ev.File, &got, 1<<20)
	if err != nil || n != int64(len(workbook)) || !bytes.Equal(got.Bytes(), workbook) {
		t.Fatalf("download: %d bytes, %v", n, err)
	}

	result := []byte("PK\x03\x04 processed")
	id, err := c.Send(context.Background(), connectors.Message{
		Kind: "reply", ChatID: ev.ChatID, Reply: ev.Reply, Text: "已处理 12 户，发现 2 处问题，见附件。",
		File: &connectors.Attachment{Name: "三月台账-核对结果.xlsx", Data: result}, IdempotencyKey: "wecom:7000000000000000001",
	})
	if err != nil {
		t.Fatal(err)
	}
	ups, msgs, _ := f.snapshot()
	if len(ups) != 1 || !bytes.Equal(ups[0].Data, result) || ups[0].Name != "三月台账-核对结果.xlsx" {
		t.Fatalf("uploads %+v", ups)
	}
	if len(msgs) != 2 || msgs[0].Body["touser"] != "zhangsan" || msgs[1].Body["touser"] != "zhangsan" ||
		msgs[1].Body["file"].(map[string]any)["media_id"] != ups[0].MediaID || id == "" {
		t.Fatalf("messages %+v, id %q", msgs, id)
	}
}

// TestDownloadMediaErrors: an unknown or expired media id answers JSON 40007 (permanent: media
// lives 3 days) and a file above max fails with ErrTooLarge.
func TestDownloadMediaErrors(t *testing.T) {
	c, f, _ := fakeConnector(t)
	_, err := c.Download(context.Background(), connectors.FileRef{Key: "missing"}, &bytes.Buffer{}, 100)
	var ce *connectors.Error
	if !errors.As(err, &ce) || ce.Code != 40007 || !ce.Permanent {
		t.Fatalf("unknown media: %v", err)
	}
	f.media["big"] = bytes.Repeat([]byte("x"), 101)
	var buf bytes.Buffer
	if _, err := c.Download(context.Background(), connectors.FileRef{Key: "big"}, &buf, 100); !errors.Is(err, connectors.ErrTooLarge) {
		t.Fatalf("101 bytes with max 100: %v", err)
	}
	f.media["exact"] = bytes.Repeat([]byte("x"), 100)
	buf.Reset()
	if n, err := c.Download(context.Background(), connectors.FileRef{Key: "exact"}, &buf, 100); err != nil || n != 100 {
		t.Fatalf("100 bytes with max 100: %d, %v", n, err)
	}
}

// TestEndToEndRobotQuotedFile: a smart-robot HTTP callback quoting a file in a group → the
// encrypted URL is fetched and decrypted with the robot's EncodingAESKey → the reply goes back
// through the group's robot webhook.
func TestEndToEndRobotQuotedFile(t *testing.T) {
	c, f, _ := fakeConnector(t)
	c.cfg.WebhookKeys = map[string]string{"wrGROUP": "hook-key-1"}
	workbook := []byte("PK\x03\x04 quoted ledger, 33 bytes!")
	enc, err := encryptFile(c.botFileKey, workbook)
	if err != nil {
		t.Fatal(err)
	}
	f.robotFiles["/robotfile/1"] = enc

	rec := &recorder{}
	srv := httptest.NewServer(mux(c, rec.handle))
	defer srv.Close()
	payload := `{"msgid":"CAIQ1","aibotid":"AIBOT","chatid":"wrGROUP","chattype":"group","from":{"userid":"lisi"},` +
		`"response_url":"` + f.URL() + `/cgi-bin/aibot/response?response_code=RC1","msgtype":"text",` +
		`"text":{"content":"@小助手 核对"},"quote":{"msgtype":"file","file":{"url":"` + f.URL() + `/robotfile/1"}}}`
	q, body := sealBot(t, c.botCrypt, []byte(payload), "1700000000", "bot")
	resp, err := http.Post(srv.URL+BotCallbackPath+"?"+q, "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	evs := rec.got()
	if resp.StatusCode != http.StatusOK || len(evs) != 1 {
		t.Fatalf("status %d, %d events", resp.StatusCode, len(evs))
	}
	ev := evs[0]
	var got bytes.Buffer
	if _, err := c.Download(context.Background(), *ev.File, &got, 1<<20); err != nil || !bytes.Equal(got.Bytes(), workbook) {
		t.Fatalf("download: %v, %q", err, got.Bytes())
	}
	if _, err := c.Send(context.Background(), connectors.Message{ChatID: ev.ChatID, Reply: ev.Reply, Text: "核对完成",
		Mentions: []string{ev.SenderID}, File: &connectors.Attachment{Name: "结果.xlsx", Data: []byte("out")}}); err != nil {
		t.Fatal(err)
	}
	ups, msgs, _ := f.snapshot()
	if len(ups) != 1 || ups[0].Key != "hook-key-1" || len(msgs) != 2 || msgs[0].Body["text"].(map[string]any)["mentioned_list"].([]any)[0] != "lisi" {
		t.Fatalf("webhook reply: uploads %+v messages %+v", ups, msgs)
	}
	if len(f.responseURL) != 0 {
		t.Fatalf("response_url used although the group has a webhook")
	}
}

func TestRobotReplyViaResponseURL(t *testing.T) {
	c, f, _ := fakeConnector(t)
	reply := map[string]string{replyVia: viaBotHTTP, replyChatType: "group",
		replyResponseURL: f.URL() + "/cgi-bin/aibot/response?response_code=RC2"}
	// A file to a group without a webhook key cannot be delivered: permanent, with advice, and
	// nothing is sent (the single-use response_url stays unused).
	_, err := c.Send(context.Background(), connectors.Message{ChatID: "wrOTHER", Reply: reply, Text: "结果",
		File: &connectors.Attachment{Name: "a.xlsx", Data: []byte("a")}})
	var ce *connectors.Error
	if !errors.As(err, &ce) || !ce.Permanent || !strings.Contains(ce.Hint, "webhook_keys") || len(f.responseURL) != 0 {
		t.Fatalf("file to group via response_url: %v", err)
	}
	if _, err := c.Send(context.Background(), connectors.Message{ChatID: "wrOTHER", Reply: reply, Text: "**帮助**"}); err != nil {
		t.Fatal(err)
	}
	if len(f.responseURL) != 1 || f.responseURL[0].Body["markdown"].(map[string]any)["content"] != "**帮助**" {
		t.Fatalf("response_url calls %+v", f.responseURL)
	}
	// Single chat: text through response_url, the file through the self-built app.
	direct := map[string]string{replyVia: viaBotHTTP, replyChatType: "direct", replyToUser: "wangwu",
		replyResponseURL: f.URL() + "/cgi-bin/aibot/response?response_code=RC3"}
	if _, err := c.Send(context.Background(), connectors.Message{ChatID: "wangwu", Reply: direct, Text: "好了",
		File: &connectors.Attachment{Name: "b.xlsx", Data: []byte("bb")}}); err != nil {
		t.Fatal(err)
	}
	_, msgs, _ := f.snapshot()
	if len(f.responseURL) != 2 || len(msgs) != 1 || msgs[0].Body["touser"] != "wangwu" || msgs[0].Body["msgtype"] != "file" {
		t.Fatalf("direct robot reply: response_url %d, app messages %+v", len(f.responseURL), msgs)
	}
}

func TestRobotDownloadErrors(t *testing.T) {
	c, f, _ := fakeConnector(t)
	// Expired URL (the fake answers 404): permanent, with advice to send again.
	_, err := c.Download(context.Background(), connectors.FileRef{Key: f.URL() + "/robotfile/gone", Meta: map[string]string{metaSource: sourceBot}}, &bytes.Buffer{}, 100)
	var ce *connectors.Error
	if !errors.As(err, &ce) || !ce.Permanent || ce.HTTPStatus != 404 || !strings.Contains(ce.Hint, "5 分钟") {
		t.Fatalf("expired URL: %v", err)
	}
	// Per-URL aeskey (long-connection mode) wins over the robot key.
	key := bytes.Repeat([]byte{7}, 32)
	enc, _ := encryptFile(key, bytes.Repeat([]byte("y"), 40))
	f.robotFiles["/robotfile/k"] = enc
	ref := connectors.FileRef{Key: f.URL() + "/robotfile/k", Meta: map[string]string{metaSource: sourceBot, metaAESKey: "BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc="}}
	var buf bytes.Buffer
	if n, err := c.Download(context.Background(), ref, &buf, 100); err != nil || n != 40 {
		t.Fatalf("aeskey download: %d, %v", n, err)
	}
	// 40 plaintext bytes with max 39: too large (the ciphertext is 64 bytes ≤ 39+32 = 71, so
	// the size is only known after decryption).
	if _, err := c.Download(context.Background(), ref, &bytes.Buffer{}, 39); !errors.Is(err, connectors.ErrTooLarge) {
		t.Fatalf("max 39: %v", err)
	}
	// max 8: 64 ciphertext bytes > 8+32 = 40, refused before decrypting.
	if _, err := c.Download(context.Background(), ref, &bytes.Buffer{}, 8); !errors.Is(err, connectors.ErrTooLarge) {
		t.Fatalf("max 8: %v", err)
	}
	// The wrong key: permanent, not a panic.
	ref.Meta[metaAESKey] = vAESKey
	if _, err := c.Download(context.Background(), ref, &bytes.Buffer{}, 100); err == nil {
		t.Fatal("wrong key accepted")
	}
}

// "2026年第2季度脱贫户收入台账.xlsx" percent-encoded as UTF-8, as RFC 5987 sends it.
const pctLedgerName = "2026%E5%B9%B4%E7%AC%AC2%E5%AD%A3%E5%BA%A6%E8%84%B1%E8%B4%AB%E6%88%B7%E6%94%B6%E5%85%A5%E5%8F%B0%E8%B4%A6.xlsx"

// TestDownloadNamed: WeCom's file events carry no name; both downloads (media/get for an app
// callback's MediaId, the smart robot's encrypted URL) return the name from Content-Disposition:
// a plain ASCII name, an RFC 5987 UTF-8 Chinese name (with an ASCII fallback that loses), and a
// hostile one reduced to a display name. No header, or a name that only repeats the media id
// (doc 96486's example), is no name; the bytes are the same as Download's.
func TestDownloadNamed(t *testing.T) {
	c, f, _ := fakeConnector(t)
	var _ connectors.NamedDownloader = c
	data := []byte("PK\x03\x04 named ledger")
	for _, tc := range []struct{ disposition, want string }{
		{`attachment; filename="ledger-2026Q2.xlsx"`, "ledger-2026Q2.xlsx"},
		{`attachment; filename="ledger.xlsx"; filename*=UTF-8''` + pctLedgerName, "2026年第2季度脱贫户收入台账.xlsx"},
		{`attachment; filename*=UTF-8''..%2F..%2Fetc%2F%E5%8F%B0%E8%B4%A6%0A%E4%BC%AA%E9%80%A0%E2%80%AE.xlsx`, "台账伪造.xlsx"},
		{`attachment; filename="..\\..\\cron.d\\x.xlsx"`, "x.xlsx"},
		{`attachment; filename="MEDIA-N.xlsx"`, ""}, // the media id itself
		{"", ""},
	} {
		// App callback file: a MediaId, no name; media/get names it.
		f.media["MEDIA-N"] = data
		f.disposition["MEDIA-N"] = tc.disposition
		var buf bytes.Buffer
		n, name, err := c.DownloadNamed(context.Background(), connectors.FileRef{Key: "MEDIA-N", Meta: map[string]string{metaSource: sourceMedia}}, &buf, 1<<20)
		if err != nil || n != int64(len(data)) || !bytes.Equal(buf.Bytes(), data) || name != tc.want {
			t.Errorf("media/get with %q: %d bytes, name %q, %v; want name %q", tc.disposition, n, name, err, tc.want)
		}
		// Smart robot: an encrypted URL; the download may carry the name too.
		enc, err := encryptFile(c.botFileKey, data)
		if err != nil {
			t.Fatal(err)
		}
		f.robotFiles["/robotfile/named"] = enc
		f.disposition["/robotfile/named"] = tc.disposition
		want := tc.want
		if strings.Contains(tc.disposition, "MEDIA-N") {
			want = "MEDIA-N.xlsx" // only a media/get name is checked against the media id
		}
		buf.Reset()
		n, name, err = c.DownloadNamed(context.Background(), connectors.FileRef{Key: f.URL() + "/robotfile/named", Meta: map[string]string{metaSource: sourceBot}}, &buf, 1<<20)
		if err != nil || n != int64(len(data)) || !bytes.Equal(buf.Bytes(), data) || name != want {
			t.Errorf("robot file with %q: %d bytes, name %q, %v; want name %q", tc.disposition, n, name, err, want)
		}
	}
	// Errors give no name.
	f.disposition["missing"] = `attachment; filename="x.xlsx"`
	if _, name, err := c.DownloadNamed(context.Background(), connectors.FileRef{Key: "missing"}, &bytes.Buffer{}, 100); err == nil || name != "" {
		t.Fatalf("missing media: name %q, %v", name, err)
	}
	f.media["big"] = bytes.Repeat([]byte("x"), 101)
	f.disposition["big"] = `attachment; filename="big.xlsx"`
	if _, name, err := c.DownloadNamed(context.Background(), connectors.FileRef{Key: "big"}, &bytes.Buffer{}, 100); !errors.Is(err, connectors.ErrTooLarge) || name != "" {
		t.Fatalf("too large: name %q, %v", name, err)
	}
}

// TestEndToEndAppFileWithoutName: an app callback file message without FileName (only a MediaId)
// gives an event without a name; the download names it.
func TestEndToEndAppFileWithoutName(t *testing.T) {
	c, f, _ := fakeConnector(t)
	f.media["MEDIA-IN-2"] = []byte("PK\x03\x04 ledger")
	f.disposition["MEDIA-IN-2"] = `attachment; filename*=UTF-8''` + pctLedgerName
	rec := &recorder{}
	srv := httptest.NewServer(mux(c, rec.handle))
	defer srv.Close()
	plain := `<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName><FromUserName><![CDATA[zhangsan]]></FromUserName>` +
		`<CreateTime>1700000000</CreateTime><MsgType><![CDATA[file]]></MsgType><MediaId><![CDATA[MEDIA-IN-2]]></MediaId>` +
		`<MsgId>7000000000000000002</MsgId><AgentID>1000002</AgentID></xml>`
	q, body := sealApp(t, c.appCrypt, vCorpID, []byte(plain), "1700000000", "noname")
	resp, err := http.Post(srv.URL+AppCallbackPath+"?"+q, "text/xml", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	evs := rec.got()
	if resp.StatusCode != http.StatusOK || len(evs) != 1 || evs[0].File == nil || evs[0].File.Name != "" {
		t.Fatalf("status %d, events %+v", resp.StatusCode, evs)
	}
	_, name, err := c.DownloadNamed(context.Background(), *evs[0].File, &bytes.Buffer{}, 1<<20)
	if err != nil || name != "2026年第2季度脱贫户收入台账.xlsx" {
		t.Fatalf("download: name %q, %v", name, err)
	}
}
