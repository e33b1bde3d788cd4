package dingtalk

import (
	"crypto/aes"
	"crypto/cipher"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
)

// Official vectors, PLATFORMS.md §5.3 (open-dingtalk/DingTalk-Callback-Crypto).
var officialVectors = []struct {
	name, token, aesKey, owner, sig, ts, nonce, encrypt, plain string
	pad                                                        int
}{
	{
		// DingTalkCrypto.go main. Framing 16 random + 4 length + 7 "success" + 10 "dingxxxxxx"
		// = 37 bytes, padded to 64: pad 27.
		name: "go sample", token: "tokenxxxx", aesKey: "o1w0aum42yaptlz8alnhwikjd3jenzt9cb9wmzptgus", owner: "dingxxxxxx",
		sig: "f36f4ba5337d426c7d4bca0dbcb06b3ddc1388fc", ts: "1605695694141", nonce: "WelUQl6bCqcBa2fM",
		encrypt: "X1VSe9cTJUMZu60d3kyLYTrBq5578ZRJtteU94wG0Q4Uk6E/wQYeJRIC0/UFW5Wkya1Ihz9oXAdLlyC9TRaqsQ==",
		plain:   "success", pad: 27,
	},
	{
		// DingCallbackCrypto3.py __main__. Framing 16 + 4 + 25 + 20 = 65 bytes, padded to 96: pad 31.
		name: "python sample", token: "mryue", aesKey: "Yue0EfdN5900c1ce5cf6A152c63DDe1808a60c5ecd7", owner: "ding6ccabc44d2c8d38b",
		sig: "03044561471240d4a14bb09372dfcfd4fd0e40cb", ts: "1608001896814", nonce: "WL4PK6yA",
		encrypt: "0vJiX6vliEpwG3U45CtXqi+m8PXbQRARJ8p8BbDuD1EMTDf0jKpQ79QS93qEk7XHpP6u+oTTrd15NRPvNvmBKyDCYxxOK+HZeKju4yhELOFchzNukR+t8SB/qk4ROMu3",
		plain:   `{"EventType":"check_url"}`, pad: 31,
	},
}

func TestEventCryptoOfficialVectors(t *testing.T) {
	for _, v := range officialVectors {
		t.Run(v.name, func(t *testing.T) {
			if got := eventSignature(v.token, v.ts, v.nonce, v.encrypt); got != v.sig {
				t.Fatalf("signature = %s, want %s", got, v.sig)
			}
			c, err := newEventCrypto(v.token, v.aesKey, v.owner)
			if err != nil {
				t.Fatal(err)
			}
			msg, owner, err := c.Decrypt(v.sig, v.ts, v.nonce, v.encrypt)
			if err != nil {
				t.Fatalf("Decrypt: %v", err)
			}
			if string(msg) != v.plain || owner != v.owner {
				t.Fatalf("Decrypt = %q owner %q, want %q owner %q", msg, owner, v.plain, v.owner)
			}
			if got := rawPad(t, c, v.encrypt); got != v.pad {
				t.Fatalf("pad = %d, want %d", got, v.pad)
			}
			// The owner key may be listed second (corpId and appKey are both accepted).
			c2, _ := newEventCrypto(v.token, v.aesKey, "someAppKey", v.owner)
			if _, _, err := c2.Decrypt(v.sig, v.ts, v.nonce, v.encrypt); err != nil {
				t.Fatalf("Decrypt with owner second: %v", err)
			}
		})
	}
}

func TestEventCryptoRejects(t *testing.T) {
	v := officialVectors[0]
	c, _ := newEventCrypto(v.token, v.aesKey, v.owner)
	badSig := "0" + v.sig[1:] // f36f… → 036f…
	if _, _, err := c.Decrypt(badSig, v.ts, v.nonce, v.encrypt); !errors.Is(err, errCryptoSignature) {
		t.Fatalf("bad signature: err = %v", err)
	}
	if _, _, err := c.Decrypt(v.sig, v.ts+"1", v.nonce, v.encrypt); !errors.Is(err, errCryptoSignature) {
		t.Fatalf("changed timestamp: err = %v", err)
	}
	other, _ := newEventCrypto(v.token, v.aesKey, "dingOTHER")
	if _, _, err := other.Decrypt(v.sig, v.ts, v.nonce, v.encrypt); !errors.Is(err, errCryptoOwner) {
		t.Fatalf("wrong owner: err = %v", err)
	}
	// A ciphertext that is not a multiple of 16 bytes, signed correctly: format error, no panic.
	short := base64.StdEncoding.EncodeToString([]byte("0123456789"))
	if _, _, err := c.Decrypt(eventSignature(v.token, v.ts, v.nonce, short), v.ts, v.nonce, short); !errors.Is(err, errCryptoFormat) {
		t.Fatalf("short ciphertext: err = %v", err)
	}
}

