package bot

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"zengshou/calc"
	"zengshou/calc/ledger"
	"zengshou/config"
	"zengshou/config/redact"
)

// Handler is the HTTP server: health, metrics, the platform callbacks of every connector, and
// the plugin API for spreadsheet tools (WPS/Excel macros, Feishu Base automations).
func (s *Service) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok\n") })
	mux.HandleFunc("GET /readyz", s.readyz)
	mux.Handle("GET /metrics", s.metrics.handler())
	// The platform callbacks go to the connectors in force: a config reload swaps them (reload.go).
	mux.Handle(callbackPrefix, http.HandlerFunc(s.serveCallback))
	mux.Handle("POST /api/v1/process", s.api(s.parseLimited(s.apiProcess)))
	mux.Handle("POST /api/v1/evaluate", s.api(s.parseLimited(s.apiEvaluate))) // as heavy as a workbook
	mux.Handle("GET /api/v1/policy", s.api(s.apiPolicy))
	mux.Handle("GET /api/v1/templates/{kind}", s.api(s.apiTemplate))
	// A wrong method or path under /api/ gets the API's JSON error, not the mux's plain text.
	for path, allow := range map[string]string{"/api/v1/process": "POST", "/api/v1/evaluate": "POST",
		"/api/v1/policy": "GET, HEAD", "/api/v1/templates/{kind}": "GET, HEAD"} {
		mux.Handle(path, s.api(func(w http.ResponseWriter, r *http.Request) error {
			w.Header().Set("Allow", allow)
			return &apiError{status: http.StatusMethodNotAllowed, Code: "method_not_allowed", Message: "该接口只接受 " + allow + " 请求"}
		}))
	}
	mux.Handle("/api/", s.api(func(w http.ResponseWriter, r *http.Request) error {
		return &apiError{status: http.StatusNotFound, Code: "not_found", Message: "没有这个接口：" + r.URL.Path}
	}))
	return mux
}

func (s *Service) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.st.Ping(ctx); err != nil {
		http.Error(w, "store not ready", http.StatusServiceUnavailable)
		return
	}
	counts, err := s.st.JobCounts(ctx)
	if err != nil {
		http.Error(w, "store not ready", http.StatusServiceUnavailable)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"status": "ready", "jobs": counts})
}

// apiError is the plugin API's error body: a code and a plain Chinese message.
type apiError struct {
	status  int
	Code    string `json:"error"`
	Message string `json:"message"`
}

func (e *apiError) Error() string { return e.Message }

// api wraps a plugin API handler with bearer-token authentication (constant-time compare), a
// request size limit and JSON errors.
func (s *Service) api(h func(w http.ResponseWriter, r *http.Request) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cfg := s.Config()
		code := http.StatusOK
		// Answers name households and carry ID numbers: no cache keeps them, no browser sniffs them.
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		defer func() { s.metrics.apiRequest.WithLabelValues(r.Pattern, fmt.Sprint(code)).Inc() }()
		if !slices.ContainsFunc(cfg.HTTP.Tokens, func(t string) bool { return t != "" }) {
			code = http.StatusForbidden // closed: no token would help, say why
			writeJSON(w, code, &apiError{Code: "api_disabled", Message: "插件 API 未启用：服务器未配置访问令牌（http.tokens 或环境变量 ZENGSHOU_HTTP_TOKENS），请联系管理员"})
			return
		}
		if !authorized(cfg.HTTP.Tokens, r.Header.Get("Authorization")) {
			code = http.StatusUnauthorized
			w.Header().Set("WWW-Authenticate", `Bearer realm="zengshou"`)
			writeJSON(w, code, &apiError{Code: "unauthorized", Message: "缺少或错误的访问令牌（Authorization: Bearer …）"})
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, int64(max(1, cfg.HTTP.MaxUploadMB))<<20)
		if err := s.recovered(w, r, h); err != nil {
			var ae *apiError
			var mbe *http.MaxBytesError
			switch {
			case errors.As(err, &ae):
			case errors.As(err, &mbe):
				ae = &apiError{status: http.StatusRequestEntityTooLarge, Code: "too_large", Message: fmt.Sprintf("请求超过 %d MB 上限", cfg.HTTP.MaxUploadMB)}
			default:
				s.log.WithError(err).Warn("api: internal error")
				ae = &apiError{status: http.StatusInternalServerError, Code: "internal", Message: "内部错误，请稍后重试"}
			}
			code = ae.status
			writeJSON(w, ae.status, ae)
		}
	})
}

