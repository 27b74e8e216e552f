// Package vuln checks what an image holds against a local database of OSV
// records, through golang.org/x/vuln: a Go binary by the vulnerable
// symbols it reaches (govulncheck's binary mode), every other package an
// SBOM lists by its version (govulncheck's query mode, which matches a
// module version against the records' affected ranges).
package vuln

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"golang.org/x/mod/semver"
	"golang.org/x/vuln/scan"
)

// Via says how a vulnerability was found.
const (
	// ViaBinary: the Go binary calls one of its vulnerable symbols.
	ViaBinary = "binary"
	// ViaSBOM: the image holds a package at a vulnerable version.
	ViaSBOM = "sbom"
)

// Hit is one vulnerability that applies to an image.
type Hit struct {
	ID      string
	Aliases []string
	Summary string
	// Severity is the record's own grade (low, medium, high, critical),
	// empty when it gives none.
	Severity string
	// Module and Version are the vulnerable module as the image holds it;
	// Fixed is the first version that is not vulnerable, empty if none.
	Module, Version, Fixed string
	// Symbol is the vulnerable function the binary reaches (ViaBinary).
	Symbol string
	Via    string
}

// Module is a Go module version an SBOM lists; Path "stdlib" is the
// standard library.
type Module struct{ Path, Version string }

// Database is a directory of OSV records.
type Database struct {
	Dir string
	// Modified is when its newest record changed, as govulncheck read it.
	Modified time.Time
	// files maps a record's ID to its file, for a directory whose files
	// are not named by ID; filled when first needed.
	files map[string]string
}

// Open checks that dir holds a database govulncheck can read.
func Open(dir string) (Database, error) {
	fi, err := os.Stat(dir)
	if err != nil {
		return Database{}, fmt.Errorf("vulnerability database %s: %w", dir, err)
	}
	if !fi.IsDir() {
		return Database{}, fmt.Errorf("vulnerability database %s is not a directory", dir)
	}
	return Database{Dir: dir}, nil
}

// message is one line of govulncheck's JSON stream, the fields read here.
type message struct {
	Config *struct {
		DBLastModified *time.Time `json:"db_last_modified"`
	} `json:"config"`
	OSV     *entry `json:"osv"`
	Finding *struct {
		OSV          string `json:"osv"`
		FixedVersion string `json:"fixed_version"`
		Trace        []struct {
			Module   string `json:"module"`
			Version  string `json:"version"`
			Package  string `json:"package"`
			Function string `json:"function"`
			Receiver string `json:"receiver"`
		} `json:"trace"`
	} `json:"finding"`
}

// entry is an OSV record, the fields read here.
type entry struct {
	ID       string   `json:"id"`
	Aliases  []string `json:"aliases"`
	Summary  string   `json:"summary"`
	Affected []struct {
		Package struct {
			Name string `json:"name"`
		} `json:"package"`
		Ranges []struct {
			Events []struct {
				Fixed string `json:"fixed"`
			} `json:"events"`
		} `json:"ranges"`
		EcosystemSpecific *struct {
			Imports []struct {
				Path    string   `json:"path"`
				Symbols []string `json:"symbols"`
			} `json:"imports"`
			Severity string `json:"severity"`
		} `json:"ecosystem_specific"`
	} `json:"affected"`
	DatabaseSpecific *struct {
		Severity string `json:"severity"`
	} `json:"database_specific"`
}

// run runs govulncheck with args against db and decodes its JSON stream.
func (db *Database) run(ctx context.Context, args ...string) ([]message, error) {
	abs, err := filepath.Abs(db.Dir)
	if err != nil {
		return nil, err
	}
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(abs)}
	var out, errOut bytes.Buffer
	cmd := scan.Command(ctx, append([]string{"-db", u.String(), "-format", "json"}, args...)...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = strings.NewReader(""), &out, &errOut
	// Only the database is read: no network, no telemetry.
	cmd.Env = append(os.Environ(), "GOTELEMETRY=off")
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	if err := cmd.Wait(); err != nil {
		return nil, fmt.Errorf("govulncheck %s: %v: %s", strings.Join(args, " "), err, tail(errOut.String()))
	}
	var msgs []message
	dec := json.NewDecoder(&out)
	for {
		var m message
		if err := dec.Decode(&m); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return nil, fmt.Errorf("govulncheck %s: read its output: %w", strings.Join(args, " "), err)
		}
		if m.Config != nil && m.Config.DBLastModified != nil {
			db.Modified = m.Config.DBLastModified.UTC()
		}
		msgs = append(msgs, m)
	}
	return msgs, nil
}

// Binary lists the vulnerabilities whose symbols the Go binary at path
// reaches. Records on its modules whose symbols it does not reach are
// not hits.
func (db *Database) Binary(ctx context.Context, path string) ([]Hit, error) {
	msgs, err := db.run(ctx, "-mode", "binary", path)
	if err != nil {
		return nil, err
	}
	entries := map[string]*entry{}
	for _, m := range msgs {
		if m.OSV != nil {
			entries[m.OSV.ID] = m.OSV
		}
	}
	var hits []Hit
	seen := map[string]bool{}
	for _, m := range msgs {
		f := m.Finding
		if f == nil || len(f.Trace) == 0 || f.Trace[0].Function == "" || seen[f.OSV] {
			continue
		}
		seen[f.OSV] = true
		top := f.Trace[0]
		symbol := top.Function
		if top.Receiver != "" {
			symbol = strings.TrimPrefix(top.Receiver, "*") + "." + symbol
		}
		h := Hit{ID: f.OSV, Module: top.Module, Version: top.Version, Fixed: f.FixedVersion, Symbol: top.Package + "." + symbol, Via: ViaBinary}
		if e := entries[f.OSV]; e != nil {
			h.Aliases, h.Summary = e.Aliases, e.Summary
		}
		h.Severity = db.severity(f.OSV)
		hits = append(hits, h)
	}
	return hits, nil
}

