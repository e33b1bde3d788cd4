package connectors

import (
	"mime"
	"net/url"
	"path"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxFileNameRunes caps a file name a platform gives (CleanFileName): longer names keep their
// extension and lose the end of the rest.
const MaxFileNameRunes = 120

// CleanFileName makes a file name given by a platform safe to store and show: the last element
// of a path only ("..\\..\\x.xlsx" and "/etc/x.xlsx" become "x.xlsx"), no control or format
// characters (a newline would forge lines in a reply, U+202E would show "a\u202Eslx.exe" as
// "aexe.xlsx"), no line or paragraph separators, valid UTF-8, trimmed, at most MaxFileNameRunes
// runes with the extension kept. A name with nothing left, "." or ".." gives "". It is still a
// display name, never a path: the bot stores uploads under fixed names.
func CleanFileName(name string) string {
	name = strings.ToValidUTF8(name, "")
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || unicode.In(r, unicode.Zl, unicode.Zp) {
			return -1
		}
		return r
	}, name)
	name = strings.ReplaceAll(name, "\\", "/")
	name = strings.TrimSpace(name[strings.LastIndex(name, "/")+1:])
	if name == "." || name == ".." {
		return ""
	}
	if utf8.RuneCountInString(name) > MaxFileNameRunes {
		ext := path.Ext(name)
		if utf8.RuneCountInString(ext) > 16 {
			ext = ""
		}
		base := []rune(strings.TrimSuffix(name, ext))
		name = strings.TrimSpace(string(base[:MaxFileNameRunes-utf8.RuneCountInString(ext)])) + ext
	}
	return name
}

// DispositionFileName returns the file name a Content-Disposition header gives, cleaned with
// CleanFileName, or "". The RFC 5987/2231 extended form wins over a plain filename="…"
// (mime.ParseMediaType decodes it):
//
//	attachment; filename="a.xlsx"; filename*=UTF-8''%E6%94%B6%E5%85%A5.xlsx
//
// A plain name is taken as sent (raw UTF-8, which WeCom and most Chinese servers send) or
// percent-decoded when it is percent-encoded UTF-8 (WeCom's official smart-robot SDK decodes it
// so); a name that is not valid UTF-8 (GBK bytes) is dropped rather than shown garbled.
func DispositionFileName(header string) string {
	if strings.TrimSpace(header) == "" {
		return ""
	}
	name, extended := "", false
	if _, params, err := mime.ParseMediaType(header); err == nil {
		name = params["filename"]
		extended = strings.Contains(strings.ToLower(header), "filename*")
	} else {
		// mime refuses the whole header over one bad parameter (an unquoted non-ASCII name, a
		// duplicate): take a plain filename parameter as it stands.
		name = plainFilenameParam(header)
	}
	if !utf8.ValidString(name) {
		return ""
	}
	if !extended && strings.Contains(name, "%") { // filename* is decoded once, by mime
		if dec, err := url.PathUnescape(name); err == nil && utf8.ValidString(dec) {
			name = dec
		}
	}
	return CleanFileName(name)
}

// plainFilenameParam finds filename=VALUE (quoted or not) in a header mime could not parse.
func plainFilenameParam(header string) string {
	for _, part := range strings.Split(header, ";") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok || !strings.EqualFold(strings.TrimSpace(k), "filename") {
			continue
		}
		v = strings.TrimSpace(v)
		if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
			v = v[1 : len(v)-1]
		}
		return v
	}
	return ""
}
