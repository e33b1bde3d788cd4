package wecom

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// fakeWeCom is a loopback stand-in for qyapi.weixin.qq.com: gettoken, media upload/get, message
// send, appchat send, group robot webhook, smart-robot response_url and encrypted file URLs.
type fakeWeCom struct {
	t   *testing.T
	srv *httptest.Server

	corpID, secret string

	mu          sync.Mutex
	tokenCalls  int
	token       string
	tokenGate   chan struct{} // when set, gettoken waits for it
	rejectCode  int           // errcode for a stale token (40014 or 42001)
	alwaysCode  map[string]int
	failNext    map[string][]int // path -> errcodes to answer before succeeding
	calls       map[string]int   // path -> requests seen
	uploads     []fakeUpload
	messages    []fakeMessage
	media       map[string][]byte // media/get content
	robotFiles  map[string][]byte // encrypted robot file bodies by path
	disposition map[string]string // media id or robot file path -> Content-Disposition answered
	responseURL []fakeMessage
	nextID      int
}

type fakeUpload struct {
	Path, Key, Type, Name string
	Disposition           string // raw Content-Disposition of the media part
	Data                  []byte
	MediaID               string
}

type fakeMessage struct {
	Path, Key string
	Body      map[string]any
}

func newFakeWeCom(t *testing.T, corpID, secret string) *fakeWeCom {
	f := &fakeWeCom{
		t: t, corpID: corpID, secret: secret, rejectCode: 42001,
		alwaysCode: map[string]int{}, failNext: map[string][]int{}, calls: map[string]int{},
		media: map[string][]byte{}, robotFiles: map[string][]byte{}, disposition: map[string]string{},
	}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeWeCom) URL() string { return f.srv.URL }

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_ = json.NewEncoder(w).Encode(v)
}

func errJSON(code int) map[string]any {
	return map[string]any{"errcode": code, "errmsg": fmt.Sprintf("fake error %d", code)}
}

// invalidateToken makes WeCom forget the current token early (PLATFORMS.md §2.5).
func (f *fakeWeCom) invalidateToken() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.token = "revoked"
}

func (f *fakeWeCom) serve(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f.mu.Lock()
	f.calls[r.URL.Path]++
	code := f.alwaysCode[r.URL.Path]
	if code == 0 {
		if list := f.failNext[r.URL.Path]; len(list) > 0 {
			code, f.failNext[r.URL.Path] = list[0], list[1:]
		}
	}
	f.mu.Unlock()

	if r.URL.Path == "/cgi-bin/gettoken" {
		f.mu.Lock()
		gate := f.tokenGate
		f.mu.Unlock()
		if gate != nil {
			<-gate
		}
		if q.Get("corpid") != f.corpID || q.Get("corpsecret") != f.secret {
			writeJSON(w, errJSON(40001))
			return
		}
		if code != 0 {
			writeJSON(w, errJSON(code))
			return
		}
		f.mu.Lock()
		f.tokenCalls++
		f.token = fmt.Sprintf("TOKEN-%d", f.tokenCalls)
		tok := f.token
		f.mu.Unlock()
		writeJSON(w, map[string]any{"errcode": 0, "errmsg": "ok", "access_token": tok, "expires_in": 7200})
		return
	}
	if strings.HasPrefix(r.URL.Path, "/robotfile/") {
		f.mu.Lock()
		data, ok := f.robotFiles[r.URL.Path]
		cd := f.disposition[r.URL.Path]
		f.mu.Unlock()
		if !ok {
			http.Error(w, "expired", http.StatusNotFound)
			return
		}
		w.Header().Set("Content-Type", "application/octet-stream")
		if cd != "" {
			w.Header().Set("Content-Disposition", cd)
		}
		_, _ = w.Write(data)
		return
	}
	if strings.HasPrefix(r.URL.Path, "/cgi-bin/webhook/") || r.URL.Path == "/cgi-bin/aibot/response" {
		// Authenticated by the key or response_code in the URL, not by access_token.
	} else {
		f.mu.Lock()
		valid := q.Get("access_token") != "" && q.Get("access_token") == f.token
		reject := f.rejectCode
		f.mu.Unlock()
		if !valid {
			writeJSON(w, errJSON(reject))
			return
		}
	}
	if code != 0 {
		writeJSON(w, errJSON(code))
		return
	}
	switch r.URL.Path {
	case "/cgi-bin/media/upload", "/cgi-bin/webhook/upload_media":
		file, hdr, err := r.FormFile("media")
		if err != nil {
			writeJSON(w, errJSON(41005))
			return
		}
		data, _ := io.ReadAll(file)
		f.mu.Lock()
		f.nextID++
		id := fmt.Sprintf("MEDIA-%d", f.nextID)
		f.uploads = append(f.uploads, fakeUpload{Path: r.URL.Path, Key: q.Get("key"), Type: q.Get("type"), Name: hdr.Filename, Disposition: hdr.Header.Get("Content-Disposition"), Data: data, MediaID: id})
		f.mu.Unlock()
		writeJSON(w, map[string]any{"errcode": 0, "errmsg": "ok", "type": q.Get("type"), "media_id": id, "created_at": "1380000000"})
	case "/cgi-bin/media/get":
		f.mu.Lock()
		data, ok := f.media[q.Get("media_id")]
		cd := f.disposition[q.Get("media_id")]
		f.mu.Unlock()
		if !ok {
			writeJSON(w, errJSON(40007))
			return
		}
		w.Header().Set("Content-Type", "application/octet-stream")
		if cd != "" { // doc 96486: Content-disposition: attachment; filename="…"
			w.Header().Set("Content-Disposition", cd)
		}
		_, _ = w.Write(data)
	case "/cgi-bin/message/send", "/cgi-bin/appchat/send", "/cgi-bin/webhook/send", "/cgi-bin/aibot/response":
		var body map[string]any
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			writeJSON(w, errJSON(47001))
			return
		}
		f.mu.Lock()
		f.nextID++
		msg := fakeMessage{Path: r.URL.Path, Key: q.Get("key"), Body: body}
		if r.URL.Path == "/cgi-bin/aibot/response" {
			f.responseURL = append(f.responseURL, msg)
		} else {
			f.messages = append(f.messages, msg)
		}
		id := fmt.Sprintf("MSG-%d", f.nextID)
		f.mu.Unlock()
		writeJSON(w, map[string]any{"errcode": 0, "errmsg": "ok", "msgid": id})
	default:
		http.NotFound(w, r)
	}
}

func (f *fakeWeCom) snapshot() (uploads []fakeUpload, messages []fakeMessage, tokenCalls int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]fakeUpload(nil), f.uploads...), append([]fakeMessage(nil), f.messages...), f.tokenCalls
}

func (f *fakeWeCom) callCount(path string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[path]
}
