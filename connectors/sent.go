package connectors

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"sync"
	"time"
)

// PartLog records which parts of an idempotent message (Message.IdempotencyKey) a connector has
// already delivered, so that a Send retried after a part failed sends only what is missing. It
// is for routes the platform cannot deduplicate itself (DingTalk robot messages and webhooks,
// WeCom group robots, appchat and the smart robot's long connection, Feishu beyond its 1 h
// uuid window): without it, a reply whose file upload hit a rate limit after its text went out
// showed the text again on every retry.
//
// A part is identified by its name and its content: a different message sent under a key
// already used (the bot answers a failed reply with an error text under the reply's key) is
// delivered, only a repeat of the same content is skipped. A message without an IdempotencyKey
// is never skipped: Done is false and Mark does nothing for key "".
//
// SentParts, in memory, is what a connector uses when it is given none; the service passes one
// kept in its database, so that a job retried after a crash or restart does not repeat the parts
// delivered before it. An implementation that cannot tell (its storage fails) answers false:
// a part sent twice is better than a part never sent. Implementations are safe for concurrent use.
type PartLog interface {
	// Done reports whether part, with this content, of the message with this key was delivered
	// within the log's time to live.
	Done(key, part string, content ...[]byte) bool
	// Mark records that part, with this content, of the message with this key was delivered.
	Mark(key, part string, content ...[]byte)
}

// DefaultPartTTL is how long a delivered part is remembered unless a PartLog says otherwise:
// longer than the bot retries a job.
const DefaultPartTTL = 24 * time.Hour

// PartID names a part of a message by a digest of its key, its name and its content: a fixed-size
// hex string that can be stored without storing the message (a part name can carry a chat id,
// the content names and figures). It is "" when key is "".
func PartID(key, part string, content ...[]byte) string {
	if key == "" {
		return ""
	}
	h := sha256.New()
	field := func(b []byte) {
		var n [8]byte
		binary.LittleEndian.PutUint64(n[:], uint64(len(b)))
		h.Write(n[:])
		h.Write(b)
	}
	field([]byte(key))
	field([]byte(part))
	for _, c := range content {
		field(c)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// SentParts is a PartLog in memory: it is lost when the process ends.
type SentParts struct {
	TTL time.Duration    // how long a delivered part is remembered; DefaultPartTTL when zero
	Now func() time.Time // time.Now when nil

	mu    sync.Mutex
	parts map[string]time.Time
	swept time.Time
}

var _ PartLog = (*SentParts)(nil)

// Done implements PartLog.
func (s *SentParts) Done(key, part string, content ...[]byte) bool {
	id := PartID(key, part, content...)
	if id == "" {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	at, ok := s.parts[id]
	return ok && s.now().Sub(at) < s.ttl()
}

// Mark implements PartLog.
func (s *SentParts) Mark(key, part string, content ...[]byte) {
	id := PartID(key, part, content...)
	if id == "" {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	if s.parts == nil {
		s.parts = map[string]time.Time{}
	}
	if now.Sub(s.swept) > time.Hour {
		for k, at := range s.parts {
			if now.Sub(at) >= s.ttl() {
				delete(s.parts, k)
			}
		}
		s.swept = now
	}
	s.parts[id] = now
}

func (s *SentParts) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *SentParts) ttl() time.Duration {
	if s.TTL > 0 {
		return s.TTL
	}
	return DefaultPartTTL
}
