package feishu

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

// Official vectors, PLATFORMS.md §5.4.
const (
	vecHelloKey     = "test key"
	vecHelloEncrypt = "P37w+VZImNgPEO1RBhJ6RtKl7n6zymIbEG1pReEzghk="
	vecEventEncrypt = "bZ3L7yh6m3Fkuffl4g+3uGjIHnhOm5fVZbKVuyT8t7tcd5ABMYm8l28/X900ZL3knZ7n+sCREu/H2WnIzft0amC7+xWqNH8o25IU63N4BnZWfHh+4hyG76QPd19vkw2bPJCx9aqxK8Nz+xqFNbk0RdgyWhmgd30jSxHtcQXAllkI7FMpGpOCteJad3bLXPDBQIV/xkCtKICCS7Z63gakpxZCLaRZ3qCXP1fapHh+LBIupxenrU6ysc7I3nHmjmKie41IiWwS5puG4zQHhVbq6KWLcgWm/3NBZOPQy53ucMu75SXA55I7jarVLZXWUcqBGrcgE3vouWbtwgZuzmoTQl0GSh5VYSVvpW992BuGxUWj0XjPYdICJm6Cr7xouNXwMcdb7N8caVdkdSZeEnswG19qSyDoQhklwzNGW0yiaayulBqJNjfge/G5V3401c2XaIuAeEIo+QQ4RSNpRGfnHkbu/j55FGQAGWjpuBNaIwZbaUoVP3NkGP+vM5rpEDe3sL2GN+Xsd+g9yBs7FqdMV8mXTGgLjCqjrPrke5/km76Q3Pe6KPs2YexMRG4MkSx3xUTzZnNn7zIzShPcjeSwBd2pxk6ht5N+fzueZdxl6Oo="
	vecEventPlain   = `{"schema":"2.0","header":{"event_id":"f7984f25108f8137722bb63cee927e66","event_type":"contact.user.created_v3","app_id":"cli_xxxxxxxx","tenant_key":"xxxxxxx","create_time":"1603977298000000","token":"v"},"event":{"object":{"open_id":"ou_7dab8a3d3cdcc9da365777c7ad535d62","union_id":"on_576833b917gda3d939b9a3c2d53e72c8","user_id":"e33ggbyz","name":"张三","employee_no":"employee_no"}},"challenge":"1212","type":"url_verification"}`
	vecSigTS        = "1700000000"
	vecSigNonce     = "nonce123"
	vecSigBody      = `{"encrypt":"P37w+VZImNgPEO1RBhJ6RtKl7n6zymIbEG1pReEzghk="}`
	vecSig          = "669e3ed5328644f71370e3249f96af0fd17e5ed4d7b178c44f11f7997339e344"
)

func TestDecryptOfficialVectors(t *testing.T) {
	for _, tc := range []struct{ name, key, in, want string }{
		{"hello world, pad 5", vecHelloKey, vecHelloEncrypt, "hello world"},
		{"full event, pad 16", testEncryptKey, vecEventEncrypt, vecEventPlain},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := decrypt(tc.key, tc.in)
			if err != nil {
				t.Fatalf("decrypt: %v", err)
			}
			if string(got) != tc.want {
				t.Fatalf("decrypt = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestDecryptWrongKeyOrInput(t *testing.T) {
	for _, tc := range []struct{ name, key, in string }{
		{"wrong key", "another key", vecHelloEncrypt},
		{"not base64", vecHelloKey, "!!!"},
		{"one block only (IV, no data)", vecHelloKey, "AAAAAAAAAAAAAAAAAAAAAA=="},
		{"not a block multiple", vecHelloKey, vecHelloEncrypt[:len(vecHelloEncrypt)-4] + "AA=="},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := decrypt(tc.key, tc.in)
			// A wrong key yields garbage that fails the PKCS#7 check except with probability
			// about 1/256 per key; "another key" is one that fails (checked, not assumed).
			if err == nil {
				t.Fatalf("decrypt succeeded with %q", got)
			}
			if !errors.Is(err, errBadCiphertext) {
				t.Fatalf("error %v is not errBadCiphertext", err)
			}
		})
	}
}

func TestEncryptRoundTrip(t *testing.T) {
	// Lengths 0..33 cover every pad length 1..16 twice, including a full block of padding
	// when the plaintext is an exact multiple of 16.
	for n := 0; n <= 33; n++ {
		plain := bytes.Repeat([]byte("x"), n)
		enc, err := encrypt(testEncryptKey, plain)
		if err != nil {
			t.Fatal(err)
		}
		got, err := decrypt(testEncryptKey, enc)
		if err != nil {
			t.Fatalf("len %d: decrypt: %v", n, err)
		}
		if !bytes.Equal(got, plain) {
			t.Fatalf("len %d: round trip = %q", n, got)
		}
	}
}

func TestSignatureVector(t *testing.T) {
	if got := signature(vecSigTS, vecSigNonce, vecHelloKey, []byte(vecSigBody)); got != vecSig {
		t.Fatalf("signature = %s, want %s", got, vecSig)
	}
	if !validSignature(vecSig, vecSigTS, vecSigNonce, vecHelloKey, []byte(vecSigBody)) {
		t.Fatal("validSignature rejected the vector")
	}
	if validSignature(strings.ToUpper(vecSig), vecSigTS, vecSigNonce, vecHelloKey, []byte(vecSigBody)) {
		t.Fatal("validSignature accepted upper-case hex; Feishu sends lower case")
	}
	if validSignature(vecSig, vecSigTS, vecSigNonce, vecHelloKey, []byte(vecSigBody+" ")) {
		t.Fatal("validSignature accepted a changed body")
	}
}

func TestCustomBotSignVector(t *testing.T) {
	// go-lark/lark v2/crypto_test.go TestGenSign, PLATFORMS.md §5.4.
	if got, want := customBotSign("1661860880", "xxx"), "QnWVTSBe6FmQDE0bG6X0mURbI+DnvVyu1h+j5dHOjrU="; got != want {
		t.Fatalf("customBotSign = %s, want %s", got, want)
	}
}

func TestEqualSecret(t *testing.T) {
	if equalSecret("", "") {
		t.Fatal("empty configured token must never match")
	}
	if !equalSecret("v", "v") || equalSecret("v", "w") || equalSecret("vv", "v") {
		t.Fatal("equalSecret wrong")
	}
}
