package wecom

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"zengshou/connectors"
)

// fakeLongConn is a loopback smart-robot long-connection server speaking the frames of
// PLATFORMS.md §2.1: it acks subscribe/ping/send/upload frames with the same req_id, pushes
// one file message after a good subscribe, and can push disconnected_event.
type fakeLongConn struct {
	t      *testing.T
	srv    *httptest.Server
	botID  string
	secret string
	push   string // aibot_msg_callback body sent after subscribing

	mu       sync.Mutex
	frames   []map[string]any
	chunks   [][]byte
	conn     *websocket.Conn
	wmu      sync.Mutex
	subbed   chan struct{}
	subOnce  sync.Once
	authFail bool
	mute     bool           // do not answer pings
	echoCmd  bool           // acknowledgements carry the cmd of the frame they answer
	failNext map[string]int // cmd -> errcode answered once
}

func newFakeLongConn(t *testing.T, botID, secret, push string) *fakeLongConn {
	f := &fakeLongConn{t: t, botID: botID, secret: secret, push: push, subbed: make(chan struct{})}
	up := websocket.Upgrader{}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		f.mu.Lock()
		f.conn = conn
		f.mu.Unlock()
		defer conn.Close()
		for {
			var fr map[string]any
			if err := conn.ReadJSON(&fr); err != nil {
				return
			}
			f.handle(fr)
		}
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeLongConn) url() string { return "ws" + strings.TrimPrefix(f.srv.URL, "http") }

func (f *fakeLongConn) write(v any) {
	f.wmu.Lock()
	defer f.wmu.Unlock()
	f.mu.Lock()
	c := f.conn
	f.mu.Unlock()
	_ = c.WriteJSON(v)
}

func (f *fakeLongConn) handle(fr map[string]any) {
	f.mu.Lock()
	f.frames = append(f.frames, fr)
	f.mu.Unlock()
	reqID := fr["headers"].(map[string]any)["req_id"].(string)
	body, _ := fr["body"].(map[string]any)
	ack := map[string]any{"headers": map[string]string{"req_id": reqID}, "errcode": 0, "errmsg": "ok"}
	if f.echoCmd {
		ack["cmd"] = fr["cmd"]
	}
	f.mu.Lock()
	code := f.failNext[fmt.Sprint(fr["cmd"])]
	delete(f.failNext, fmt.Sprint(fr["cmd"]))
	f.mu.Unlock()
	if code != 0 {
		ack["errcode"], ack["errmsg"] = code, "fake failure"
		f.write(ack)
		return
	}
	switch fr["cmd"] {
	case "aibot_subscribe":
		if f.authFail || body["bot_id"] != f.botID || body["secret"] != f.secret {
			ack["errcode"], ack["errmsg"] = 40001, "invalid secret"
			f.write(ack)
			return
		}
		f.write(ack)
		f.write(map[string]any{"cmd": "aibot_msg_callback", "headers": map[string]string{"req_id": "REQ-CB-1"}, "body": json.RawMessage(f.push)})
		f.subOnce.Do(func() { close(f.subbed) })
	case "aibot_upload_media_init":
		ack["body"] = map[string]string{"upload_id": "UP-1"}
		f.write(ack)
	case "aibot_upload_media_chunk":
		data, _ := base64.StdEncoding.DecodeString(body["base64_data"].(string))
		f.mu.Lock()
		f.chunks = append(f.chunks, data)
		f.mu.Unlock()
		f.write(ack)
	case "aibot_upload_media_finish":
		ack["body"] = map[string]string{"media_id": "WS-MEDIA-1", "type": "file"}
		f.write(ack)
	case "ping":
		f.mu.Lock()
		mute := f.mute
		f.mu.Unlock()
		if !mute {
			f.write(ack)
		}
	default: // aibot_send_msg
		f.write(ack)
	}
}

func (f *fakeLongConn) sent(cmd string) []map[string]any {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []map[string]any
	for _, fr := range f.frames {
		if fr["cmd"] == cmd {
			out = append(out, fr)
		}
	}
	return out
}

