package feishu

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
)

// Event callback crypto (PLATFORMS.md §1.2): key = SHA256(encrypt_key), AES-256-CBC,
// IV = the first 16 bytes of the base64-decoded ciphertext, PKCS#7 padding on 16-byte blocks.

var errBadCiphertext = errors.New("bad ciphertext")

// decrypt opens the "encrypt" field of a callback body.
func decrypt(encryptKey, b64 string) ([]byte, error) {
	raw, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return nil, fmt.Errorf("decode base64: %w", errBadCiphertext)
	}
	if len(raw) < 2*aes.BlockSize || len(raw)%aes.BlockSize != 0 {
		return nil, fmt.Errorf("check length: %w", errBadCiphertext)
	}
	key := sha256.Sum256([]byte(encryptKey))
	block, err := aes.NewCipher(key[:])
	if err != nil {
		return nil, fmt.Errorf("create cipher: %w", err)
	}
	iv, data := raw[:aes.BlockSize], raw[aes.BlockSize:]
	out := make([]byte, len(data))
	cipher.NewCBCDecrypter(block, iv).CryptBlocks(out, data)
	n := int(out[len(out)-1])
	if n == 0 || n > aes.BlockSize || n > len(out) {
		return nil, fmt.Errorf("check padding: %w", errBadCiphertext)
	}
	if !bytes.Equal(out[len(out)-n:], bytes.Repeat([]byte{byte(n)}, n)) {
		return nil, fmt.Errorf("check padding: %w", errBadCiphertext)
	}
	return out[:len(out)-n], nil
}

// encrypt is the inverse of decrypt with a random IV. The service never encrypts; the fake
// server and the tests use it to build callbacks the way Feishu does.
func encrypt(encryptKey string, plain []byte) (string, error) {
	key := sha256.Sum256([]byte(encryptKey))
	block, err := aes.NewCipher(key[:])
	if err != nil {
		return "", fmt.Errorf("create cipher: %w", err)
	}
	n := aes.BlockSize - len(plain)%aes.BlockSize
	padded := append(append([]byte{}, plain...), bytes.Repeat([]byte{byte(n)}, n)...)
	out := make([]byte, aes.BlockSize+len(padded))
	if _, err := io.ReadFull(rand.Reader, out[:aes.BlockSize]); err != nil {
		return "", fmt.Errorf("read iv: %w", err)
	}
	cipher.NewCBCEncrypter(block, out[:aes.BlockSize]).CryptBlocks(out[aes.BlockSize:], padded)
	return base64.StdEncoding.EncodeToString(out), nil
}

// signature is X-Lark-Signature: lowercase hex SHA256(timestamp + nonce + encrypt_key + raw body).
func signature(timestamp, nonce, encryptKey string, body []byte) string {
	h := sha256.New()
	h.Write([]byte(timestamp))
	h.Write([]byte(nonce))
	h.Write([]byte(encryptKey))
	h.Write(body)
	return hex.EncodeToString(h.Sum(nil))
}

// validSignature compares in constant time.
func validSignature(got, timestamp, nonce, encryptKey string, body []byte) bool {
	want := signature(timestamp, nonce, encryptKey, body)
	return subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// equalSecret compares two secrets in constant time (an empty want never matches).
func equalSecret(got, want string) bool {
	if want == "" {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// customBotSign is the sign of a custom group bot webhook (PLATFORMS.md §1.4): HMAC-SHA256 keyed
// by timestamp+"\n"+secret over an empty message, base64. Kept for admins who route reminders
// through a custom bot; the connector itself posts as the app bot.
func customBotSign(timestamp, secret string) string {
	m := hmac.New(sha256.New, []byte(timestamp+"\n"+secret))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}
