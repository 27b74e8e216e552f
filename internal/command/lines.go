package command

import (
	"io"
	"unicode/utf8"
)

// MaxLine is the length in bytes past which an output line is cut.
const MaxLine = 4 << 10

// truncated marks a line that was cut at MaxLine.
const truncated = " [line truncated]"

// lines splits output into lines, passes each to a callback and keeps the
// last few in a ring, so memory stays bounded however much a command prints.
type lines struct {
	onLine func(string)
	ring   []string
	next   int  // index in ring of the next line to write
	full   bool // ring has wrapped
	cur    []byte
	cut    bool // cur reached MaxLine and the rest of the line is dropped
}

func newLines(n int, onLine func(string)) *lines {
	return &lines{onLine: onLine, ring: make([]string, n)}
}

// consume reads r until EOF or an error, then flushes a last line
// that had no newline.
func (l *lines) consume(r io.Reader) {
	buf := make([]byte, 32<<10)
	for {
		n, err := r.Read(buf)
		l.write(buf[:n])
		if err != nil {
			break
		}
	}
	if len(l.cur) > 0 || l.cut {
		l.emit()
	}
}

func (l *lines) write(p []byte) {
	for _, c := range p {
		switch {
		case c == '\n':
			l.emit()
		case len(l.cur) < MaxLine:
			l.cur = append(l.cur, c)
		default:
			l.cut = true
		}
	}
}

func (l *lines) emit() {
	cur := l.cur
	if n := len(cur); n > 0 && cur[n-1] == '\r' {
		cur = cur[:n-1]
	}
	if l.cut {
		// Do not leave half a UTF-8 sequence at the cut.
		for i := len(cur) - 1; i >= 0 && i >= len(cur)-utf8.UTFMax; i-- {
			if utf8.RuneStart(cur[i]) {
				if !utf8.FullRune(cur[i:]) {
					cur = cur[:i]
				}
				break
			}
		}
	}
	s := string(cur)
	if l.cut {
		s += truncated
	}
	l.cur, l.cut = l.cur[:0], false

	if l.onLine != nil {
		l.onLine(s)
	}
	l.ring[l.next] = s
	l.next++
	if l.next == len(l.ring) {
		l.next, l.full = 0, true
	}
}

// Tail returns the kept lines, oldest first.
func (l *lines) Tail() []string {
	if !l.full {
		return append([]string(nil), l.ring[:l.next]...)
	}
	out := make([]string, 0, len(l.ring))
	out = append(out, l.ring[l.next:]...)
	return append(out, l.ring[:l.next]...)
}
