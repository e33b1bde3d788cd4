package sandbox

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"zengshou/calc/ledger"
)

// VerbRead parses a workbook: ledger.Read in the child.
const VerbRead = "read"

// Exit codes of the child besides the Go runtime's own (2 for a fatal error or an unrecovered
// panic) and signals.
const (
	ExitOK = 0
	// ExitSetup: the sandbox could not be set up (memory cap, unreadable request, unknown verb,
	// stdout gone) — a fault of the service, not of the file.
	ExitSetup = 3
)

// maxRequestBytes bounds the request read from stdin (options with synonyms and templates).
const maxRequestBytes = 16 << 20

// verbs are what the child can do. A verb returns its result (encoded as the response's
// "result") or an error: a *ledger.FileError goes back as file_error, any other as error.
var verbs = map[string]func(req request) (any, error){
	VerbRead: childRead,
}

// IsVerb reports whether the child knows verb (for `zengshou worker <verb>`).
func IsVerb(verb string) bool {
	_, ok := verbs[verb]
	return ok
}

// requestError is a malformed request: the parent's fault.
type requestError struct{ err error }

func (e requestError) Error() string { return "bad request: " + e.err.Error() }

func childRead(req request) (any, error) {
	var ro ledger.ReadOptions
	if len(req.Options) > 0 {
		var err error
		if ro, err = decodeReadOptions(req.Options); err != nil {
			return nil, requestError{fmt.Errorf("decode read options: %w", err)}
		}
	}
	if req.Path == "" {
		return nil, requestError{errors.New("no path")}
	}
	led, err := ledger.Read(req.Path, ro)
	if err != nil {
		return nil, err
	}
	return readResult{Ledger: led}, nil
}

// ChildMain is the child's side of the protocol, for `zengshou worker <verb>` and for tests
// that re-exec their own binary. First thing, it caps its own memory: RLIMIT_AS at the
// address space the Go runtime has reserved at start-up plus the budget in $ZENGSHOU_SANDBOX_MEMORY_MB
// (default 1024) plus a fixed headroom, and the GC's soft limit at the budget. Then it reads one
// request from stdin, runs the verb and writes one response to stdout. It returns the exit
// code. While it runs os.Stdout points at os.Stderr, so a stray print in a library cannot
// corrupt the response.
func ChildMain(stdin io.Reader, stdout io.Writer) int {
	realStdout := os.Stdout
	os.Stdout = os.Stderr
	defer func() { os.Stdout = realStdout }()

	if err := capMemory(os.Getenv(EnvMemoryMB)); err != nil {
		fmt.Fprintf(os.Stderr, "sandbox: cap memory: %v\n", err)
		return ExitSetup
	}
	var req request
	if err := json.NewDecoder(io.LimitReader(stdin, maxRequestBytes)).Decode(&req); err != nil {
		fmt.Fprintf(os.Stderr, "sandbox: decode request: %v\n", err)
		return ExitSetup
	}
	verb, ok := verbs[req.Verb]
	if !ok {
		fmt.Fprintf(os.Stderr, "sandbox: unknown verb %q\n", req.Verb)
		return ExitSetup
	}
	result, err := verb(req)
	w := bufio.NewWriterSize(stdout, 256<<10)
	var fe *ledger.FileError
	switch {
	case err == nil:
		// One copy of the result in memory, not three: marshal once, frame by hand.
		raw, merr := json.Marshal(result)
		result = nil // the ledger can be collected while its JSON is written
		if merr != nil {
			writeResponse(w, response{Error: "encode result: " + merr.Error()})
			break
		}
		w.WriteString(`{"result":`)
		w.Write(raw)
		w.WriteString("}\n")
	case errors.As(err, &fe):
		wf := &wireFileError{Code: fe.Code, Message: fe.Message}
		if fe.Err != nil {
			wf.Detail = fe.Err.Error()
		}
		writeResponse(w, response{FileError: wf})
	default:
		writeResponse(w, response{Error: err.Error()})
	}
	if err := w.Flush(); err != nil {
		fmt.Fprintf(os.Stderr, "sandbox: write response: %v\n", err)
		return ExitSetup
	}
	return ExitOK
}

func writeResponse(w io.Writer, r response) {
	b, err := json.Marshal(r)
	if err != nil { // cannot happen: strings only
		b = []byte(`{"error":"encode response"}`)
	}
	w.Write(append(b, '\n'))
}