// Packages lists the vulnerabilities that apply to the modules at their
// versions. With wholeOnly, a record that names vulnerable packages is
// left to the binary's analysis, and only those that hold the whole
// module version vulnerable count.
func (db *Database) Packages(ctx context.Context, mods []Module, wholeOnly bool) ([]Hit, error) {
	var hits []Hit
	// One query a module: govulncheck answers a query with the records
	// that affect any of its modules, so a record is matched to the
	// module whose version it was asked about.
	for _, m := range mods {
		if !semver.IsValid(m.Version) {
			continue
		}
		msgs, err := db.run(ctx, "-mode", "query", m.Path+"@"+m.Version)
		if err != nil {
			return nil, err
		}
		for _, msg := range msgs {
			e := msg.OSV
			if e == nil || !affects(e, m.Path) || wholeOnly && namesPackages(e, m.Path) {
				continue
			}
			hits = append(hits, Hit{
				ID: e.ID, Aliases: e.Aliases, Summary: e.Summary, Severity: db.severity(e.ID),
				Module: m.Path, Version: m.Version, Fixed: fixedAfter(e, m), Via: ViaSBOM,
			})
		}
	}
	return hits, nil
}

// affects reports whether the record names module.
func affects(e *entry, module string) bool {
	for _, a := range e.Affected {
		if a.Package.Name == module {
			return true
		}
	}
	return false
}

// namesPackages reports whether the record narrows module's vulnerability
// to some of its packages.
func namesPackages(e *entry, module string) bool {
	for _, a := range e.Affected {
		if a.Package.Name == module && a.EcosystemSpecific != nil && len(a.EcosystemSpecific.Imports) > 0 {
			return true
		}
	}
	return false
}

// fixedAfter is the least fixed version of m's record above m's version.
func fixedAfter(e *entry, m Module) string {
	var best string
	for _, a := range e.Affected {
		if a.Package.Name != m.Path {
			continue
		}
		for _, r := range a.Ranges {
			for _, ev := range r.Events {
				v := "v" + strings.TrimPrefix(ev.Fixed, "v")
				if ev.Fixed == "" || semver.Compare(v, m.Version) <= 0 {
					continue
				}
				if best == "" || semver.Compare(v, best) < 0 {
					best = v
				}
			}
		}
	}
	return best
}

// severity is the record's grade in the database's words, named as
// config.Severities names them; empty when it gives none (the Go database
// grades none; a record graded only by a CVSS vector counts as ungraded).
// govulncheck's output leaves the grade out, so it is read from the
// record's own file.
func (db *Database) severity(id string) string {
	var e entry
	data, err := db.record(id)
	if err != nil || json.Unmarshal(data, &e) != nil {
		return ""
	}
	var words []string
	if e.DatabaseSpecific != nil {
		words = append(words, e.DatabaseSpecific.Severity)
	}
	for _, a := range e.Affected {
		if a.EcosystemSpecific != nil {
			words = append(words, a.EcosystemSpecific.Severity)
		}
	}
	for _, w := range words {
		switch strings.ToLower(w) {
		case "low":
			return "low"
		case "moderate", "medium":
			return "medium"
		case "high":
			return "high"
		case "critical":
			return "critical"
		}
	}
	return ""
}

// record reads the OSV record id: ID/id.json in the Go database's layout,
// id.json in a flat directory, or any JSON file of the directory whose id
// it is.
func (db *Database) record(id string) ([]byte, error) {
	for _, p := range []string{filepath.Join(db.Dir, "ID", id+".json"), filepath.Join(db.Dir, id+".json")} {
		if data, err := os.ReadFile(p); err == nil {
			return data, nil
		}
	}
	if db.files == nil {
		db.files = map[string]string{}
		_ = filepath.WalkDir(db.Dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || filepath.Ext(p) != ".json" {
				return nil
			}
			var head struct {
				ID string `json:"id"`
			}
			if data, err := os.ReadFile(p); err == nil && json.Unmarshal(data, &head) == nil && head.ID != "" {
				db.files[head.ID] = p
			}
			return nil
		})
	}
	p, ok := db.files[id]
	if !ok {
		return nil, fs.ErrNotExist
	}
	return os.ReadFile(p)
}

// GoModules are the Go modules a CycloneDX SBOM lists by package URL
// (pkg:golang/PATH@VERSION), the standard library among them.
func GoModules(sbom []byte) ([]Module, error) {
	var doc struct {
		Components []struct {
			PURL string `json:"purl"`
		} `json:"components"`
	}
	if err := json.Unmarshal(sbom, &doc); err != nil {
		return nil, fmt.Errorf("read SBOM: %w", err)
	}
	var mods []Module
	for _, c := range doc.Components {
		rest, ok := strings.CutPrefix(c.PURL, "pkg:golang/")
		if !ok {
			continue
		}
		path, version, ok := strings.Cut(rest, "@")
		if !ok {
			continue
		}
		p, err1 := url.PathUnescape(path)
		v, err2 := url.PathUnescape(version)
		if err1 != nil || err2 != nil {
			continue
		}
		m := Module{Path: p, Version: v}
		if !slices.Contains(mods, m) {
			mods = append(mods, m)
		}
	}
	return mods, nil
}

func tail(s string) string {
	s = strings.TrimSpace(s)
	if len(s) > 400 {
		s = "..." + s[len(s)-400:]
	}
	return s
}
