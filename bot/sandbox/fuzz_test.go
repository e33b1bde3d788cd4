package sandbox

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"zengshou/calc/ledger"
)

// FuzzReadRandom feeds arbitrary bytes, as an uploaded file, to the zip pre-check and the
// reader in this process: it must return a ledger or a *ledger.FileError with a code and a
// message, never panic (the reader turns its own panics into FileError damaged; such a
// FileError fails the fuzzer too, since it is a reader bug) and never a plain error. The seed
// corpus — every committed bad file, the good ledgers, and truncations and bit flips of a good
// one — runs under plain `go test`.
func FuzzReadRandom(f *testing.F) {
	for _, dir := range []string{badDir, goodDir} {
		ents, err := os.ReadDir(dir)
		if err != nil {
			f.Fatal(err)
		}
		for _, e := range ents {
			b, err := os.ReadFile(filepath.Join(dir, e.Name()))
			if err != nil {
				f.Fatal(err)
			}
			f.Add(b)
		}
	}
	good, err := os.ReadFile(filepath.Join(goodDir, goodFiles[0]))
	if err != nil {
		f.Fatal(err)
	}
	for _, cut := range []int{4, 30, 100, len(good) / 2, len(good) - 22, len(good) - 1} {
		f.Add(good[:cut])
	}
	for _, at := range []int{10, 200, len(good) / 3, len(good) - 40} {
		b := bytes.Clone(good)
		b[at] ^= 0x5A
		f.Add(b)
	}
	f.Add([]byte("PK\x05\x06" + strings.Repeat("\x00", 18)))
	f.Add([]byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1})

	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		path := filepath.Join(dir, "upload.xlsx")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		ro := ledger.ReadOptions{Limits: ledger.Limits{TmpDir: dir, MaxUnzippedBytes: 64 << 20, MaxRows: 20_000, MaxCells: 1_000_000}}
		led, err := ledger.Read(path, ro)
		if err == nil {
			if led == nil {
				t.Fatal("no ledger and no error")
			}
			return
		}
		var fe *ledger.FileError
		if !errors.As(err, &fe) {
			t.Fatalf("plain error for a bad file: %v", err)
		}
		if fe.Code == "" || fe.Message == "" {
			t.Fatalf("FileError without code or message: %#v", fe)
		}
		if fe.Err != nil && strings.Contains(fe.Err.Error(), "panic") {
			t.Fatalf("the reader panicked: %v", fe.Err)
		}
	})
}

// FuzzResponse feeds arbitrary bytes, as a child's stdout, to the parent's decoding: a ledger,
// a FileError or a plain error, never a panic, never more than the cap held.
func FuzzResponse(f *testing.F) {
	f.Add([]byte(`{"result":{"ledger":{"sheets":[],"inputs":{"households":[]},"errors":[]}}}` + "\n"))
	f.Add([]byte(`{"file_error":{"code":"encrypted","message":"文件设置了密码","detail":"x"}}`))
	f.Add([]byte(`{"file_error":{"code":"","message":""}}`))
	f.Add([]byte(`{"error":"bad request"}`))
	f.Add([]byte(`{"result":null}`))
	f.Add([]byte(`{"result":{"ledger":{"inputs":{"households":[{"id":"1","wage_income":"12.5"}]}}}}`))
	f.Add([]byte(`{"result":{"ledger":{"inputs":{"households":[{"wage_income":"abc"}]}}}}`))
	f.Add([]byte(`{"result":{}} trailing`))
	f.Add([]byte("fatal error: out of memory"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		var res readResult
		resp, over, err := readResponse(bytes.NewReader(data), 4096, &res)
		if over != (len(data) > 4096) {
			t.Fatalf("over=%v for %d bytes", over, len(data))
		}
		if err != nil || over {
			return
		}
		err = resp.decode(&ChildError{Verb: VerbRead})
		var fe *ledger.FileError
		if errors.As(err, &fe) && (fe.Code == "" || fe.Message == "") {
			t.Fatalf("FileError without code or message: %#v", fe)
		}
	})
}
