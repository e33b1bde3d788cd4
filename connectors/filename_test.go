package connectors

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestDispositionFileName(t *testing.T) {
	const cn = "2026年第2季度脱贫户收入台账.xlsx"
	// "2026年第2季度脱贫户收入台账.xlsx" percent-encoded as UTF-8 (RFC 5987).
	const cnPct = "2026%E5%B9%B4%E7%AC%AC2%E5%AD%A3%E5%BA%A6%E8%84%B1%E8%B4%AB%E6%88%B7%E6%94%B6%E5%85%A5%E5%8F%B0%E8%B4%A6.xlsx"
	for _, tc := range []struct{ header, want string }{
		{``, ""},
		{`attachment`, ""},
		{`attachment; filename="ledger.xlsx"`, "ledger.xlsx"},
		{`attachment; filename=ledger.xlsx`, "ledger.xlsx"},
		{`inline; FILENAME="ledger.xlsx"`, "ledger.xlsx"},
		// RFC 5987, alone and next to an ASCII fallback (the extended form wins, in either order).
		{`attachment; filename*=UTF-8''` + cnPct, cn},
		{`attachment; filename*=utf-8''` + cnPct, cn},
		{`attachment; filename="fallback.xlsx"; filename*=UTF-8''` + cnPct, cn},
		{`attachment; filename*=UTF-8''` + cnPct + `; filename="fallback.xlsx"`, cn},
		// Raw UTF-8 in a quoted plain name (what WeCom's upload expects and Chinese servers send).
		{`attachment; filename="` + cn + `"`, cn},
		// Unquoted non-ASCII: mime refuses it; the plain parameter is still read.
		{`attachment; filename=` + cn, cn},
		// A percent-encoded plain name (the official smart-robot SDK decodes it).
		{`attachment; filename="` + cnPct + `"`, cn},
		// A lone % is not an escape: the name stands as sent.
		{`attachment; filename="100%.xlsx"`, "100%.xlsx"},
		// filename* is decoded once only.
		{`attachment; filename*=UTF-8''100%2525.xlsx`, "100%25.xlsx"},
		// A charset mime does not decode: the plain fallback is used.
		{`attachment; filename="plain.xlsx"; filename*=ISO-8859-1''caf%E9.xlsx`, "plain.xlsx"},
		// GBK bytes are not shown garbled.
		{"attachment; filename=\"\xca\xd5\xc8\xeb.xlsx\"", ""},
		// Hostile names: directories, control and format characters.
		{`attachment; filename="../../etc/cron.d/x.xlsx"`, "x.xlsx"},
		{`attachment; filename="..\\..\\x.xlsx"`, "x.xlsx"},
		{`attachment; filename*=UTF-8''..%2F..%2F%E5%8F%B0%E8%B4%A6%0D%0A%E4%BC%AA%E9%80%A0.xlsx`, "台账伪造.xlsx"},
		{`attachment; filename*=UTF-8''a%E2%80%AEslx.exe`, "aslx.exe"},
		{`attachment; filename*=UTF-8''x%00y.xlsx`, "xy.xlsx"},
		{`attachment; filename=".."`, ""},
		{`attachment; filename*=UTF-8''..%2F..`, ""},
		{`attachment; filename="/"`, ""},
	} {
		if got := DispositionFileName(tc.header); got != tc.want {
			t.Errorf("DispositionFileName(%q) = %q, want %q", tc.header, got, tc.want)
		}
	}
}

func TestCleanFileName(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"台账.xlsx", "台账.xlsx"},
		{"  台账.xlsx  ", "台账.xlsx"},
		{"/tmp/x.xlsx", "x.xlsx"},
		{"C:\\Users\\x\\台账.xlsx", "台账.xlsx"},
		{"台账\n.xlsx", "台账.xlsx"},
		{"台账\u2028伪造.xlsx", "台账伪造.xlsx"},
		{"a\u200bb.xlsx", "ab.xlsx"},
		{"bad\xffutf8.xlsx", "badutf8.xlsx"},
		{".", ""},
		{"..", ""},
		{"", ""},
	} {
		if got := CleanFileName(tc.in); got != tc.want {
			t.Errorf("CleanFileName(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	long := CleanFileName(strings.Repeat("长", 300) + ".xlsx")
	if utf8.RuneCountInString(long) != MaxFileNameRunes || !strings.HasSuffix(long, "长.xlsx") {
		t.Errorf("long name: %d runes %q", utf8.RuneCountInString(long), long)
	}
	longExt := CleanFileName("a." + strings.Repeat("x", 300))
	if utf8.RuneCountInString(longExt) != MaxFileNameRunes {
		t.Errorf("long extension: %d runes", utf8.RuneCountInString(longExt))
	}
	// Whatever comes in, nothing that could leave a folder or forge a line comes out.
	for _, in := range []string{"a/../../b", "\x00", "\r\n", "../", "x/", "\u202e", "a\\b\\..", " / "} {
		got := CleanFileName(in)
		if strings.ContainsAny(got, "/\\") || got == "." || got == ".." || strings.IndexFunc(got, unicode.IsControl) >= 0 {
			t.Errorf("CleanFileName(%q) = %q", in, got)
		}
	}
}
