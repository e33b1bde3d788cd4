package dingtalk

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strings"
)

// hmacSign is the DingTalk HMAC signature shared by the robot HTTP callback (key = appSecret)
// and custom webhook robots (key = the "SEC…" secret):
// base64(HMAC-SHA256(key = secret, msg = timestamp + "\n" + secret)).
func hmacSign(timestamp, secret string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(timestamp + "\n" + secret))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// verifyHMACSign compares a received sign with the expected one in constant time.
func verifyHMACSign(timestamp, sign, secret string) bool {
	want := hmacSign(timestamp, secret)
	return subtle.ConstantTimeCompare([]byte(want), []byte(sign)) == 1
}

// signWebhookURL appends &timestamp=…&sign=… (URL-encoded) to a custom robot webhook URL.
func signWebhookURL(raw, secret, timestamp string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("parse webhook url: %w", err)
	}
	if secret == "" {
		return u.String(), nil
	}
	q := u.Query()
	q.Set("timestamp", timestamp)
	q.Set("sign", hmacSign(timestamp, secret))
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// eventCrypto is the event-subscription callback crypto (same scheme as WeCom's WXBizMsgCrypt):
// AES-256-CBC, key = base64(EncodingAESKey + "="), IV = key[:16], PKCS#7 padding to 32 bytes,
// plaintext = random(16) ‖ len(msg) big-endian uint32 ‖ msg ‖ ownerKey, and
// signature = hex(SHA1(sort(token, timestamp, nonce, encrypt) joined)).
type eventCrypto struct {
	token  string
	key    []byte
	block  cipher.Block
	owners []string // accepted owner keys (corpId, appKey); the first one is used to encrypt
}

const cryptoPadBlock = 32

var (
	errCryptoSignature = errors.New("signature mismatch")
	errCryptoOwner     = errors.New("owner key mismatch")
	errCryptoFormat    = errors.New("malformed ciphertext")
)

func newEventCrypto(token, encodingAESKey string, owners ...string) (*eventCrypto, error) {
	key, err := aesKey(encodingAESKey)
	if err != nil {
		return nil, fmt.Errorf("create event crypto: %w", err)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("create event crypto: %w", err)
	}
	var keep []string
	for _, o := range owners {
		if o != "" {
			keep = append(keep, o)
		}
	}
	if len(keep) == 0 {
		return nil, errors.New("create event crypto: no owner key")
	}
	return &eventCrypto{token: token, key: key, block: block, owners: keep}, nil
}

// signature is hex(SHA1(the four strings sorted and concatenated)).
func eventSignature(token, timestamp, nonce, encrypt string) string {
	p := []string{token, timestamp, nonce, encrypt}
	sort.Strings(p)
	sum := sha1.Sum([]byte(strings.Join(p, "")))
	return hex.EncodeToString(sum[:])
}

// Decrypt verifies the signature (constant time) and returns the message and its owner key.
func (c *eventCrypto) Decrypt(signature, timestamp, nonce, encrypt string) (msg []byte, owner string, err error) {
	want := eventSignature(c.token, timestamp, nonce, encrypt)
	if subtle.ConstantTimeCompare([]byte(want), []byte(strings.ToLower(signature))) != 1 {
		return nil, "", fmt.Errorf("decrypt event: %w", errCryptoSignature)
	}
	raw, err := base64.StdEncoding.DecodeString(encrypt)
	if err != nil {
		return nil, "", fmt.Errorf("decrypt event: %w: %w", errCryptoFormat, err)
	}
	if len(raw) == 0 || len(raw)%aes.BlockSize != 0 {
		return nil, "", fmt.Errorf("decrypt event: %w: length %d", errCryptoFormat, len(raw))
	}
	plain := make([]byte, len(raw))
	cipher.NewCBCDecrypter(c.block, c.key[:aes.BlockSize]).CryptBlocks(plain, raw)
	plain, err = pkcs7Unpad(plain)
	if err != nil {
		return nil, "", fmt.Errorf("decrypt event: %w", err)
	}
	if len(plain) < 20 {
		return nil, "", fmt.Errorf("decrypt event: %w: plaintext too short", errCryptoFormat)
	}
	n := binary.BigEndian.Uint32(plain[16:20])
	if uint64(n) > uint64(len(plain)-20) {
		return nil, "", fmt.Errorf("decrypt event: %w: length field %d", errCryptoFormat, n)
	}
	msg, owner = plain[20:20+n], string(plain[20+n:])
	for _, o := range c.owners {
		if subtle.ConstantTimeCompare([]byte(o), []byte(owner)) == 1 {
			return msg, owner, nil
		}
	}
	return nil, "", fmt.Errorf("decrypt event: %w", errCryptoOwner)
}

