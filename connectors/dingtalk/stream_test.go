package dingtalk

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"zengshou/connectors"
)

// fakeStream adds the Stream gateway to a fakeDingTalk: connections/open and a WebSocket
// endpoint that runs script on each connection (1-based number).
type fakeStream struct {
	t       *testing.T
	f       *fakeDingTalk
	mu      sync.Mutex
	opens   int
	tickets map[string]bool // issued, not yet used
	script  func(n int, ws *websocket.Conn)
	conns   int
}

func newFakeStream(t *testing.T, script func(n int, ws *websocket.Conn)) *fakeStream {
	s := &fakeStream{t: t, tickets: map[string]bool{}, script: script}
	s.f = newFake(t)
	// The fake's mux is closed over in its server; wrap the handler.
	inner := s.f.srv.Config.Handler
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1.0/gateway/connections/open", s.open)
	mux.HandleFunc("GET /connect", s.connect)
	mux.Handle("/", inner)
	s.f.srv.Config.Handler = mux
	return s
}

func (s *fakeStream) open(w http.ResponseWriter, r *http.Request) {
	var in struct {
		ClientID, ClientSecret string
		Subscriptions          []struct{ Type, Topic string }
	}
	_ = json.NewDecoder(r.Body).Decode(&in)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.opens++
	if in.ClientID != testAppKey || in.ClientSecret != s.f.secret {
		s.f.json(w, 401, map[string]string{"code": "invalidClientIdOrSecret", "message": "无效的clientId或者clientSecret"})
		return
	}
	if len(in.Subscriptions) != 1 || in.Subscriptions[0].Type != "CALLBACK" || in.Subscriptions[0].Topic != "/v1.0/im/bot/messages/get" {
		s.t.Errorf("subscriptions = %+v", in.Subscriptions)
	}
	ticket := fmt.Sprintf("ticket-%d", s.opens)
	s.tickets[ticket] = true
	s.f.json(w, 200, map[string]string{"endpoint": "ws" + strings.TrimPrefix(s.f.srv.URL, "http") + "/connect", "ticket": ticket})
}

func (s *fakeStream) connect(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	ticket := r.URL.Query().Get("ticket")
	ok := s.tickets[ticket]
	delete(s.tickets, ticket) // single use
	s.conns++
	n := s.conns
	s.mu.Unlock()
	if !ok {
		http.Error(w, "bad ticket", 401)
		return
	}
	ws, err := (&websocket.Upgrader{}).Upgrade(w, r, nil)
	if err != nil {
		return
	}
	defer ws.Close()
	s.script(n, ws)
}

func frame(typ, topic, messageID, data string) map[string]any {
	return map[string]any{"specVersion": "1.0", "type": typ, "data": data,
		"headers": map[string]any{"topic": topic, "messageId": messageID, "contentType": "application/json", "time": "1700000000000"}}
}

func readAck(t *testing.T, ws *websocket.Conn) streamAck {
	t.Helper()
	_ = ws.SetReadDeadline(time.Now().Add(10 * time.Second))
	var a streamAck
	if err := ws.ReadJSON(&a); err != nil {
		t.Errorf("read ack: %v", err)
	}
	return a
}

