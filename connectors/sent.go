package connectors

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"sync"
	"time"
)

// SentParts remembers which parts of an idempotent message (Message.IdempotencyKey) a connector
// has already delivered, so that a Send retried after a part failed sends only what is missing.
// It is for routes the platform cannot deduplicate itself (DingTalk robot messages and webhooks,
// WeCom group robots, appchat and the smart robot's long connection): without it, a reply whose
// file upload hit a rate limit after its text went out showed the text again on every retry.
// A part is identified by its name and its content: a different message sent under a key
// already used (the bot answers a failed reply with an error text under the reply's key) is
// delivered, only a repeat of the same content is skipped. It lives in memory; a message
// without an IdempotencyKey is never skipped.
type SentParts struct {
	TTL time.Duration    // how long a delivered part is remembered; 24 h when zero
	Now func() time.Time // time.Now when nil

	mu    sync.Mutex
	parts map[string]time.Time
	swept time.Time
}

// Done reports whether part, with this content, of the message with this key was delivered
// within TTL.
func (s *SentParts) Done(key, part string, content ...[]byte) bool {
	if key == "" {
		return false
	}
	id := partID(key, part, content)
	s.mu.Lock()
	defer s.mu.Unlock()
	at, ok := s.parts[id]
	return ok && s.now().Sub(at) < s.ttl()
}

// Mark records that part, with this content, of the message with this key was delivered.
func (s *SentParts) Mark(key, part string, content ...[]byte) {
	if key == "" {
		return
	}
	id := partID(key, part, content)
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

// partID names a part by key, name and a digest of its content.
func partID(key, part string, content [][]byte) string {
	h := sha256.New()
	for _, c := range content {
		var n [8]byte
		binary.LittleEndian.PutUint64(n[:], uint64(len(c)))
		h.Write(n[:])
		h.Write(c)
	}
	return key + "\x00" + part + "\x00" + hex.EncodeToString(h.Sum(nil)[:16])
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
	return 24 * time.Hour
}