// Encrypt frames msg with a fresh random prefix and the first owner key and returns the
// base64 ciphertext and its signature.
func (c *eventCrypto) Encrypt(msg []byte, timestamp, nonce string) (encrypt, signature string, err error) {
	return c.EncryptFor(c.owners[0], msg, timestamp, nonce)
}

// EncryptFor is Encrypt with a given owner key: an answer is framed with the owner key of the
// callback it answers (DingTalk checks it on its side), which may be the AppKey when corp_id is
// also configured.
func (c *eventCrypto) EncryptFor(owner string, msg []byte, timestamp, nonce string) (encrypt, signature string, err error) {
	var random [16]byte
	if _, err := rand.Read(random[:]); err != nil {
		return "", "", fmt.Errorf("encrypt event: %w", err)
	}
	return c.encryptWith(random, owner, msg, timestamp, nonce)
}

func (c *eventCrypto) encryptWith(random [16]byte, owner string, msg []byte, timestamp, nonce string) (string, string, error) {
	if uint64(len(msg)) > 1<<31 {
		return "", "", errors.New("encrypt event: message too long")
	}
	plain := make([]byte, 0, 20+len(msg)+len(owner)+cryptoPadBlock)
	plain = append(plain, random[:]...)
	plain = binary.BigEndian.AppendUint32(plain, uint32(len(msg)))
	plain = append(plain, msg...)
	plain = append(plain, owner...)
	plain = pkcs7Pad(plain)
	out := make([]byte, len(plain))
	cipher.NewCBCEncrypter(c.block, c.key[:aes.BlockSize]).CryptBlocks(out, plain)
	enc := base64.StdEncoding.EncodeToString(out)
	return enc, eventSignature(c.token, timestamp, nonce, enc), nil
}

// pkcs7Pad pads to a multiple of 32 bytes with 1..32 bytes of value n.
func pkcs7Pad(b []byte) []byte {
	n := cryptoPadBlock - len(b)%cryptoPadBlock
	for i := 0; i < n; i++ {
		b = append(b, byte(n))
	}
	return b
}

// pkcs7Unpad accepts pads 1..32 (the DingTalk Go sample pads to 16, Java/Python to 32) and
// checks every pad byte.
func pkcs7Unpad(b []byte) ([]byte, error) {
	if len(b) == 0 {
		return nil, fmt.Errorf("unpad: %w: empty", errCryptoFormat)
	}
	n := int(b[len(b)-1])
	if n < 1 || n > cryptoPadBlock || n > len(b) {
		return nil, fmt.Errorf("unpad: %w: pad %d", errCryptoFormat, n)
	}
	if subtle.ConstantTimeCompare(b[len(b)-n:], bytesOf(byte(n), n)) != 1 {
		return nil, fmt.Errorf("unpad: %w: bad padding bytes", errCryptoFormat)
	}
	return b[:len(b)-n], nil
}

func bytesOf(v byte, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = v
	}
	return b
}

// randomNonce is a 12-character alphanumeric nonce for encrypted replies.
func randomNonce() string {
	const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	var b [12]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go ≥ 1.24)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b[:])
}
