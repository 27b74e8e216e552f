package deploy

import (
	"io"
	"os"
	"strings"
)

// logMarker starts the line the process target writes to an instance's log
// before each start, so that the tail of a failed start shows only its own
// output, not that of an earlier attempt under the same instance id.
const logMarker = "--- signalman: start "

// tailBytes bounds how much of a log is read for its tail.
const tailBytes = 64 << 10

// logTail returns up to n last lines of the log at path written since the
// last start marker, oldest first; nil if there are none or it is unreadable.
func logTail(path string, n int) []string {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	size, err := f.Seek(0, io.SeekEnd)
	if err != nil {
		return nil
	}
	from := max(size-tailBytes, 0)
	buf := make([]byte, size-from)
	if _, err := f.ReadAt(buf, from); err != nil && err != io.EOF {
		return nil
	}
	return tailLinesOf(string(buf), from > 0, n)
}

// tailLinesOf returns the last n lines of text after the last start marker;
// cut says text starts mid-line, so its first line is partial and dropped.
func tailLinesOf(text string, cut bool, n int) []string {
	lines := strings.Split(strings.TrimRight(text, "\n"), "\n")
	if cut && len(lines) > 0 {
		lines = lines[1:]
	}
	for i := len(lines) - 1; i >= 0; i-- {
		if strings.HasPrefix(lines[i], logMarker) {
			lines = lines[i+1:]
			break
		}
	}
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	if len(lines) == 1 && lines[0] == "" {
		return nil
	}
	return lines
}