func TestLongConnection(t *testing.T) {
	api := newFakeWeCom(t, vCorpID, "app-secret")
	fileKey := bytes.Repeat([]byte{9}, 32)
	workbook := []byte("PK\x03\x04 sent to the robot 1:1")
	enc, _ := encryptFile(fileKey, workbook)
	api.robotFiles["/robotfile/ws"] = enc
	push := `{"msgid":"WSMSG-1","aibotid":"BOT1","chattype":"single","from":{"userid":"zhaoliu"},"msgtype":"file",` +
		`"file":{"url":"` + api.URL() + `/robotfile/ws","aeskey":"` + base64.StdEncoding.EncodeToString(fileKey) + `"}}`
	ws := newFakeLongConn(t, "BOT1", "bot-secret", push)

	cfg := Config{Enabled: true, BotID: "BOT1", BotSecret: "bot-secret", BotWSURL: ws.url(), BaseURL: api.URL()}
	c := newTestConnector(t, cfg)
	rec := &recorder{}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- c.Receive(ctx, rec.handle) }()

	select {
	case <-ws.subbed:
	case <-time.After(5 * time.Second):
		t.Fatal("no subscribe")
	}
	var ev connectors.Event
	deadline := time.Now().Add(5 * time.Second)
	for {
		if evs := rec.got(); len(evs) == 1 {
			ev = evs[0]
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no event from the long connection")
		}
		time.Sleep(5 * time.Millisecond)
	}
	sub := ws.sent("aibot_subscribe")[0]["body"].(map[string]any)
	if sub["bot_id"] != "BOT1" || sub["secret"] != "bot-secret" {
		t.Fatalf("subscribe body %v", sub)
	}
	if ev.ID != "WSMSG-1" || ev.Kind != connectors.EventFile || ev.ChatID != "zhaoliu" || ev.Reply[replyVia] != viaBotWS || ev.Reply[replyReqID] != "REQ-CB-1" || !ev.Once {
		t.Fatalf("event %+v", ev)
	}
	var got bytes.Buffer
	if _, err := c.Download(ctx, *ev.File, &got, 1<<20); err != nil || !bytes.Equal(got.Bytes(), workbook) {
		t.Fatalf("download: %v %q", err, got.Bytes())
	}

	// 600 KiB is two chunks: 512 KiB + 88 KiB.
	out := bytes.Repeat([]byte("z"), 600<<10)
	for c.liveWS() == nil {
		time.Sleep(time.Millisecond)
	}
	if _, err := c.Send(ctx, connectors.Message{ChatID: ev.ChatID, Reply: ev.Reply, Text: "处理好了",
		File: &connectors.Attachment{Name: "结果.xlsx", Data: out}}); err != nil {
		t.Fatal(err)
	}
	sends := ws.sent("aibot_send_msg")
	if len(sends) != 2 {
		t.Fatalf("%d aibot_send_msg frames, want markdown + file", len(sends))
	}
	md, file := sends[0]["body"].(map[string]any), sends[1]["body"].(map[string]any)
	if md["chatid"] != "zhaoliu" || md["msgtype"] != "markdown" || md["markdown"].(map[string]any)["content"] != "处理好了" {
		t.Fatalf("markdown frame %v", md)
	}
	if file["msgtype"] != "file" || file["file"].(map[string]any)["media_id"] != "WS-MEDIA-1" {
		t.Fatalf("file frame %v", file)
	}
	init := ws.sent("aibot_upload_media_init")[0]["body"].(map[string]any)
	if init["total_chunks"] != float64(2) || init["total_size"] != float64(600<<10) || init["filename"] != "结果.xlsx" {
		t.Fatalf("init %v", init)
	}
	ws.mu.Lock()
	joined := bytes.Join(ws.chunks, nil)
	sizes := []int{len(ws.chunks[0]), len(ws.chunks[1])}
	ws.mu.Unlock()
	if !bytes.Equal(joined, out) || sizes[0] != 512<<10 || sizes[1] != 88<<10 {
		t.Fatalf("chunks %v", sizes)
	}

	// A newer connection took over: Receive ends with errTakenOver and does not reconnect.
	ws.write(map[string]any{"cmd": "aibot_event_callback", "headers": map[string]string{"req_id": "E1"},
		"body": map[string]any{"event": map[string]string{"eventtype": "disconnected_event"}}})
	select {
	case err := <-done:
		if !errors.Is(err, errTakenOver) {
			t.Fatalf("Receive = %v, want errTakenOver", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Receive did not stop on disconnected_event")
	}
	if n := len(ws.sent("aibot_subscribe")); n != 1 {
		t.Fatalf("%d subscribes, want 1 (no reconnect after a takeover)", n)
	}
}

func TestLongConnectionAuthFailure(t *testing.T) {
	ws := newFakeLongConn(t, "BOT1", "bot-secret", `{}`)
	c := newTestConnector(t, Config{Enabled: true, BotID: "BOT1", BotSecret: "wrong", BotWSURL: ws.url()})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := c.Receive(ctx, (&recorder{}).handle)
	var ce *connectors.Error
	if !errors.As(err, &ce) || !ce.Permanent || ce.Code != 40001 || !strings.Contains(ce.Hint, "bot_secret") {
		t.Fatalf("Receive = %v", err)
	}
	if strings.Contains(err.Error(), "wrong") {
		t.Fatalf("error leaks the secret: %v", err)
	}
}

func TestReceiveWithoutLongConnection(t *testing.T) {
	c := newTestConnector(t, testConfig("http://127.0.0.1:1"))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := c.Receive(ctx, (&recorder{}).handle); err != nil {
		t.Fatalf("Receive = %v", err)
	}
}

// TestLongConnectionHeartbeat: with pings answered the connection stays; after 2 unanswered
// pings (PLATFORMS.md §2.1 "2 missed acks ⇒ dead") the connector reconnects and subscribes again.
func TestLongConnectionHeartbeat(t *testing.T) {
	ws := newFakeLongConn(t, "BOT1", "bot-secret", `{"msgtype":"event"}`)
	c := newTestConnector(t, Config{Enabled: true, BotID: "BOT1", BotSecret: "bot-secret", BotWSURL: ws.url()})
	c.wsPing, c.wsAck = 10*time.Millisecond, 20*time.Millisecond
	s := &sleepRecorder{}
	c.sleep = s.sleep
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Receive(ctx, (&recorder{}).handle) }()
	<-ws.subbed
	// Answered pings: after 100 ms (10 intervals) still one subscription.
	time.Sleep(100 * time.Millisecond)
	if n := len(ws.sent("aibot_subscribe")); n != 1 || len(ws.sent("ping")) < 3 {
		t.Fatalf("%d subscribes, %d pings while pings are answered", n, len(ws.sent("ping")))
	}
	ws.mu.Lock()
	ws.mute = true
	ws.mu.Unlock()
	deadline := time.Now().Add(5 * time.Second)
	for len(ws.sent("aibot_subscribe")) < 2 {
		if time.Now().After(deadline) {
			t.Fatal("no reconnect after unanswered pings")
		}
		time.Sleep(5 * time.Millisecond)
	}
	// The first reconnect waits the initial backoff of 1 s (recorded, not slept).
	if got := s.got(); len(got) == 0 || got[0] != time.Second {
		t.Fatalf("backoff %v", got)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Receive after cancel = %v", err)
	}
}

