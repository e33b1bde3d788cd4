package dingtalk

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"time"

	"zengshou/connectors"
)

// signWindow is how far the robot callback timestamp may be from now (§3.2).
const signWindow = time.Hour

// callbackHandler serves /callback/dingtalk: a robot callback (headers timestamp and sign) or,
// routed by its payload, an event-subscription callback (query signature and {"encrypt"}).
func (c *Connector) callbackHandler(h connectors.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		if r.Header.Get("sign") == "" && c.crypto != nil && eventSig(r) != "" {
			c.serveEvent(w, r)
			return
		}
		c.serveRobot(w, r, h)
	})
}

// serveRobot checks the robot signature before it reads the body, then parses the message
// and hands it to h. The answer is 200 once h has accepted the event.
func (c *Connector) serveRobot(w http.ResponseWriter, r *http.Request, h connectors.Handler) {
	if status := c.checkRobotSign(r.Header.Get("timestamp"), r.Header.Get("sign")); status != 0 {
		c.log.WithField("status", status).Warn("dingtalk: robot callback rejected (signature)")
		http.Error(w, http.StatusText(status), status)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxCallbackBody))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			http.Error(w, "body too large", http.StatusRequestEntityTooLarge)
			return
		}
		http.Error(w, "read body", http.StatusBadRequest)
		return
	}
	ev, err := parseMessage(body, c.now())
	if errors.Is(err, errIgnored) {
		c.log.WithError(err).Debug("dingtalk: robot message ignored")
		w.WriteHeader(http.StatusOK)
		return
	}
	if err != nil {
		c.log.WithError(err).Warn("dingtalk: robot callback malformed")
		http.Error(w, "bad message", http.StatusBadRequest)
		return
	}
	// DingTalk documents no redelivery of robot HTTP callbacks (PLATFORMS.md §3.6: assume at most
	// once): an event the store cannot take now must be kept by the service, not refused.
	ev.Once = true
	if err := h(r.Context(), ev); err != nil {
		c.logEvent(ev).WithError(err).Error("dingtalk: handler refused the event")
		http.Error(w, "not accepted", http.StatusInternalServerError)
		return
	}
	c.logEvent(ev).Info("dingtalk: event accepted (http)")
	w.WriteHeader(http.StatusOK)
}

// checkRobotSign returns 0 when sign is right and timestamp (ms) is within an hour of now,
// 401 for a missing or wrong sign, 403 for a stale or unreadable timestamp.
func (c *Connector) checkRobotSign(ts, sign string) int {
	if ts == "" || sign == "" {
		return http.StatusUnauthorized
	}
	ms, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return http.StatusForbidden
	}
	d := c.now().Sub(time.UnixMilli(ms))
	if d > signWindow || d < -signWindow {
		return http.StatusForbidden
	}
	if !verifyHMACSign(ts, sign, c.cfg.AppSecret) {
		return http.StatusUnauthorized
	}
	return 0
}

func eventSig(r *http.Request) string {
	q := r.URL.Query()
	if s := q.Get("msg_signature"); s != "" {
		return s
	}
	return q.Get("signature")
}

// eventReply is the encrypted answer DingTalk expects from an event callback.
type eventReply struct {
	MsgSignature string `json:"msg_signature"`
	TimeStamp    string `json:"timeStamp"`
	Nonce        string `json:"nonce"`
	Encrypt      string `json:"encrypt"`
}

// serveEvent serves the event-subscription callback: verify, decrypt, answer the encrypted
// "success" (for check_url and every other event). Bot messages do not come this way; events
// are only logged.
func (c *Connector) serveEvent(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if c.crypto == nil {
		http.NotFound(w, r)
		return
	}
	q := r.URL.Query()
	sig, nonce := eventSig(r), q.Get("nonce")
	ts := q.Get("timeStamp")
	if ts == "" {
		ts = q.Get("timestamp")
	}
	if sig == "" || nonce == "" || ts == "" {
		http.Error(w, "missing signature", http.StatusUnauthorized)
		return
	}
	var body struct {
		Encrypt string `json:"encrypt"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxCallbackBody)).Decode(&body); err != nil || body.Encrypt == "" {
		http.Error(w, "bad body", http.StatusBadRequest)
		return
	}
	plain, owner, err := c.crypto.Decrypt(sig, ts, nonce, body.Encrypt)
	if err != nil {
		status := http.StatusBadRequest
		if errors.Is(err, errCryptoSignature) || errors.Is(err, errCryptoOwner) {
			status = http.StatusUnauthorized
		}
		c.log.WithError(err).Warn("dingtalk: event callback rejected")
		http.Error(w, http.StatusText(status), status)
		return
	}
	var ev struct {
		EventType string `json:"EventType"`
	}
	_ = json.Unmarshal(plain, &ev)
	c.log.WithField("event_type", ev.EventType).Info("dingtalk: event callback")

	rts := strconv.FormatInt(c.now().UnixMilli(), 10)
	rnonce := randomNonce()
	// The answer carries the owner key the callback came with: with both corp_id and the AppKey
	// accepted, answering with the other one fails DingTalk's check of the encrypted "success".
	enc, rsig, err := c.crypto.EncryptFor(owner, []byte("success"), rts, rnonce)
	if err != nil {
		http.Error(w, "encrypt", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(eventReply{MsgSignature: rsig, TimeStamp: rts, Nonce: rnonce, Encrypt: enc})
}