// recovered runs h, turning a panic into an error (an internal-error answer and a log line
// through the service's masking logger) instead of a dropped connection and a raw trace on
// stderr.
func (s *Service) recovered(w http.ResponseWriter, r *http.Request, h func(w http.ResponseWriter, r *http.Request) error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			s.log.WithField("stack", string(debug.Stack())).Error("api: panic")
			err = fmt.Errorf("panic: %v", p)
		}
	}()
	return h(w, r)
}

// parseRetryAfter is the Retry-After (seconds) of a request refused because the plugin API is
// parsing http.max_parallel workbooks already.
const parseRetryAfter = 10

// parseLimited admits at most http.max_parallel requests at once to a handler that parses a
// workbook (or evaluates rows of JSON, as heavy in the service's own memory): each parse starts
// a child of up to limits.parse_memory_mb, and many at once could exhaust the machine's memory. A request beyond the limit is refused at once (503 with
// Retry-After, before its body is read or a child started), not queued. The limit is read per
// request, so a hot reload applies at once.
func (s *Service) parseLimited(h func(w http.ResponseWriter, r *http.Request) error) func(w http.ResponseWriter, r *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		limit := max(1, s.Config().HTTP.MaxParallel)
		s.apiMu.Lock()
		if s.apiParsing >= limit {
			s.apiMu.Unlock()
			w.Header().Set("Retry-After", fmt.Sprint(parseRetryAfter))
			return &apiError{status: http.StatusServiceUnavailable, Code: "busy",
				Message: fmt.Sprintf("服务繁忙：正在处理的工作簿已达上限（%d），请稍后重试", limit)}
		}
		s.apiParsing++
		s.apiMu.Unlock()
		defer func() {
			s.apiMu.Lock()
			s.apiParsing--
			s.apiMu.Unlock()
		}()
		return h(w, r)
	}
}