// TestLongConnectionAcksWithCmd: WeCom's acknowledgements may carry a cmd (only subscribe and
// heartbeat answers are documented as possibly empty; WecomTeam/aibot-node-sdk src/types/api.ts
// WsFrame.cmd, src/ws.ts handleFrame matches every non-callback frame by req_id). Such acks must
// still complete the subscribe, the upload and the send instead of timing out.
func TestLongConnectionAcksWithCmd(t *testing.T) {
	ws := newFakeLongConn(t, "BOT1", "bot-secret", `{"msgtype":"event"}`)
	ws.echoCmd = true
	c := newTestConnector(t, Config{Enabled: true, BotID: "BOT1", BotSecret: "bot-secret", BotWSURL: ws.url()})
	c.wsAck = time.Second
	ctx, stop := receiving(t, c, "subscribe acknowledged with a cmd was not taken as success")
	defer stop()
	if _, err := c.Send(ctx, connectors.Message{ChatID: "wrGROUP", Reply: map[string]string{replyVia: viaBotWS}, Text: "好了",
		File: &connectors.Attachment{Name: "结果.xlsx", Data: []byte("PK\x03\x04 result")}}); err != nil {
		t.Fatalf("Send over the long connection: %v", err)
	}
	if n := len(ws.sent("aibot_send_msg")); n != 2 {
		t.Fatalf("%d aibot_send_msg frames, want markdown + file", n)
	}
	if n := len(ws.sent("aibot_subscribe")); n != 1 {
		t.Fatalf("%d subscribes, want 1", n)
	}
}

