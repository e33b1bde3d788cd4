package wecom

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

// Official vectors, PLATFORMS.md §5.1 (doc path/90968; sbzhu/weworkapi_php callback/Sample.php).
const (
	vToken     = "QDG6eK"
	vAESKey    = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"
	vCorpID    = "wx5823bf96d3bd56c7"
	vURLSig    = "5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3"
	vURLTS     = "1409659589"
	vURLNonce  = "263014780"
	vEchoStr   = "P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ=="
	vEchoPlain = "1616140317555161061"
	vMsgSig    = "477715d11cdb4164915debcba66cb864d751f3e6"
	vMsgTS     = "1409659813"
	vMsgNonce  = "1372623149"
	vEncrypt   = "RypEvHKD8QQKFhvQ6QleEB4J58tiPdvo+rtK1I9qca6aM/wvqnLSV5zEPeusUiX5L5X/0lWfrf0QADHHhGd3QczcdCUpj911L3vg3W/sYYvuJTs3TUUkSUXxaccAS0qhxchrRYt66wiSpGLYL42aM6A8dTT+6k4aSknmPj48kzJs8qLjvd4Xgpue06DOdnLxAUHzM6+kDZ+HMZfJYuR+LtwGc2hgf5gsijff0ekUNXZiqATP7PF5mZxZ3Izoun1s4zG4LUMnvw2r+KqCKIw+3IQH03v+BCA9nMELNqbSf6tiWSrXJB3LAVGUcallcrw8V2t9EL4EhzJWrQUax5wLVMNS0+rUPA3k22Ncx4XXZS9o0MBH27Bo6BpNelZpS+/uh9KsNlY6bHCmJU9p8g7m3fVKn28H3KDYA5Pl/T8Z1ptDAVe0lXdQ2YoyyH2uyPIGHBZZIs2pDBS8R07+qN+E7Q=="
	vMsgPlain  = "<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName>\n<FromUserName><![CDATA[mycreate]]></FromUserName>\n<CreateTime>1409659813</CreateTime>\n<MsgType><![CDATA[text]]></MsgType>\n<Content><![CDATA[hello]]></Content>\n<MsgId>4561255354251345929</MsgId>\n<AgentID>218</AgentID>\n</xml>"
)

// Official JSON vectors, PLATFORMS.md §5.2 (sbzhu/weworkapi_python callback_json/Sample.py).
const (
	jToken     = "hJqcu3uJ9Tn2gXPmxx2w9kkCkCE2EPYo"
	jAESKey    = "6qkdMrq68nTKduznJYO1A37W2oEgpkMUvkttRToqhUt"
	jCorpID    = "ww1436e0e65a779aee"
	jURLSig    = "012bc692d0a58dd4b10f8dfe5c4ac00ae211ebeb"
	jURLTS     = "1476416373"
	jURLNonce  = "47744683"
	jEchoStr   = "fsi1xnbH4yQh0+PJxcOdhhK6TDXkjMyhEPA7xB2TGz6b+g7xyAbEkRxN/3cNXW9qdqjnoVzEtpbhnFyq6SVHyA=="
	jEchoPlain = "1288432023552776189"
	jMsgSig    = "e3647471e395139e2308c1fa963f2d648a00b90e"
	jMsgTS     = "1409659813"
	jMsgNonce  = "1372623149"
	jEncrypt   = "cjhLUX7UU4yCSelv1vz7T0zT8huF51bAMVWriNvO1FMegHrQZNrtvRxbwf0fUPsFvwqR0U0fgiJNEA5Y30F2MoI2S7vv3EjVQ68C0cjw9frBoUE2Hj0BvFp9h3u6Vbsg4lc1C8AtHdaN8orKuNKkLRLuYEL52R1J3v8olJGZRLnRdVKIivixmX/eQpzgeExtp20jI1HxRP1AAZ6xZoILdqDPO549LO4WeG+685JRUTdiwcY5fjZlqeMxuT4PpMn1X9OWsS7NRj06Wa5E3Tvg4twjWp39KPfOdRte6P1T4JU="
	// The published sample plaintext is not valid JSON (`"FromUserName": :mycreate"`); compare bytes.
	jMsgPlain = `{ "ToUserName": "wx5823bf96d3bd56c7", "FromUserName": :mycreate", "CreateTime": 1409659813, "MsgType": "text", "Content": "hello", "MsgId": 4561255354251345929, "AgentID": 218}`
)