// authorized compares the bearer token with every configured token in constant time. With no
// token configured the plugin API is closed.
func authorized(tokens []string, header string) bool {
	scheme, got, ok := strings.Cut(header, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || got == "" { // the scheme is case-insensitive
		return false
	}
	match := 0
	for _, t := range tokens {
		if t != "" {
			match |= subtle.ConstantTimeCompare([]byte(t), []byte(got))
		}
	}
	return match == 1
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

func periodParam(r *http.Request, def calc.Period) (calc.Period, error) {
	v := r.URL.Query().Get("period")
	if v == "" {
		return def, nil
	}
	p, err := calc.ParsePeriod(v)
	if err != nil {
		return p, &apiError{status: http.StatusBadRequest, Code: "bad_period", Message: "period 格式应为 2026Q3"}
	}
	return p, nil
}

// apiProcess is POST /api/v1/process: an .xlsx body (raw, or multipart field "file") in, the
// processed .xlsx out; with ?format=json the report instead. Stateless: nothing is stored.
func (s *Service) apiProcess(w http.ResponseWriter, r *http.Request) error {
	cfg := s.Config()
	p, err := periodParam(r, s.periodNow())
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp(filepath.Join(s.dataDir), "api-")
	if err != nil {
		if err := os.MkdirAll(s.dataDir, 0o750); err != nil {
			return err
		}
		if dir, err = os.MkdirTemp(s.dataDir, "api-"); err != nil {
			return err
		}
	}
	defer os.RemoveAll(dir)
	if err := os.MkdirAll(filepath.Join(dir, "tmp"), 0o700); err != nil {
		return err
	}
	src := filepath.Join(dir, "upload.xlsx")
	name, err := saveBody(r, src)
	if err != nil {
		return err
	}
	// Without ?period, a multipart file named for its quarter (“2026年第3季度台账.xlsx”) is
	// evaluated for it, as the same file sent in a chat is; else the current quarter.
	if np, ok := periodInName(name); ok && r.URL.Query().Get("period") == "" {
		p = np
	}
	w.Header().Set("X-Zengshou-Period", p.String())
	ropt := LedgerOptions(cfg, p, filepath.Join(dir, "tmp"))
	ropt.PreparedDir = dir
	led, err := s.read(r.Context(), src, ropt)
	if err != nil {
		var fe *ledger.FileError
		if errors.As(err, &fe) {
			return &apiError{status: http.StatusUnprocessableEntity, Code: fe.Code, Message: fe.Message}
		}
		return err
	}
	in := led.Inputs
	res := calc.Evaluate(p, cfg.Policy, &in)
	if r.URL.Query().Get("format") == "json" {
		writeJSON(w, http.StatusOK, ledger.NewReport(led, res, &in, ""))
		return nil
	}
	dst := filepath.Join(dir, "result.xlsx")
	if led.Source != "" {
		src = led.Source
	}
	if err := ledger.Write(src, dst, led, res, ledger.WriteOptions{Limits: ledgerLimits(cfg, filepath.Join(dir, "tmp"))}); err != nil {
		return err
	}
	// A locked upload comes back locked with the same password, as in a chat.
	if err := ledger.EncryptAs(led, dst, cfg.Ledger.XLSXPassword); err != nil {
		return err
	}
	f, err := os.Open(dst)
	if err != nil {
		return err
	}
	defer f.Close()
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", `attachment; filename="result.xlsx"; filename*=UTF-8''%E5%A2%9E%E6%94%B6%E8%AE%A1%E7%AE%97%E7%BB%93%E6%9E%9C.xlsx`)
	_, err = io.Copy(w, f)
	return err
}

// saveBody writes the uploaded workbook (raw body or multipart field "file") to dst and returns
// the multipart file's name ("" for a raw body).
func saveBody(r *http.Request, dst string) (name string, err error) {
	var src io.Reader = r.Body
	if mt, params, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); strings.HasPrefix(mt, "multipart/") {
		mr, err := r.MultipartReader()
		if err != nil || params["boundary"] == "" {
			return "", &apiError{status: http.StatusBadRequest, Code: "bad_request", Message: "multipart 请求格式错误"}
		}
		for {
			part, err := mr.NextPart()
			if err != nil {
				var mbe *http.MaxBytesError
				if errors.As(err, &mbe) {
					return "", err
				}
				return "", &apiError{status: http.StatusBadRequest, Code: "no_file", Message: "请求中没有名为 file 的文件"}
			}
			if part.FormName() == "file" {
				src, name = part, part.FileName()
				break
			}
		}
	}
	f, err := os.OpenFile(dst, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return "", err
	}
	rd := &readErr{r: src}
	n, err := io.Copy(f, rd)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	var mbe *http.MaxBytesError
	if rd.err != nil && !errors.As(rd.err, &mbe) {
		// The body ended before its end (a dropped connection, a multipart body cut short):
		// the client's fault, not an internal error.
		return "", &apiError{status: http.StatusBadRequest, Code: "incomplete", Message: "上传不完整：请求体在文件结束前中断，请重新上传"}
	}
	if err != nil {
		return "", err
	}
	if n == 0 {
		return "", &apiError{status: http.StatusBadRequest, Code: "empty", Message: "请求中没有工作簿内容"}
	}
	return name, nil
}

// readErr remembers the error of its reader other than io.EOF: a failed read of the upload
// told apart from a failed write of the copy.
type readErr struct {
	r   io.Reader
	err error
}

func (e *readErr) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if err != nil && err != io.EOF {
		e.err = err
	}
	return n, err
}

// EvaluateRequest is the body of POST /api/v1/evaluate.
type EvaluateRequest struct {
	Period string      `json:"period"`
	Inputs calc.Inputs `json:"inputs"`
}