// Stream end to end: a CALLBACK with a 1:1 file message is handled (download + file reply at
// the fake) and ACKed with its messageId; a ping is answered with its opaque; other topics get
// 404; events get SUCCESS; "disconnect" is ACKed, then the client opens a new connection with
// a new ticket.
func TestStreamEndToEnd(t *testing.T) {
	ledger := []byte("stream ledger")
	second := make(chan struct{})
	firstDone := make(chan struct{})
	var acks sync.Map
	var fs *fakeStream
	fs = newFakeStream(t, func(n int, ws *websocket.Conn) {
		if n > 1 {
			select { // the first connection's checks finish before the test goes on
			case <-firstDone:
			case <-time.After(10 * time.Second):
			}
			close(second)
			_ = ws.SetReadDeadline(time.Now().Add(10 * time.Second))
			_, _, _ = ws.ReadMessage() // hold until the client goes away
			return
		}
		defer close(firstDone)
		data := string(payload(t, "file_single.json", fs.f.srv.URL))
		steps := []struct {
			frame map[string]any
			id    string
		}{
			{frame("CALLBACK", "/v1.0/im/bot/messages/get", "mid-cb-1", data), "mid-cb-1"},
			{frame("SYSTEM", "ping", "mid-ping-1", `{"opaque":"op-123"}`), "mid-ping-1"},
			{frame("CALLBACK", "/v1.0/card/instances/callback", "mid-card-1", `{}`), "mid-card-1"},
			{frame("EVENT", "*", "mid-ev-1", `{"userId":["u1"]}`), "mid-ev-1"},
		}
		for _, st := range steps {
			if err := ws.WriteJSON(st.frame); err != nil {
				t.Errorf("write: %v", err)
				return
			}
			a := readAck(t, ws)
			if a.Headers["messageId"] != st.id {
				t.Errorf("ack for %s has messageId %q", st.id, a.Headers["messageId"])
			}
			acks.Store(st.id, a)
		}
		// disconnect is ACKed like any frame (the official SDK does; the server repeats an
		// unacknowledged one), then the client closes and reconnects.
		_ = ws.WriteJSON(frame("SYSTEM", "disconnect", "mid-disc-1", `{"reason":"connection is expired"}`))
		acks.Store("mid-disc-1", readAck(t, ws))
		_ = ws.SetReadDeadline(time.Now().Add(10 * time.Second))
		if _, _, err := ws.ReadMessage(); err == nil {
			t.Error("client sent something after the disconnect ACK instead of closing")
		}
	})
	fs.f.files["dlcodeSingle0001=="] = ledger
	c, logs := newTestConnector(t, fs.f, ModeStream, nil)
	c.backoffMin = 10 * time.Millisecond

	var events []connectors.Event
	var mu sync.Mutex
	h := func(ctx context.Context, ev connectors.Event) error {
		var buf bytes.Buffer
		if _, err := c.Download(ctx, *ev.File, &buf, 1<<20); err != nil || !bytes.Equal(buf.Bytes(), ledger) {
			return fmt.Errorf("download: %v %q", err, buf.Bytes())
		}
		if _, err := c.Send(ctx, connectors.Message{ChatID: ev.ChatID, Reply: ev.Reply,
			File: &connectors.Attachment{Name: "结果.xlsx", Data: []byte("result")}}); err != nil {
			return err
		}
		mu.Lock()
		events = append(events, ev)
		mu.Unlock()
		return nil
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- c.Receive(ctx, h) }()
	select {
	case <-second:
	case <-time.After(10 * time.Second):
		t.Fatal("no reconnection after disconnect")
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Receive = %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Receive did not return after cancel")
	}

	mu.Lock()
	defer mu.Unlock()
	if len(events) != 1 || events[0].ID != "msgFileSingle0001==" || events[0].Kind != connectors.EventFile || !events[0].Once {
		t.Fatalf("events = %+v", events)
	}
	want := map[string]struct {
		code int
		data string
	}{
		"mid-cb-1":   {200, `{"response":null}`},
		"mid-ping-1": {200, `{"opaque":"op-123"}`},
		"mid-card-1": {404, `{"response":null}`},
		"mid-ev-1":   {200, `{"status":"SUCCESS","message":"success"}`},
		"mid-disc-1": {200, ""},
	}
	for id, w := range want {
		v, ok := acks.Load(id)
		if !ok {
			t.Errorf("no ack for %s", id)
			continue
		}
		if a := v.(streamAck); a.Code != w.code || a.Data != w.data || a.Headers["contentType"] != "application/json" {
			t.Errorf("ack %s = %+v", id, a)
		}
	}
	msgs := fs.f.sentMessages()
	if len(msgs) != 1 || msgs[0].Path != "/v1.0/robot/oToMessages/batchSend" || msgs[0].Body["msgKey"] != "sampleFile" {
		t.Fatalf("replies = %+v", msgs)
	}
	fs.mu.Lock()
	if fs.opens != 2 || fs.conns != 2 {
		t.Errorf("%d opens, %d connections, want 2 and 2", fs.opens, fs.conns)
	}
	fs.mu.Unlock()
	checkLogs(t, logs)
}

// A refused connections/open is retried with exponential backoff (1 s, 2 s, 4 s, each with
// jitter into [b/2, b]) until ctx ends.
func TestStreamBackoff(t *testing.T) {
	fs := newFakeStream(t, func(int, *websocket.Conn) {})
	fs.f.secret = "another secret"
	c, logs := newTestConnector(t, fs.f, ModeStream, nil)
	ctx, cancel := context.WithCancel(context.Background())
	var waits []time.Duration
	c.sleep = func(_ context.Context, d time.Duration) error {
		waits = append(waits, d)
		if len(waits) == 3 {
			cancel()
			return context.Canceled
		}
		return nil
	}
	if err := c.Receive(ctx, nil); err != nil {
		t.Fatalf("Receive = %v", err)
	}
	for i, b := range []time.Duration{time.Second, 2 * time.Second, 4 * time.Second} {
		if waits[i] < b/2 || waits[i] > b {
			t.Errorf("wait %d = %v, want within [%v, %v]", i, waits[i], b/2, b)
		}
	}
	if !strings.Contains(logs.String(), "Stream") || strings.Contains(logs.String(), testAppSecret) {
		t.Errorf("logs: %s", logs.String())
	}
}

// A handler that refuses the event gets a 500 ACK (the message is not lost silently: the bot
// logged it); the connection stays up.
func TestStreamHandlerRefusal(t *testing.T) {
	got := make(chan streamAck, 1)
	var fs *fakeStream
	fs = newFakeStream(t, func(n int, ws *websocket.Conn) {
		if n > 1 {
			return
		}
		_ = ws.WriteJSON(frame("CALLBACK", "/v1.0/im/bot/messages/get", "mid-x", string(payload(t, "text_group.json", fs.f.srv.URL))))
		got <- readAck(t, ws)
		_ = ws.SetReadDeadline(time.Now().Add(10 * time.Second))
		_, _, _ = ws.ReadMessage()
	})
	c, _ := newTestConnector(t, fs.f, ModeStream, nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- c.Receive(ctx, func(context.Context, connectors.Event) error { return fmt.Errorf("queue full") })
	}()
	select {
	case a := <-got:
		if a.Code != 500 || a.Headers["messageId"] != "mid-x" {
			t.Errorf("ack = %+v", a)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no ack")
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
