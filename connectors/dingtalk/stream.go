package dingtalk

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/url"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"zengshou/connectors"
)

// Stream protocol (developerpedia docs/learn/stream/protocol.md; PLATFORMS.md §3.1).
const (
	topicBotMessage = "/v1.0/im/bot/messages/get"
	frameSystem     = "SYSTEM"
	frameEvent      = "EVENT"
	frameCallback   = "CALLBACK"
	topicPing       = "ping"
	topicDisconnect = "disconnect"
	streamUA        = "zengshou-dingtalk/1.0"
	maxFrameBytes   = 1 << 20
)

// errDisconnect: the server announced it will close this connection; open a new one now.
var errDisconnect = errors.New("stream: server asked to reconnect")

type streamFrame struct {
	SpecVersion string         `json:"specVersion"`
	Type        string         `json:"type"`
	Headers     *streamHeaders `json:"headers"`
	Header      *streamHeaders `json:"header"` // one doc example spells it so
	Data        string         `json:"data"`
}

type streamHeaders struct {
	Topic       string  `json:"topic"`
	MessageID   string  `json:"messageId"`
	ContentType string  `json:"contentType"`
	Time        flexInt `json:"time"`
}

func (f streamFrame) headers() streamHeaders {
	switch {
	case f.Headers != nil:
		return *f.Headers
	case f.Header != nil:
		return *f.Header
	}
	return streamHeaders{}
}

type streamAck struct {
	Code    int               `json:"code"`
	Headers map[string]string `json:"headers"`
	Message string            `json:"message"`
	Data    string            `json:"data"`
}

func ack(messageID string, code int, message, data string) streamAck {
	return streamAck{Code: code, Message: message, Data: data,
		Headers: map[string]string{"messageId": messageID, "contentType": "application/json"}}
}

// runStream keeps a Stream connection until ctx ends, reconnecting with exponential backoff
// (immediately after a server "disconnect").
func (c *Connector) runStream(ctx context.Context, h connectors.Handler) error {
	backoff := c.backoffMin
	for {
		start := time.Now()
		err := c.streamOnce(ctx, h)
		if ctx.Err() != nil {
			return nil
		}
		if errors.Is(err, errDisconnect) {
			c.log.Info("dingtalk: stream reconnecting after server disconnect")
			backoff = c.backoffMin
			continue
		}
		if time.Since(start) > 2*time.Minute {
			backoff = c.backoffMin // the connection was healthy for a while
		}
		wait := backoff/2 + rand.N(backoff/2+1) // jitter: several instances don't reconnect in step
		entry := c.log.WithError(err).WithField("retry_in", wait.String())
		if connectors.IsPermanent(err) {
			entry.Error("dingtalk: stream connection refused; check the app credentials and Stream mode")
		} else {
			entry.Warn("dingtalk: stream connection lost")
		}
		if c.sleep(ctx, wait) != nil {
			return nil
		}
		backoff = min(backoff*2, c.backoffMax)
	}
}

// openStream registers a connection and returns the WebSocket URL with its single-use ticket.
func (c *Connector) openStream(ctx context.Context) (string, error) {
	resp, err := c.rc.R().SetContext(ctx).
		SetHeader("Content-Type", "application/json").
		SetBody(map[string]any{
			"clientId":      c.cfg.AppKey,
			"clientSecret":  c.cfg.AppSecret,
			"subscriptions": []map[string]string{{"type": frameCallback, "topic": topicBotMessage}},
			"ua":            streamUA,
		}).
		Post(c.cfg.BaseURL + "/v1.0/gateway/connections/open")
	if err != nil {
		return "", scrub("open stream", err)
	}
	if resp.StatusCode() >= 400 {
		return "", fmt.Errorf("open stream: %w", apiError("stream open", resp.StatusCode(), resp.Header(), resp.Body()))
	}
	var out struct {
		Endpoint string `json:"endpoint"`
		Ticket   string `json:"ticket"`
	}
	if err := json.Unmarshal(resp.Body(), &out); err != nil {
		return "", fmt.Errorf("open stream: decode: %w", err)
	}
	u, err := url.Parse(out.Endpoint)
	if err != nil || (u.Scheme != "wss" && u.Scheme != "ws") || u.Host == "" || out.Ticket == "" {
		return "", errors.New("open stream: no endpoint or ticket in the answer")
	}
	q := u.Query()
	q.Set("ticket", out.Ticket)
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// streamConn is one WebSocket connection; writes are serialised.
type streamConn struct {
	ws *websocket.Conn
	mu sync.Mutex
}

func (s *streamConn) write(v any) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	_ = s.ws.SetWriteDeadline(time.Now().Add(10 * time.Second))
	if err := s.ws.WriteJSON(v); err != nil {
		return fmt.Errorf("write frame: %w", err)
	}
	return nil
}

func (s *streamConn) ping() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.ws.WriteControl(websocket.PingMessage, nil, time.Now().Add(10*time.Second)); err != nil {
		return fmt.Errorf("write ping: %w", err)
	}
	return nil
}