// apiEvaluate is POST /api/v1/evaluate: records as JSON in, findings with explanations out.
func (s *Service) apiEvaluate(w http.ResponseWriter, r *http.Request) error {
	var req EvaluateRequest
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return err
		}
		return &apiError{status: http.StatusBadRequest, Code: "bad_json", Message: "JSON 格式错误：" + jsonErrText(err)}
	}
	if _, err := dec.Token(); err != io.EOF { // one request object, nothing after it
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return err
		}
		return &apiError{status: http.StatusBadRequest, Code: "bad_json", Message: "JSON 格式错误：请求对象之后还有其他内容（每次只发送一个对象）"}
	}
	if bad := tooLarge(&req.Inputs); bad != "" {
		return &apiError{status: http.StatusBadRequest, Code: "too_large", Message: "数值有误：" + bad + "（金额、面积不超过10万亿，人数、头数、月数、天数不超过10亿且不能是负数）"}
	}
	p := s.periodNow()
	if req.Period != "" {
		var err error
		if p, err = calc.ParsePeriod(req.Period); err != nil {
			return &apiError{status: http.StatusBadRequest, Code: "bad_period", Message: "period 格式应为 2026Q3"}
		}
	}
	res := calc.Evaluate(p, s.Config().Policy, &req.Inputs)
	// The summary counts the households of the ledger it is given: these.
	writeJSON(w, http.StatusOK, ledger.NewReport(&ledger.Ledger{Inputs: req.Inputs}, res, &req.Inputs, ""))
	return nil
}

// apiPolicy is GET /api/v1/policy[?date=YYYY-MM-DD&county=NAME]: every rule and the parameters
// in force.
func (s *Service) apiPolicy(w http.ResponseWriter, r *http.Request) error {
	d := calc.Day(s.clock.Now().In(s.Config().Reminders.Location()).Date())
	if v := r.URL.Query().Get("date"); v != "" {
		t, err := time.Parse("2006-01-02", v)
		if err != nil {
			return &apiError{status: http.StatusBadRequest, Code: "bad_date", Message: "date 格式应为 2026-09-30"}
		}
		d = t
	}
	county := r.URL.Query().Get("county")
	pol := s.Config().Policy
	if county != "" && !pol.HasCounty(county) {
		return &apiError{status: http.StatusBadRequest, Code: "unknown_county", Message: "未知旗县区：" + county}
	}
	writeJSON(w, http.StatusOK, map[string]any{"date": calc.DateText(d), "county": county, "rules": calc.Rules,
		"parameters": config.InForce(pol, county, d)})
	return nil
}

// apiTemplate is GET /api/v1/templates/{kind}: a blank standard ledger.
func (s *Service) apiTemplate(w http.ResponseWriter, r *http.Request) error {
	kind := r.PathValue("kind")
	if k, ok := templateKinds[kind]; ok {
		kind = k
	}
	unknown := &apiError{status: http.StatusNotFound, Code: "unknown_kind",
		Message: "没有该种类的模板：" + kind + "（每次下载一种：" + strings.Join(ledger.TemplateKinds, ", ") + "）"}
	if kind == "all" { // one template a request: "all" would be the first alone, named all.xlsx
		return unknown
	}
	dir, err := os.MkdirTemp("", "zengshou-template-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	files, err := ledger.WriteTemplates(kind, dir)
	if err != nil || len(files) == 0 {
		return unknown
	}
	f, err := os.Open(files[0])
	if err != nil {
		return err
	}
	defer f.Close()
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s.xlsx"`, kind))
	_, err = io.Copy(w, f)
	return err
}

// jsonErrText says what the JSON decoder found wrong in Chinese: its own words (“json: unknown
// field "x"”, “cannot unmarshal number into Go struct field …”) are Go's, not the reader's.
func jsonErrText(err error) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		return "请求内容不完整（JSON 没有结束）"
	case errors.As(err, &syn):
		return fmt.Sprintf("第%d个字符附近不是合法的 JSON", syn.Offset)
	case errors.As(err, &typ):
		want := "其他类型"
		switch typ.Type.Kind() {
		case reflect.String:
			want = "文本"
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64, reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Float32, reflect.Float64:
			want = "数字"
		case reflect.Bool:
			want = "true 或 false"
		case reflect.Slice, reflect.Array:
			want = "数组"
		case reflect.Struct, reflect.Map:
			want = "对象"
		}
		return fmt.Sprintf("字段“%s”的值类型不对（应为%s）", typ.Field, want)
	}
	if f, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		return "未知字段“" + strings.Trim(f, `"`) + "”"
	}
	return "有字段的值无法识别（" + redact.Text(err.Error()) + "）"
}