func mustCrypt(t testing.TB, token, key string) *msgCrypt {
	t.Helper()
	c, err := newMsgCrypt(token, key)
	if err != nil {
		t.Fatalf("newMsgCrypt: %v", err)
	}
	return c
}

func TestVerifyURLVectorXML(t *testing.T) {
	c := mustCrypt(t, vToken, vAESKey)
	if err := c.verify(vURLSig, vURLTS, vURLNonce, vEchoStr); err != nil {
		t.Fatalf("verify official VerifyURL signature: %v", err)
	}
	msg, rid, err := c.decrypt(vEchoStr)
	if err != nil {
		t.Fatalf("decrypt echostr: %v", err)
	}
	if string(msg) != vEchoPlain || rid != vCorpID {
		t.Fatalf("decrypt echostr = %q, %q; want %q, %q", msg, rid, vEchoPlain, vCorpID)
	}
}

// TestVectorFraming checks the documented framing of the official echostr: 64 bytes of
// plaintext = 16 random + 4 length + 19 msg + 18 corp id = 57, plus 7 bytes of pad byte 7
// (PLATFORMS.md §5.1 "pad byte 7, 64 bytes"), random prefix c41b64491c2468d0.
func TestVectorFraming(t *testing.T) {
	c := mustCrypt(t, vToken, vAESKey)
	raw := mustB64(t, vEchoStr)
	if len(raw) != 64 {
		t.Fatalf("echostr ciphertext is %d bytes, want 64", len(raw))
	}
	plain := make([]byte, len(raw))
	cbcDecrypterFor(c).CryptBlocks(plain, raw)
	// The official library's random prefix is 16 ASCII characters.
	if got := string(plain[:16]); got != "c41b64491c2468d0" {
		t.Fatalf("random prefix %q, want c41b64491c2468d0", got)
	}
	if pad := plain[63]; pad != 7 {
		t.Fatalf("pad byte %d, want 7", pad)
	}
	if n := int(plain[16])<<24 | int(plain[17])<<16 | int(plain[18])<<8 | int(plain[19]); n != 19 {
		t.Fatalf("msg_len %d, want 19", n)
	}
}

func TestDecryptMsgVectorXML(t *testing.T) {
	c := mustCrypt(t, vToken, vAESKey)
	if err := c.verify(vMsgSig, vMsgTS, vMsgNonce, vEncrypt); err != nil {
		t.Fatalf("verify official DecryptMsg signature: %v", err)
	}
	msg, rid, err := c.decrypt(vEncrypt)
	if err != nil {
		t.Fatalf("decrypt: %v", err)
	}
	if string(msg) != vMsgPlain || rid != vCorpID {
		t.Fatalf("decrypt = %q, %q", msg, rid)
	}
	// msg_len 284 and pad byte 30 (PLATFORMS.md §5.1): 16+4+284+18 = 322 bytes framed; the next
	// multiple of 32 is 352, so 30 bytes of padding. A 16-byte padding check would reject it.
	if len(msg) != 284 {
		t.Fatalf("msg is %d bytes, want 284", len(msg))
	}
	raw := mustB64(t, vEncrypt)
	if len(raw) != 352 {
		t.Fatalf("ciphertext %d bytes, want 352", len(raw))
	}
}

