package wecom

import (
	"crypto/aes"
	"crypto/cipher"
	"encoding/base64"
	"testing"
)

func mustB64(t testing.TB, s string) []byte {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		t.Fatalf("base64: %v", err)
	}
	return b
}

func cbcDecrypterFor(c *msgCrypt) cipher.BlockMode {
	return cipher.NewCBCDecrypter(c.block, c.key[:aes.BlockSize])
}

// encryptRaw encrypts an already padded plaintext, to build malformed ciphertexts.
func encryptRaw(t testing.TB, c *msgCrypt, plain []byte) string {
	t.Helper()
	out := make([]byte, len(plain))
	cipher.NewCBCEncrypter(c.block, c.key[:aes.BlockSize]).CryptBlocks(out, plain)
	return base64.StdEncoding.EncodeToString(out)
}
