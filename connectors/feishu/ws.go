package feishu

import (
	"context"
	"encoding/json"
	"fmt"

	larkcore "github.com/larksuite/oapi-sdk-go/v3/core"
	larkevent "github.com/larksuite/oapi-sdk-go/v3/event"
	"github.com/larksuite/oapi-sdk-go/v3/event/dispatcher"
	larkws "github.com/larksuite/oapi-sdk-go/v3/ws"

	"zengshou/config/redact"
	"zengshou/connectors"
)

// Receive implements connectors.Connector. In websocket mode it holds the long connection
// (PLATFORMS.md §1.1) through the official SDK's ws package — protobuf frames, fragment
// reassembly, ping and reconnect as configured by the server — until ctx ends. The SDK ACKs a
// frame after our handler returns and answers code 500 when it returns an error, so Feishu
// redelivers exactly as with an HTTP 500. In webhook mode it returns nil at once.
func (c *Connector) Receive(ctx context.Context, h connectors.Handler) error {
	if c.cfg.Mode != "websocket" {
		return nil
	}
	d := dispatcher.NewEventDispatcher("", "") // no token or key: the connection is authenticated at dial
	d.InitConfig(larkevent.WithLogger(sdkLogger{c}), larkevent.WithLogLevel(larkcore.LogLevelInfo))
	d.OnCustomizedEvent(eventReceiveMessage, func(ctx context.Context, req *larkevent.EventReq) error {
		return c.handleFrame(ctx, req.Body, h)
	})
	cli := larkws.NewClient(c.cfg.AppID, c.cfg.AppSecret,
		larkws.WithEventHandler(d),
		larkws.WithDomain(c.cfg.BaseURL),
		larkws.WithHttpClient(c.hc),
		larkws.WithLogger(sdkLogger{c}),
		larkws.WithLogLevel(larkcore.LogLevelInfo),
	)
	c.log.Info("feishu long connection starting")
	err := cli.Start(ctx)
	if ctx.Err() != nil {
		return nil
	}
	if err != nil {
		return fmt.Errorf("run feishu long connection: %w", err)
	}
	return nil
}

// handleFrame turns one long-connection event payload (plain JSON, schema 2.0) into an Event.
func (c *Connector) handleFrame(ctx context.Context, payload []byte, h connectors.Handler) error {
	var env envelope
	if err := json.Unmarshal(payload, &env); err != nil {
		c.log.Warn("feishu long-connection event is not JSON; ignored")
		return nil
	}
	ev, ok, err := c.toEvent(ctx, &env)
	if err != nil {
		c.log.WithError(err).WithField("event_id", env.Header.EventID).Warn("feishu event ignored")
		return nil
	}
	if !ok {
		return nil
	}
	if err := h(ctx, ev); err != nil {
		c.log.WithField("error", redact.Text(err.Error())).WithField("message_id", ev.ID).Error("feishu event not accepted; Feishu will redeliver")
		return fmt.Errorf("accept event: %w", err)
	}
	return nil
}

// sdkLogger routes the SDK's log lines to ours. Debug is dropped: at that level the SDK prints
// whole event payloads (names, file names). The rest is masked with redact.Text.
type sdkLogger struct{ c *Connector }

func (s sdkLogger) Debug(context.Context, ...any) {}
func (s sdkLogger) Info(_ context.Context, args ...any) {
	s.c.log.Info(redact.Text(fmt.Sprint(args...)))
}
func (s sdkLogger) Warn(_ context.Context, args ...any) {
	s.c.log.Warn(redact.Text(fmt.Sprint(args...)))
}
func (s sdkLogger) Error(_ context.Context, args ...any) {
	s.c.log.Error(redact.Text(fmt.Sprint(args...)))
}