func TestVectorsJSON(t *testing.T) {
	c := mustCrypt(t, jToken, jAESKey)
	if err := c.verify(jURLSig, jURLTS, jURLNonce, jEchoStr); err != nil {
		t.Fatalf("verify JSON VerifyURL: %v", err)
	}
	msg, rid, err := c.decrypt(jEchoStr)
	if err != nil || string(msg) != jEchoPlain || rid != jCorpID {
		t.Fatalf("decrypt JSON echostr = %q, %q, %v", msg, rid, err)
	}
	if err := c.verify(jMsgSig, jMsgTS, jMsgNonce, jEncrypt); err != nil {
		t.Fatalf("verify JSON DecryptMsg: %v", err)
	}
	msg, rid, err = c.decrypt(jEncrypt)
	if err != nil || rid != jCorpID {
		t.Fatalf("decrypt JSON msg: rid %q, %v", rid, err)
	}
	if string(msg) != jMsgPlain || len(msg) != 176 {
		t.Fatalf("JSON plaintext (%d bytes) = %q", len(msg), msg)
	}
}

func TestWrongSignatureRejected(t *testing.T) {
	c := mustCrypt(t, vToken, vAESKey)
	cases := map[string][4]string{
		"flipped last hex digit": {vURLSig[:39] + "4", vURLTS, vURLNonce, vEchoStr},
		"other timestamp":        {vURLSig, "1409659590", vURLNonce, vEchoStr},
		"other nonce":            {vURLSig, vURLTS, "263014781", vEchoStr},
		"other ciphertext":       {vURLSig, vURLTS, vURLNonce, vEncrypt},
		"empty":                  {"", vURLTS, vURLNonce, vEchoStr},
		"truncated":              {vURLSig[:20], vURLTS, vURLNonce, vEchoStr},
	}
	for name, p := range cases {
		if err := c.verify(p[0], p[1], p[2], p[3]); !errors.Is(err, errBadSignature) {
			t.Errorf("%s: verify = %v, want errBadSignature", name, err)
		}
	}
	other := mustCrypt(t, "otherToken", vAESKey)
	if err := other.verify(vURLSig, vURLTS, vURLNonce, vEchoStr); !errors.Is(err, errBadSignature) {
		t.Errorf("other token: verify = %v, want errBadSignature", err)
	}
	// Upper-case hex is the same signature.
	if err := c.verify(strings.ToUpper(vURLSig), vURLTS, vURLNonce, vEchoStr); err != nil {
		t.Errorf("upper-case signature: %v", err)
	}
}

// TestRoundTripEveryPadding encrypts messages whose framed length (16+4+len(msg)+len(corp id))
// runs through 32 consecutive values, so the pad byte takes every value 1..32 exactly once, and
// the value 32 is the case of an exact multiple of 32 (a whole extra block, esap/wechat#43).
func TestRoundTripEveryPadding(t *testing.T) {
	c := mustCrypt(t, vToken, vAESKey)
	seen := map[int]bool{}
	for n := 0; n < 32; n++ {
		msg := bytes.Repeat([]byte("x"), n)
		enc, err := c.encrypt(msg, vCorpID)
		if err != nil {
			t.Fatal(err)
		}
		raw := mustB64(t, enc)
		framed := 16 + 4 + n + len(vCorpID)
		wantPad := 32 - framed%32
		if len(raw) != framed+wantPad || len(raw)%32 != 0 {
			t.Fatalf("n=%d: ciphertext %d bytes, want %d", n, len(raw), framed+wantPad)
		}
		plain := make([]byte, len(raw))
		cbcDecrypterFor(c).CryptBlocks(plain, raw)
		if int(plain[len(plain)-1]) != wantPad {
			t.Fatalf("n=%d: pad byte %d, want %d", n, plain[len(plain)-1], wantPad)
		}
		seen[wantPad] = true
		got, rid, err := c.decrypt(enc)
		if err != nil || !bytes.Equal(got, msg) || rid != vCorpID {
			t.Fatalf("n=%d: round trip = %q, %q, %v", n, got, rid, err)
		}
		sig := signature(vToken, "1700000000", "nonce", enc)
		if err := c.verify(sig, "1700000000", "nonce", enc); err != nil {
			t.Fatalf("n=%d: signature of own ciphertext: %v", n, err)
		}
	}
	for p := 1; p <= 32; p++ {
		if !seen[p] {
			t.Errorf("pad length %d never exercised", p)
		}
	}
}

