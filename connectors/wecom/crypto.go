package wecom

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
)

// WXBizMsgCrypt as documented in https://developer.work.weixin.qq.com/document/path/90968
// (PLATFORMS.md §2.2): AES-256-CBC, key = base64(EncodingAESKey+"="), IV = key[:16], PKCS#7
// padding to a multiple of 32 bytes, plaintext = random(16) ‖ uint32be(len(msg)) ‖ msg ‖ receiveid,
// signature = hex(SHA1(sorted(token, timestamp, nonce, encrypt) concatenated)).

// padBlock is the PKCS#7 block size WeCom uses: 32 bytes, not the AES block size (16).
const padBlock = 32

var (
	errBadSignature = errors.New("signature mismatch")
	errBadPadding   = errors.New("invalid PKCS#7 padding")
	errBadPlaintext = errors.New("malformed plaintext")
	errBadReceiver  = errors.New("receive id mismatch")
)

// msgCrypt holds one Token/EncodingAESKey pair.
type msgCrypt struct {
	token string
	key   []byte
	block cipher.Block
	rand  io.Reader // random prefix source; crypto/rand unless a test sets it
}

// decodeAESKey turns a 43-character EncodingAESKey into the 32-byte AES key.
func decodeAESKey(encodingAESKey string) ([]byte, error) {
	if len(encodingAESKey) != 43 {
		return nil, fmt.Errorf("decode EncodingAESKey: want 43 characters, got %d", len(encodingAESKey))
	}
	key, err := base64.StdEncoding.DecodeString(encodingAESKey + "=")
	if err != nil {
		return nil, fmt.Errorf("decode EncodingAESKey: %w", err)
	}
	if len(key) != 32 {
		return nil, fmt.Errorf("decode EncodingAESKey: want 32 bytes, got %d", len(key))
	}
	return key, nil
}

func newMsgCrypt(token, encodingAESKey string) (*msgCrypt, error) {
	if token == "" {
		return nil, errors.New("new crypt: empty token")
	}
	key, err := decodeAESKey(encodingAESKey)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("new cipher: %w", err)
	}
	return &msgCrypt{token: token, key: key, block: block, rand: rand.Reader}, nil
}

// signature computes msg_signature for the given parts.
func signature(token, timestamp, nonce, encrypt string) string {
	parts := []string{token, timestamp, nonce, encrypt}
	sort.Strings(parts)
	sum := sha1.Sum([]byte(strings.Join(parts, "")))
	return hex.EncodeToString(sum[:])
}

// verify checks msg_signature in constant time.
func (c *msgCrypt) verify(msgSignature, timestamp, nonce, encrypt string) error {
	want := signature(c.token, timestamp, nonce, encrypt)
	got := strings.ToLower(msgSignature)
	if subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
		return errBadSignature
	}
	return nil
}

// decrypt opens an Encrypt/echostr value and returns the message and the receive id.
func (c *msgCrypt) decrypt(encrypt string) (msg []byte, receiveID string, err error) {
	raw, err := base64.StdEncoding.DecodeString(encrypt)
	if err != nil {
		return nil, "", fmt.Errorf("decode ciphertext: %w", err)
	}
	plain, err := cbcDecrypt(c.block, c.key[:aes.BlockSize], raw)
	if err != nil {
		return nil, "", err
	}
	if len(plain) < 20 {
		return nil, "", fmt.Errorf("split plaintext: %w (%d bytes)", errBadPlaintext, len(plain))
	}
	n := binary.BigEndian.Uint32(plain[16:20])
	if uint64(n) > uint64(len(plain)-20) {
		return nil, "", fmt.Errorf("split plaintext: %w (length %d of %d)", errBadPlaintext, n, len(plain)-20)
	}
	return plain[20 : 20+n], string(plain[20+n:]), nil
}

// encrypt frames msg with a fresh random prefix and the receive id, pads and encrypts it.
func (c *msgCrypt) encrypt(msg []byte, receiveID string) (string, error) {
	buf := make([]byte, 20, 20+len(msg)+len(receiveID)+padBlock)
	if _, err := io.ReadFull(c.rand, buf[:16]); err != nil {
		return "", fmt.Errorf("read random: %w", err)
	}
	binary.BigEndian.PutUint32(buf[16:20], uint32(len(msg)))
	buf = append(buf, msg...)
	buf = append(buf, receiveID...)
	buf = pkcs7Pad(buf)
	out := make([]byte, len(buf))
	cipher.NewCBCEncrypter(c.block, c.key[:aes.BlockSize]).CryptBlocks(out, buf)
	return base64.StdEncoding.EncodeToString(out), nil
}

// pkcs7Pad always adds 1..32 bytes, a full 32 when the length is already a multiple of 32.
func pkcs7Pad(b []byte) []byte {
	n := padBlock - len(b)%padBlock
	return append(b, bytes.Repeat([]byte{byte(n)}, n)...)
}

func pkcs7Unpad(b []byte) ([]byte, error) {
	if len(b) == 0 {
		return nil, fmt.Errorf("unpad: %w (empty)", errBadPadding)
	}
	n := int(b[len(b)-1])
	if n < 1 || n > padBlock || n > len(b) {
		return nil, fmt.Errorf("unpad: %w (pad byte %d)", errBadPadding, n)
	}
	for _, x := range b[len(b)-n:] {
		if int(x) != n {
			return nil, fmt.Errorf("unpad: %w (pad bytes differ)", errBadPadding)
		}
	}
	return b[:len(b)-n], nil
}

// cbcDecrypt decrypts AES-CBC data and strips the 32-byte PKCS#7 padding.
func cbcDecrypt(block cipher.Block, iv, raw []byte) ([]byte, error) {
	if len(raw) == 0 || len(raw)%aes.BlockSize != 0 {
		return nil, fmt.Errorf("decrypt ciphertext: length %d is not a positive multiple of %d", len(raw), aes.BlockSize)
	}
	plain := make([]byte, len(raw))
	cipher.NewCBCDecrypter(block, iv).CryptBlocks(plain, raw)
	return pkcs7Unpad(plain)
}

// decryptFile decrypts a smart-robot file download (no random prefix, no length, no receive id).
func decryptFile(key, data []byte) ([]byte, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("new file cipher: %w", err)
	}
	return cbcDecrypt(block, key[:aes.BlockSize], data)
}

// encryptFile is the inverse of decryptFile; the fake WeCom server in tests uses it.
func encryptFile(key, data []byte) ([]byte, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("new file cipher: %w", err)
	}
	buf := pkcs7Pad(append([]byte(nil), data...))
	cipher.NewCBCEncrypter(block, key[:aes.BlockSize]).CryptBlocks(buf, buf)
	return buf, nil
}

// decodeFileKey reads the per-URL aeskey of the long-connection mode (base64, padding optional).
func decodeFileKey(s string) ([]byte, error) {
	s = strings.TrimRight(strings.TrimSpace(s), "=")
	key, err := base64.RawStdEncoding.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("decode file aeskey: %w", err)
	}
	if len(key) != 32 {
		return nil, fmt.Errorf("decode file aeskey: want 32 bytes, got %d", len(key))
	}
	return key, nil
}
