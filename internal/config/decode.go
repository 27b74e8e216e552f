package config

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// maxValues bounds the values decoded from one file, aliases expanded, so
// that a few nested anchors cannot make a small file take forever.
const maxValues = 100_000

// maxMergeDepth bounds nested merge keys (<<), which may also be cyclic.
const maxMergeDepth = 16

// decoder fills Go values from a yaml.Node tree. Unlike yaml.v3's own
// decoding it goes on after a problem, so that every problem in the file
// is reported at once, each with its field path and line, and it records
// the line of every field it sets.
type decoder struct {
	// errs are the problems found; File is left for the caller to set.
	errs []*Error
	// lines maps the path of every non-null field to the line it is on
	// (the line of its key, or of its list item).
	lines map[string]int
	// failed are the paths whose value could not be decoded.
	failed []string
	// left counts down the values that may still be decoded.
	left int
}

func newDecoder() *decoder {
	return &decoder{lines: make(map[string]int), left: maxValues}
}

// problem records a problem at path.
func (d *decoder) problem(line int, path, format string, args ...any) {
	d.errs = append(d.errs, &Error{Line: line, Field: path, Msg: fmt.Sprintf(format, args...)})
}

// badValue records that the value at path cannot be decoded. The field is
// then taken as absent, so that it gets its default, and the rules do not
// report it again.
func (d *decoder) badValue(line int, path, format string, args ...any) {
	d.problem(line, path, format, args...)
	d.failed = append(d.failed, path)
	delete(d.lines, path)
}

// exhausted reports whether the file had too many values to decode them all.
func (d *decoder) exhausted() bool {
	return d.left < 0
}

// spend counts one more value decoded at path, and reports false, once
// with a problem, when there have been too many.
func (d *decoder) spend(line int, path string) bool {
	d.left--
	if d.left == -1 {
		d.problem(line, path, "too many values once aliases are expanded (more than %d); use fewer nested anchors", maxValues)
	}
	return d.left >= 0
}

// failedUnder reports whether path, or a field above it, could not be decoded.
func (d *decoder) failedUnder(path string) bool {
	for _, f := range d.failed {
		if under(path, f) {
			return true
		}
	}
	return false
}

// wordSetter is a struct that may also be written as one word, such as
// window: always.
type wordSetter interface{ SetWord(string) error }

var durationType = reflect.TypeFor[time.Duration]()

// decode sets v from n. path names v in messages; line is where v's key
// or list item is.
func (d *decoder) decode(n *yaml.Node, v reflect.Value, path string, line int) {
	if !d.spend(line, path) {
		return
	}
	n = resolve(n)
	if n == nil || n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" {
		return
	}
	d.lines[path] = line
	switch v.Kind() {
	case reflect.Pointer:
		p := reflect.New(v.Type().Elem())
		d.decode(n, p.Elem(), path, line)
		if !slices.Contains(d.failed, path) {
			v.Set(p)
		}
	case reflect.Struct:
		d.decodeStruct(n, v, path, line)
	case reflect.Slice:
		d.decodeSlice(n, v, path, line)
	case reflect.Map:
		d.decodeMap(n, v, path, line)
	default:
		d.decodeScalar(n, v, path, line)
	}
}

func (d *decoder) decodeStruct(n *yaml.Node, v reflect.Value, path string, line int) {
	// A struct may also be written as one word (window: always).
	if u, ok := v.Addr().Interface().(wordSetter); ok && n.Kind == yaml.ScalarNode {
		if err := u.SetWord(n.Value); err != nil {
			d.badValue(line, path, "%s", err.Error())
		}
		return
	}
	if n.Kind != yaml.MappingNode {
		d.badValue(line, path, "%s, want a mapping of fields (name: value)", describe(n))
		return
	}
	names := fieldNames(v.Type())
	for _, e := range d.entries(n, path, 0) {
		key := e.key.Value
		p := child(path, key)
		i, ok := names[key]
		if !ok {
			d.problem(e.key.Line, p, "unknown field%s", hint(key, v.Type(), path))
			continue
		}
		d.decode(e.value, v.Field(i), p, e.key.Line)
	}
}

func (d *decoder) decodeSlice(n *yaml.Node, v reflect.Value, path string, line int) {
	if n.Kind != yaml.SequenceNode {
		d.badValue(line, path, `%s, want a list (one item a line, each starting with "- ")`, describe(n))
		return
	}
	s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
	for i, c := range n.Content {
		d.decode(c, s.Index(i), item(path, i), c.Line)
	}
	v.Set(s)
}

func (d *decoder) decodeMap(n *yaml.Node, v reflect.Value, path string, line int) {
	if n.Kind != yaml.MappingNode {
		d.badValue(line, path, "%s, want a mapping of names to values (name: value)", describe(n))
		return
	}
	entries := d.entries(n, path, 0)
	m := reflect.MakeMapWithSize(v.Type(), len(entries))
	for _, e := range entries {
		p := child(path, e.key.Value)
		val := reflect.New(v.Type().Elem()).Elem()
		d.decode(e.value, val, p, e.key.Line)
		m.SetMapIndex(reflect.ValueOf(e.key.Value).Convert(v.Type().Key()), val)
	}
	v.Set(m)
}