// TestLongConnectionRemindersWithoutApp: with only the smart robot's long connection configured
// (no self-built app), direct messages to users go out as aibot_send_msg with the userid as chatid
// (single chat, PLATFORMS.md §2.1), one per user, instead of failing for want of an app secret.
func TestLongConnectionRemindersWithoutApp(t *testing.T) {
	ws := newFakeLongConn(t, "BOT1", "bot-secret", `{"msgtype":"event"}`)
	c := newTestConnector(t, Config{Enabled: true, BotID: "BOT1", BotSecret: "bot-secret", BotWSURL: ws.url()})
	ctx, stop := receiving(t, c, "no long connection")
	defer stop()
	if _, err := c.Send(ctx, connectors.Message{Kind: "reminder", UserIDs: []string{"zhangsan", "lisi"}, Text: "请今天报送台账"}); err != nil {
		t.Fatalf("reminder without a self-built app: %v", err)
	}
	sends := ws.sent("aibot_send_msg")
	if len(sends) != 2 {
		t.Fatalf("%d aibot_send_msg frames, want one per user", len(sends))
	}
	for i, u := range []string{"zhangsan", "lisi"} {
		b := sends[i]["body"].(map[string]any)
		if b["chatid"] != u || b["msgtype"] != "markdown" {
			t.Fatalf("frame %d = %v", i, b)
		}
	}
}

// TestLongConnectionDownIsTransient: a reply that only the long connection can carry (a
// long-connection event, no self-built app) while the connection is down (reconnecting) must be
// retried later, not reported as a permanent failure for want of an app secret.
func TestLongConnectionDownIsTransient(t *testing.T) {
	c := newTestConnector(t, Config{Enabled: true, BotID: "BOT1", BotSecret: "bot-secret", BotWSURL: "ws://127.0.0.1:1"})
	reply := map[string]string{replyVia: viaBotWS, replyToUser: "zhaoliu", replyChatType: string(connectors.ChatDirect), replyReqID: "R1"}
	for _, m := range []connectors.Message{
		{ChatID: "zhaoliu", Reply: reply, Text: "处理好了", File: &connectors.Attachment{Name: "结果.xlsx", Data: []byte("PK\x03\x04")}},
		{UserIDs: []string{"zhaoliu"}, Text: "请今天报送台账"},
	} {
		_, err := c.Send(context.Background(), m)
		if err == nil || connectors.IsPermanent(err) || connectors.RetryAfter(err) <= 0 {
			t.Fatalf("send while the long connection is down: err = %v, want transient with RetryAfter", err)
		}
	}
}

// A reply whose file upload failed over the long connection after its text went out is
// retried with the same IdempotencyKey: the retry sends the file only.
func TestLongConnectionRetryDoesNotRepeatDeliveredParts(t *testing.T) {
	ws := newFakeLongConn(t, "BOT1", "bot-secret", `{"msgtype":"event"}`)
	ws.failNext = map[string]int{"aibot_upload_media_init": 45009}
	c := newTestConnector(t, Config{Enabled: true, BotID: "BOT1", BotSecret: "bot-secret", BotWSURL: ws.url()})
	ctx, stop := receiving(t, c, "no long connection")
	defer stop()
	reply := map[string]string{replyVia: viaBotWS, replyChatType: "group", replyReqID: "R1"}
	m := connectors.Message{ChatID: "wrGROUP", Reply: reply, Text: "处理完成", IdempotencyKey: "job-3-reply",
		File: &connectors.Attachment{Name: "结果.xlsx", Data: []byte("PK\x03\x04")}}
	if _, err := c.Send(ctx, m); connectors.RetryAfter(err) == 0 {
		t.Fatalf("first try: %v, want a rate limit", err)
	}
	if _, err := c.Send(ctx, m); err != nil {
		t.Fatal(err)
	}
	kinds := map[string]int{}
	for _, fr := range ws.sent("aibot_send_msg") {
		kinds[fr["body"].(map[string]any)["msgtype"].(string)]++
	}
	if kinds["markdown"] != 1 || kinds["file"] != 1 {
		t.Fatalf("aibot_send_msg frames %v, want the text and the file once each", kinds)
	}
}

// receiving runs c.Receive until stop and waits for its long connection (failing with msg when
// it does not come up in 5 s). stop cancels Receive and checks that it returned cleanly.
func receiving(t *testing.T, c *Connector, msg string) (ctx context.Context, stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Receive(ctx, (&recorder{}).handle) }()
	stopped := false
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Receive after cancel = %v", err)
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for c.liveWS() == nil {
		if time.Now().After(deadline) {
			stop()
			t.Fatal(msg)
		}
		time.Sleep(5 * time.Millisecond)
	}
	return ctx, stop
}