func TestDecryptRejectsBadPadding(t *testing.T) {
	c := mustCrypt(t, vToken, vAESKey)
	for _, pad := range []byte{0, 33, 200} {
		block := bytes.Repeat([]byte{'a'}, 31)
		block = append(block, pad)
		enc := encryptRaw(t, c, block)
		if _, _, err := c.decrypt(enc); !errors.Is(err, errBadPadding) {
			t.Errorf("pad byte %d: decrypt = %v, want errBadPadding", pad, err)
		}
	}
	// Pad byte 3 but the two bytes before it are not 3.
	block := append(bytes.Repeat([]byte{'a'}, 31), 3)
	if _, _, err := c.decrypt(encryptRaw(t, c, block)); !errors.Is(err, errBadPadding) {
		t.Errorf("inconsistent pad: decrypt = %v, want errBadPadding", err)
	}
	// A length prefix larger than what follows.
	framed := append(bytes.Repeat([]byte{'r'}, 16), 0, 0, 1, 0)
	framed = pkcs7Pad(append(framed, "short"...))
	if _, _, err := c.decrypt(encryptRaw(t, c, framed)); !errors.Is(err, errBadPlaintext) {
		t.Errorf("long msg_len: decrypt = %v, want errBadPlaintext", err)
	}
	if _, _, err := c.decrypt("AAAA"); err == nil {
		t.Error("3-byte ciphertext accepted")
	}
	if _, _, err := c.decrypt("%%%"); err == nil {
		t.Error("non-base64 accepted")
	}
}

func TestFileCryptoRoundTrip(t *testing.T) {
	key, _ := decodeAESKey(vAESKey)
	for n := 0; n <= 64; n++ {
		data := bytes.Repeat([]byte{byte(n)}, n)
		enc, err := encryptFile(key, data)
		if err != nil {
			t.Fatal(err)
		}
		// n bytes pad to the next multiple of 32 strictly above n: 32*(n/32+1).
		if want := 32 * (n/32 + 1); len(enc) != want {
			t.Fatalf("n=%d: %d bytes, want %d", n, len(enc), want)
		}
		got, err := decryptFile(key, enc)
		if err != nil || !bytes.Equal(got, data) {
			t.Fatalf("n=%d: round trip %v", n, err)
		}
	}
	other, _ := decodeAESKey(jAESKey)
	enc, _ := encryptFile(key, []byte("spreadsheet bytes"))
	if got, err := decryptFile(other, enc); err == nil && bytes.Equal(got, []byte("spreadsheet bytes")) {
		t.Fatal("wrong key decrypted the file")
	}
}

func TestDecodeKeys(t *testing.T) {
	if _, err := decodeAESKey(vAESKey[:42]); err == nil {
		t.Error("42-character EncodingAESKey accepted")
	}
	key, err := decodeAESKey(vAESKey)
	if err != nil || len(key) != 32 {
		t.Fatalf("decodeAESKey = %d bytes, %v", len(key), err)
	}
	// The long-connection aeskey is plain base64 of 32 bytes, with or without '=' padding.
	for _, s := range []string{vAESKey + "=", vAESKey} {
		k, err := decodeFileKey(s)
		if err != nil || !bytes.Equal(k, key) {
			t.Errorf("decodeFileKey(%q) = %x, %v", s, k, err)
		}
	}
	if _, err := decodeFileKey("c2hvcnQ="); err == nil {
		t.Error("5-byte file key accepted")
	}
}