// streamOnce opens one connection and serves it until it breaks, the server says
// "disconnect", or ctx ends.
func (c *Connector) streamOnce(ctx context.Context, h connectors.Handler) error {
	wsURL, err := c.openStream(ctx)
	if err != nil {
		return err
	}
	dialer := websocket.Dialer{HandshakeTimeout: 15 * time.Second, Proxy: websocket.DefaultDialer.Proxy}
	ws, resp, err := dialer.DialContext(ctx, wsURL, nil)
	if resp != nil && resp.Body != nil {
		resp.Body.Close()
	}
	if err != nil {
		return fmt.Errorf("dial stream: %w", err) // gorilla errors carry no URL (the ticket)
	}
	ws.SetReadLimit(maxFrameBytes)
	conn := &streamConn{ws: ws}
	c.log.Info("dingtalk: stream connected")

	var wg sync.WaitGroup
	done := make(chan struct{})
	defer func() {
		close(done)
		wg.Wait() // in-flight callbacks ACK before the connection closes
		ws.Close()
	}()

	// Keepalive: a WebSocket ping every c.keepalive; a connection silent for 3 intervals is dead.
	deadline := func() { _ = ws.SetReadDeadline(time.Now().Add(3 * c.keepalive)) }
	deadline()
	ws.SetPongHandler(func(string) error { deadline(); return nil })
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(c.keepalive)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				_ = ws.Close() // unblocks ReadMessage
				return
			case <-t.C:
				if err := conn.ping(); err != nil {
					_ = ws.Close()
					return
				}
			}
		}
	}()

	for {
		_, data, err := ws.ReadMessage()
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return fmt.Errorf("read stream: %w", err)
		}
		deadline()
		var f streamFrame
		if err := json.Unmarshal(data, &f); err != nil {
			c.log.WithError(err).Warn("dingtalk: stream frame unreadable")
			continue
		}
		hd := f.headers()
		switch f.Type {
		case frameSystem:
			switch hd.Topic {
			case topicPing:
				if err := conn.write(ack(hd.MessageID, 200, "OK", f.Data)); err != nil {
					return err
				}
			case topicDisconnect:
				// ACK the command before closing, as the official SDK does (open-dingtalk/
				// dingtalk-stream-sdk-go v0.9.2-beta.1 client/client.go processDataFrame: an
				// unacknowledged disconnect is sent again by the server). Then reconnect.
				if err := conn.write(ack(hd.MessageID, 200, "OK", "")); err != nil {
					c.log.WithError(err).Debug("dingtalk: stream disconnect ACK failed")
				}
				return errDisconnect
			default:
				c.log.WithField("topic", hd.Topic).Debug("dingtalk: stream system frame ignored")
			}
		case frameCallback:
			wg.Add(1)
			go func() {
				defer wg.Done()
				c.serveStreamCallback(ctx, conn, hd, f.Data, h)
			}()
		case frameEvent:
			// Not subscribed; acknowledge so that it is not redelivered.
			if err := conn.write(ack(hd.MessageID, 200, "OK", `{"status":"SUCCESS","message":"success"}`)); err != nil {
				return err
			}
		default:
			c.log.WithField("type", f.Type).Debug("dingtalk: stream frame ignored")
		}
	}
}

// serveStreamCallback handles a CALLBACK frame and ACKs it once the handler has accepted the
// event (bot messages are not redelivered; the ACK is for diagnosis).
func (c *Connector) serveStreamCallback(ctx context.Context, conn *streamConn, hd streamHeaders, data string, h connectors.Handler) {
	defer func() {
		if p := recover(); p != nil {
			c.log.WithField("panic", fmt.Sprint(p)).Error("dingtalk: stream callback panicked")
			_ = conn.write(ack(hd.MessageID, 500, "internal error", `{"response":null}`))
		}
	}()
	if hd.Topic != topicBotMessage {
		_ = conn.write(ack(hd.MessageID, 404, "topic not found", `{"response":null}`))
		return
	}
	ev, err := parseMessage([]byte(data), c.now())
	switch {
	case errors.Is(err, errIgnored):
		c.log.WithError(err).Debug("dingtalk: robot message ignored")
	case err != nil:
		c.log.WithError(err).Warn("dingtalk: stream message malformed")
	default:
		ev.Once = true // a refused stream message is not pushed again
		if err := h(ctx, ev); err != nil {
			c.logEvent(ev).WithError(err).Error("dingtalk: handler refused the event")
			_ = conn.write(ack(hd.MessageID, 500, "internal error", `{"response":null}`))
			return
		}
		c.logEvent(ev).Info("dingtalk: event accepted (stream)")
	}
	if err := conn.write(ack(hd.MessageID, 200, "OK", `{"response":null}`)); err != nil {
		c.log.WithError(err).Warn("dingtalk: stream ACK failed")
	}
}
