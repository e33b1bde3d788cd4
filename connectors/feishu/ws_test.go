package feishu

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	larkws "github.com/larksuite/oapi-sdk-go/v3/ws"

	"zengshou/connectors"
)

// fakeWS is the long-connection side of Feishu (PLATFORMS.md §1.1): POST /callback/ws/endpoint
// hands out a ws URL, the socket carries protobuf frames (encoded here with the SDK's own Frame
// type), method 1 = data, headers type/message_id/sum/seq/trace_id, and the client ACKs with the
// same frame carrying {"code":200|500}.
type fakeWS struct {
	srv     *httptest.Server
	payload []byte
	acks    chan int
	appID   string
}

func newFakeWS(t *testing.T, payload []byte) *fakeWS {
	f := &fakeWS{payload: payload, acks: make(chan int, 4)}
	up := websocket.Upgrader{}
	mux := http.NewServeMux()
	mux.HandleFunc("/callback/ws/endpoint", func(w http.ResponseWriter, r *http.Request) {
		var in struct{ AppID, AppSecret string }
		_ = json.NewDecoder(r.Body).Decode(&in)
		f.appID = in.AppID
		url := "ws" + strings.TrimPrefix(f.srv.URL, "http") + "/ws?device_id=dev1&service_id=1"
		// PingInterval 120 s and no reconnects: nothing but our frame happens during the test.
		_ = json.NewEncoder(w).Encode(map[string]any{"code": 0, "data": map[string]any{"URL": url,
			"ClientConfig": map[string]int{"ReconnectCount": 0, "ReconnectInterval": 120, "ReconnectNonce": 0, "PingInterval": 120}}})
	})
	mux.HandleFunc("/ws", func(w http.ResponseWriter, r *http.Request) {
		conn, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer conn.Close()
		frame := larkws.Frame{SeqID: 1, LogID: 1, Service: 1, Method: int32(larkws.FrameTypeData),
			Headers: []larkws.Header{{Key: "type", Value: "event"}, {Key: "message_id", Value: "ws-msg-1"},
				{Key: "sum", Value: "1"}, {Key: "seq", Value: "0"}, {Key: "trace_id", Value: "trace-1"}},
			Payload: f.payload}
		b, _ := frame.Marshal()
		if err := conn.WriteMessage(websocket.BinaryMessage, b); err != nil {
			return
		}
		for {
			_, msg, err := conn.ReadMessage()
			if err != nil {
				return
			}
			var ack larkws.Frame
			if ack.Unmarshal(msg) != nil || ack.Method != int32(larkws.FrameTypeData) {
				continue // pings
			}
			var resp struct {
				Code int `json:"code"`
			}
			_ = json.Unmarshal(ack.Payload, &resp)
			f.acks <- resp.Code
		}
	})
	f.srv = httptest.NewServer(mux)
	t.Cleanup(f.srv.Close)
	return f
}

func TestReceiveLongConnection(t *testing.T) {
	for _, tc := range []struct {
		name    string
		err     error
		wantAck int
	}{{"accepted → ACK 200", nil, 200}, {"handler error → 500, Feishu redelivers", context.DeadlineExceeded, 500}} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeWS(t, fixture(t, "im_message_receive_file_group.json"))
			c, err := New(Config{AppID: "cli_ws", AppSecret: "s", Mode: "websocket", BaseURL: f.srv.URL}, Options{HTTPClient: f.srv.Client()})
			if err != nil {
				t.Fatal(err)
			}
			r := recorder{err: tc.err}
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() { done <- c.Receive(ctx, r.handle) }()
			select {
			case code := <-f.acks:
				if code != tc.wantAck {
					t.Fatalf("ack code %d, want %d", code, tc.wantAck)
				}
			case <-time.After(10 * time.Second): // generous: the SDK connects to loopback in ms
				t.Fatal("no ACK from the long connection")
			}
			evs := r.got()
			if len(evs) != 1 || evs[0].Kind != connectors.EventFile || evs[0].File.Key != "file_v2_test" || evs[0].ID != "om_file_1" {
				t.Fatalf("events %+v", evs)
			}
			if f.appID != "cli_ws" {
				t.Fatalf("endpoint saw app id %q", f.appID)
			}
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Fatalf("Receive after cancel: %v", err)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("Receive did not return after ctx ended")
			}
		})
	}
}
