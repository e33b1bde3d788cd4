package calc

import (
	"strconv"
	"unsafe"
)

// texts is where one evaluation writes the strings of its results (explanations, input values,
// task ids): appended to large chunks instead of one allocation per string, which was most of
// the garbage an evaluation made (issue 9). A string handed out points into a chunk and those
// bytes are never written again: appends only go past the end, and a full chunk is left as it
// is for a new one. The strings are ordinary immutable Go strings; a chunk lives as long as any
// string of it.
type texts struct {
	buf   []byte // the current chunk; buf[start:] is the string being built
	start int
}

const textChunk = 64 << 10

// room makes sure n more bytes fit in the current chunk, moving the string being built to a
// new chunk when they do not.
func (t *texts) room(n int) {
	if len(t.buf)+n <= cap(t.buf) {
		return
	}
	part := t.buf[t.start:]
	nb := make([]byte, 0, max(textChunk, 2*(len(part)+n)))
	t.buf, t.start = append(nb, part...), 0
}

// done returns the string built since the last done.
func (t *texts) done() string {
	n := len(t.buf) - t.start
	if n == 0 {
		return ""
	}
	s := unsafe.String(&t.buf[t.start], n)
	t.start = len(t.buf)
	return s
}

func (t *texts) add(s string) {
	t.room(len(s))
	t.buf = append(t.buf, s...)
}

// cat returns the concatenation of parts.
func (t *texts) cat(parts ...string) string {
	n := 0
	for _, p := range parts {
		n += len(p)
	}
	t.room(n)
	for _, p := range parts {
		t.buf = append(t.buf, p...)
	}
	return t.done()
}

// fen returns f.Text() ("800元", "812.5元").
func (t *texts) fen(f Fen) string {
	t.room(32)
	t.buf = appendFenText(t.buf, f)
	return t.done()
}

// itoa returns strconv.Itoa(n).
func (t *texts) itoa(n int) string {
	if 0 <= n && n < 100 {
		return strconv.Itoa(n) // no allocation
	}
	t.room(24)
	t.buf = strconv.AppendInt(t.buf, int64(n), 10)
	return t.done()
}

// num returns strconv.Itoa(n) + unit ("4头", "12个月").
func (t *texts) num(n int, unit string) string {
	t.room(24 + len(unit))
	t.buf = append(strconv.AppendInt(t.buf, int64(n), 10), unit...)
	return t.done()
}

// appendFenText appends f.Text().
func appendFenText(b []byte, f Fen) []byte {
	b = appendFixed(b, int64(f), 100, 2)
	if n := len(b); b[n-1] == '0' { // "…x.y0" → "…x.y", "…x.00" → "…x"
		b = b[:n-1]
		if b[n-2] == '0' {
			b = b[:n-3]
		}
	}
	return append(b, "元"...)
}

// slab hands out the small slices of T of findings (Inputs, Params, amounts) cut from large
// ones. A slice handed out has its own capacity (a three-index slice), so appending to it never
// writes into another's.
type slab[T any] struct{ s []T }

// take returns the values in a slice cut from the slab, with room for spare more.
func (t *slab[T]) take(spare int, in ...T) []T {
	n := len(in) + spare
	if len(t.s)+n > cap(t.s) {
		t.s = make([]T, 0, max(512, n))
	}
	k := len(t.s)
	t.s = append(t.s, in...)
	t.s = t.s[:k+n]
	return t.s[k : k+len(in) : k+n]
}

// ptr returns a pointer to a copy of v kept in the slab.
func (t *slab[T]) ptr(v T) *T { return &t.take(0, v)[0] }
