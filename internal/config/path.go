package config

import (
	"strconv"
	"strings"
)

// Field paths name a value in the file the way a user reads it:
// "services[0].build.kind", "environments.prod.window.start",
// `approvers["release managers"][1]`. A map key that is not a plain
// name is quoted so that the path stays unambiguous.

// child is the path of field or map key key under parent.
func child(parent, key string) string {
	if !plain(key) {
		return parent + "[" + strconv.Quote(key) + "]"
	}
	if parent == "" {
		return key
	}
	return parent + "." + key
}

// item is the path of the i-th element of the list at parent.
func item(parent string, i int) string {
	return parent + "[" + strconv.Itoa(i) + "]"
}

// parent is the path one level above path; the parent of a top-level
// field is "", the whole file.
func parent(path string) string {
	last := 0
	for i := 0; i < len(path); {
		last = i
		switch path[i] {
		case '.':
			i++
			i += len(path[i:]) - len(strings.TrimLeft(path[i:], plainChars))
		case '[':
			if q, err := strconv.QuotedPrefix(path[i+1:]); err == nil {
				i += 1 + len(q) + 1
			} else {
				end := strings.IndexByte(path[i:], ']')
				if end < 0 {
					return path[:last]
				}
				i += end + 1
			}
		default:
			i += len(path[i:]) - len(strings.TrimLeft(path[i:], plainChars))
			if i == last {
				return ""
			}
		}
	}
	return path[:last]
}

const plainChars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-"

// plain reports whether key can be written in a path without quotes.
func plain(key string) bool {
	return key != "" && strings.Trim(key, plainChars) == ""
}

// under reports whether path is at or below base.
func under(path, base string) bool {
	if !strings.HasPrefix(path, base) {
		return false
	}
	rest := path[len(base):]
	return rest == "" || base == "" || rest[0] == '.' || rest[0] == '['
}