// rawPad decrypts without unpadding and returns the last byte.
func rawPad(t *testing.T, c *eventCrypto, enc string) int {
	t.Helper()
	raw, err := base64.StdEncoding.DecodeString(enc)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]byte, len(raw))
	cipher.NewCBCDecrypter(c.block, c.key[:aes.BlockSize]).CryptBlocks(out, raw)
	n := int(out[len(out)-1])
	for _, b := range out[len(out)-n:] {
		if int(b) != n {
			t.Fatalf("pad bytes not all %d", n)
		}
	}
	return n
}

// With owner "dingxxxxxx" (10 bytes) the framed length is 16 + 4 + L + 10 = 30 + L. For
// L = 0..31 that is 30..61, so (30+L) mod 32 takes every value 0..31 once and the pad
// 32 − (30+L) mod 32 takes every value 1..32 once; L = 2 is the exact multiple (32 → pad 32).
func TestEventCryptoRoundTripPadding(t *testing.T) {
	v := officialVectors[0]
	c, _ := newEventCrypto(v.token, v.aesKey, v.owner)
	seen := map[int]bool{}
	for l := 0; l < 32; l++ {
		msg := []byte(strings.Repeat("x", l))
		enc, sig, err := c.Encrypt(msg, "1700000000000", "nonce123")
		if err != nil {
			t.Fatal(err)
		}
		if sig != eventSignature(v.token, "1700000000000", "nonce123", enc) {
			t.Fatalf("L=%d: signature of the produced ciphertext does not verify", l)
		}
		got, _, err := c.Decrypt(sig, "1700000000000", "nonce123", enc)
		if err != nil || string(got) != string(msg) {
			t.Fatalf("L=%d: round trip = %q, %v", l, got, err)
		}
		pad := rawPad(t, c, enc)
		if l == 2 && pad != 32 {
			t.Fatalf("L=2: pad %d, want 32 (framed length 32 is an exact multiple)", pad)
		}
		seen[pad] = true
	}
	for p := 1; p <= 32; p++ {
		if !seen[p] {
			t.Fatalf("pad %d never produced", p)
		}
	}
	// Fresh random prefix: the same message encrypts differently twice.
	a, _, _ := c.Encrypt([]byte("success"), "1", "n")
	b, _, _ := c.Encrypt([]byte("success"), "1", "n")
	if a == b {
		t.Fatal("two encryptions of the same message are identical")
	}
}

func TestPKCS7UnpadRejects(t *testing.T) {
	block := func(last byte, fill byte) []byte {
		b := make([]byte, 64)
		for i := range b {
			b[i] = fill
		}
		b[63] = last
		return b
	}
	for name, b := range map[string][]byte{
		"pad 0":             block(0, 0),
		"pad 33":            block(33, 33),
		"inconsistent pads": block(4, 7), // last byte says 4, the three before are 7
		"empty":             {},
	} {
		if _, err := pkcs7Unpad(b); !errors.Is(err, errCryptoFormat) {
			t.Errorf("%s: err = %v", name, err)
		}
	}
	if got, err := pkcs7Unpad(block(32, 32)); err != nil || len(got) != 32 {
		t.Errorf("pad 32: len %d, err %v", len(got), err)
	}
}

// §5.5 (derived; Go = Python).
func TestHMACSignVectors(t *testing.T) {
	if got := hmacSign("1700000000000", "SECtest0123456789abcdef"); got != "/lfnxUUu80FwVTsIlv2F1cMGBb+PxEKAwYh/bsRxXcc=" {
		t.Fatalf("webhook sign = %s", got)
	}
	if got := hmacSign("1700000000000", "testAppSecret"); got != "6eme9OZpsZ0xT14aKlxRPyaQRga1PwA6MpSWONOX6mQ=" {
		t.Fatalf("robot sign = %s", got)
	}
	u, err := signWebhookURL("https://oapi.dingtalk.com/robot/send?access_token=XXX", "SECtest0123456789abcdef", "1700000000000")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(u, "sign=%2FlfnxUUu80FwVTsIlv2F1cMGBb%2BPxEKAwYh%2FbsRxXcc%3D") ||
		!strings.Contains(u, "timestamp=1700000000000") || !strings.Contains(u, "access_token=XXX") {
		t.Fatalf("signed url = %s", u)
	}
	if !verifyHMACSign("1700000000000", "6eme9OZpsZ0xT14aKlxRPyaQRga1PwA6MpSWONOX6mQ=", "testAppSecret") {
		t.Fatal("verify rejects the vector")
	}
	if verifyHMACSign("1700000000001", "6eme9OZpsZ0xT14aKlxRPyaQRga1PwA6MpSWONOX6mQ=", "testAppSecret") {
		t.Fatal("verify accepts the vector's sign for another timestamp")
	}
}