func (d *decoder) decodeScalar(n *yaml.Node, v reflect.Value, path string, line int) {
	if n.Kind != yaml.ScalarNode {
		d.badValue(line, path, "%s, want a single value", describe(n))
		return
	}
	if v.Kind() == reflect.String {
		v.SetString(n.Value)
		return
	}
	if err := n.Decode(v.Addr().Interface()); err == nil {
		return
	}
	switch {
	case v.Type() == durationType:
		d.badValue(line, path, "%q is not a duration (want a number with a unit, such as 90s, 30m or 1h30m)", n.Value)
	case v.Kind() == reflect.Bool:
		d.badValue(line, path, "%q is not true or false", n.Value)
	case v.Kind() == reflect.Float32 || v.Kind() == reflect.Float64:
		d.badValue(line, path, "%q is not a number", n.Value)
	case isIntOutOfRange(n.Value):
		d.badValue(line, path, "%s is out of range", n.Value)
	default:
		d.badValue(line, path, "%q is not a whole number", n.Value)
	}
}

// isIntOutOfRange reports whether s is a whole number too large for an int.
func isIntOutOfRange(s string) bool {
	_, err := strconv.ParseInt(s, 10, 0)
	return errors.Is(err, strconv.ErrRange)
}

// entry is one key and value of a mapping.
type entry struct{ key, value *yaml.Node }

// entries returns the pairs of mapping n with merge keys (<<) expanded:
// keys written in n win over merged ones, and earlier merged mappings win
// over later ones, as the YAML merge key type says. A key written twice is
// a problem: one of the two values would be silently lost.
func (d *decoder) entries(n *yaml.Node, path string, depth int) []entry {
	var out, merged []entry
	seen := make(map[string]int)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		if !d.spend(k.Line, path) {
			break
		}
		if k.Kind == yaml.ScalarNode && k.ShortTag() == "!!merge" {
			merged = append(merged, d.merge(val, path, k.Line, depth)...)
			continue
		}
		if k = resolve(k); k == nil || k.Kind != yaml.ScalarNode {
			d.problem(n.Content[i].Line, path, "a key is a list or a mapping; keys must be plain names")
			continue
		}
		if first, ok := seen[k.Value]; ok {
			d.problem(k.Line, child(path, k.Value), "set twice (first on line %d); keep one", first)
			continue
		}
		seen[k.Value] = k.Line
		out = append(out, entry{k, val})
	}
	for _, e := range merged {
		if _, ok := seen[e.key.Value]; !ok {
			seen[e.key.Value] = e.key.Line
			out = append(out, e)
		}
	}
	return out
}

// merge returns the pairs a merge key brings in: those of one mapping or
// of a list of mappings.
func (d *decoder) merge(n *yaml.Node, path string, line, depth int) []entry {
	if depth >= maxMergeDepth {
		d.problem(line, path, "merge keys (<<) nested more than %d deep; flatten them", maxMergeDepth)
		return nil
	}
	n = resolve(n)
	switch {
	case n != nil && n.Kind == yaml.MappingNode:
		return d.entries(n, path, depth+1)
	case n != nil && n.Kind == yaml.SequenceNode:
		var out []entry
		seen := make(map[string]bool)
		for _, c := range n.Content {
			if c = resolve(c); c == nil || c.Kind != yaml.MappingNode {
				d.problem(line, path, "a merge key (<<) lists something other than a mapping; list only mappings")
				continue
			}
			for _, e := range d.entries(c, path, depth+1) {
				if !seen[e.key.Value] {
					seen[e.key.Value] = true
					out = append(out, e)
				}
			}
		}
		return out
	}
	d.problem(line, path, "a merge key (<<) takes a mapping or a list of mappings, such as <<: *defaults")
	return nil
}

// resolve follows an alias to the node it names.
func resolve(n *yaml.Node) *yaml.Node {
	if n != nil && n.Kind == yaml.AliasNode {
		return n.Alias
	}
	return n
}

// describe says what n is, for a message about a value of the wrong kind.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "got a mapping"
	case yaml.SequenceNode:
		return "got a list"
	}
	return fmt.Sprintf("got %q", n.Value)
}

// fieldNames maps the yaml names of t's fields to their index.
func fieldNames(t reflect.Type) map[string]int {
	names := make(map[string]int, t.NumField())
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ",")
		if name != "" && name != "-" {
			names[name] = i
		}
	}
	return names
}

// hint helps with an unknown field of struct type t at path: the known
// field it is likely a misspelling of, or else the fields there are.
func hint(key string, t reflect.Type, path string) string {
	var known []string
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ",")
		if name != "" && name != "-" {
			known = append(known, name)
		}
	}
	if s := suggest(key, known); s != "" {
		return fmt.Sprintf(" (did you mean %q?)", s)
	}
	where := path
	if where == "" {
		where = "the top level"
	}
	return fmt.Sprintf("; %s has %s", where, strings.Join(known, ", "))
}
