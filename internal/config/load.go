package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Load reads, decodes and validates the pipeline file at path, naming it
// path in messages. Problems in the file come back as Errors. A relative
// repository.url is a path from the file's own directory, and comes back
// absolute; a verify key given as a path comes back as the key it holds.
func Load(path string) (*Pipeline, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read pipeline file: %w", err)
	}
	p, err := Parse(path, data)
	if err != nil {
		return nil, err
	}
	dir, err := filepath.Abs(filepath.Dir(path))
	if err != nil {
		return nil, fmt.Errorf("read pipeline file %s: %w", path, err)
	}
	p.Repository.URL = resolveRepoURL(p.Repository.URL, dir)
	if p.Repository.PrivateURL != "" {
		p.Repository.PrivateURL = resolveRepoURL(p.Repository.PrivateURL, dir)
	}
	p.resolveScripts(dir)
	p.resolveVulnDB(dir)
	if err := p.readKeys(path, dir); err != nil {
		return nil, err
	}
	if err := p.readAllowedSigners(path, dir); err != nil {
		return nil, err
	}
	return p, nil
}

// Parse decodes and validates a pipeline file, naming it name in messages,
// and fills in the defaults of the fields it leaves out. On any problem it
// returns nil and Errors, sorted by line, with every problem found: YAML
// syntax, unknown fields, values of the wrong type and broken rules.
func Parse(name string, data []byte) (*Pipeline, error) {
	root, err := parseYAML(data)
	if err != nil {
		return nil, withFile(name, []*Error{err})
	}
	d := newDecoder()
	var p Pipeline
	d.decode(root, reflect.ValueOf(&p).Elem(), "", root.Line)
	p.Order = fileOrder(d.lines, p.Environments)
	p.setDefaults(func(path string) bool {
		_, ok := d.lines[path]
		return ok
	})
	errs := d.errs
	if d.exhausted() {
		// What was decoded is cut short anywhere; judging it would only
		// add noise to the one problem that matters.
		return nil, withFile(name, errs)
	}
	for _, e := range p.validate() {
		if !d.failedUnder(e.Field) {
			e.Line = lineOf(d.lines, e.Field)
			errs = append(errs, e)
		}
	}
	if len(errs) == 0 {
		return &p, nil
	}
	return nil, withFile(name, errs)
}

// withFile sets the file of errs and sorts them by line.
func withFile(name string, errs []*Error) Errors {
	for _, e := range errs {
		e.File = name
	}
	slices.SortStableFunc(errs, func(a, b *Error) int { return a.Line - b.Line })
	return errs
}

// lineOf is the line of the field at path or, when the file leaves it
// out, of the nearest field above it that the file has.
func lineOf(lines map[string]int, path string) int {
	for {
		if line, ok := lines[path]; ok {
			return line
		}
		if path == "" {
			return 0
		}
		path = parent(path)
	}
}

// parseYAML returns the top-level mapping of data, or the one problem
// that keeps it from being read.
func parseYAML(data []byte) (*yaml.Node, *Error) {
	empty := &Error{Line: 1, Msg: "the file is empty; it needs at least product, repository, services and environments"}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, empty
		}
		return nil, syntaxError(err, data)
	}
	var next yaml.Node
	switch err := dec.Decode(&next); {
	case err == nil:
		return nil, &Error{Line: next.Line, Msg: `a second YAML document starts here; keep the pipeline in one document (remove the "---" line and what follows, or merge them)`}
	case !errors.Is(err, io.EOF):
		return nil, syntaxError(err, data)
	}
	root := &doc
	if root.Kind == yaml.DocumentNode && len(root.Content) > 0 {
		root = root.Content[0]
	}
	if root.Kind == yaml.ScalarNode && root.ShortTag() == "!!null" {
		return nil, empty
	}
	if root.Kind != yaml.MappingNode {
		return nil, &Error{Line: root.Line, Msg: "the top level is not a mapping; start the file with fields such as product: shop"}
	}
	return root, nil
}

var (
	lineRE   = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)
	anchorRE = regexp.MustCompile(`^yaml: unknown anchor '(.*)' referenced$`)
)

// syntaxError turns a yaml.v3 parse error into an Error with the line it
// names, and a hint for the mistakes people make most.
func syntaxError(err error, data []byte) *Error {
	msg := err.Error()
	if m := lineRE.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		e := &Error{Line: line, Msg: m[2]}
		if lines := strings.Split(string(data), "\n"); line >= 1 && line <= len(lines) && strings.Contains(lines[line-1], "\t") {
			e.Msg += " (a tab is on this line: YAML indents with spaces only)"
		}
		return e
	}
	if m := anchorRE.FindStringSubmatch(msg); m != nil {
		e := &Error{Msg: fmt.Sprintf("alias *%s names no anchor; define &%s before it is used", m[1], m[1])}
		for i, l := range strings.Split(string(data), "\n") {
			if strings.Contains(l, "*"+m[1]) {
				e.Line = i + 1
				break
			}
		}
		return e
	}
	return &Error{Msg: strings.TrimPrefix(msg, "yaml: ")}
}

// fileOrder lists envs in the order of their lines in the file.
func fileOrder(lines map[string]int, envs map[string]Environment) []string {
	names := slices.Sorted(maps.Keys(envs))
	slices.SortStableFunc(names, func(a, b string) int {
		return lines[child("environments", a)] - lines[child("environments", b)]
	})
	return names
}
