package artifact

import (
	"bytes"
	"crypto/sha256"
	"debug/buildinfo"
	"fmt"
	"runtime/debug"
	"strings"
	"time"

	cdx "github.com/CycloneDX/cyclonedx-go"
	"github.com/google/uuid"
)

// sbomSpec is the CycloneDX version Signalman writes.
const sbomSpec = cdx.SpecVersion1_6

// PredicateCycloneDX is the in-toto predicate type of a CycloneDX SBOM, as
// cosign names it.
const PredicateCycloneDX = "https://cyclonedx.org/bom"

// Property names Signalman uses in its SBOMs.
const (
	propGoVersion   = "signalman:go:version"
	propGoSetting   = "signalman:go:build:" // followed by the setting's key
	propGoSum       = "signalman:go:sum"
	propGoReplace   = "signalman:go:replace"
	propCommit      = "signalman:source:commit"
	propRepository  = "signalman:source:repository"
	propLayer       = "signalman:image:layer:" // followed by the layer's index
	propLayerDiffID = "signalman:image:layer-diff-id:"
)

// SBOM is the CycloneDX JSON SBOM of the Go binary at path, built from the
// module information the go command embeds in every binary: the main module,
// each dependency (with its replacement, if any) as a library component with a
// pkg:golang package URL, the Go version and the build settings.
//
// The document is deterministic: its timestamp is the commit time and its
// serial number is derived from its content.
func SBOM(binary string, b GoBuild) ([]byte, error) {
	info, err := buildinfo.ReadFile(binary)
	if err != nil {
		return nil, fmt.Errorf("sbom of %s: read Go build information from %s: %w", b.Service, binary, err)
	}
	bom, err := goBOM(info, b.Source())
	if err != nil {
		return nil, fmt.Errorf("sbom of %s: %w", b.Service, err)
	}
	return encodeBOM(bom)
}

func goBOM(info *debug.BuildInfo, src Source) (*cdx.BOM, error) {
	mainPath := info.Main.Path
	if mainPath == "" {
		mainPath = info.Path
	}
	version := src.Version
	if version == "" {
		version = info.Main.Version
	}
	main := cdx.Component{
		BOMRef:     golangPURL(mainPath, version),
		Type:       cdx.ComponentTypeApplication,
		Name:       src.Service,
		Version:    version,
		PackageURL: golangPURL(mainPath, version),
	}
	if main.Name == "" {
		main.Name = mainPath
	}
	props := []cdx.Property{{Name: propGoVersion, Value: info.GoVersion}}
	props = append(props, sourceProps(src)...)
	for _, s := range info.Settings {
		props = append(props, cdx.Property{Name: propGoSetting + s.Key, Value: s.Value})
	}
	main.Properties = &props

	// The standard library is a module of the binary too, at the
	// toolchain's version: vulnerability databases list it as stdlib.
	var comps []cdx.Component
	var refs []string
	if v := stdlibVersion(info.GoVersion); v != "" {
		comps = append(comps, cdx.Component{
			BOMRef: golangPURL("stdlib", v), Type: cdx.ComponentTypeLibrary, Name: "stdlib", Version: v, PackageURL: golangPURL("stdlib", v),
		})
		refs = append(refs, comps[0].BOMRef)
	}
	for _, dep := range info.Deps {
		c := moduleComponent(dep)
		comps = append(comps, c)
		refs = append(refs, c.BOMRef)
	}

	bom := newBOM(src.CommitTime, main)
	bom.Metadata.Tools = &cdx.ToolsChoice{Components: &[]cdx.Component{{
		Type:    cdx.ComponentTypeApplication,
		Name:    "go",
		Version: info.GoVersion,
	}}}
	bom.Components = &comps
	bom.Dependencies = &[]cdx.Dependency{{Ref: main.BOMRef, Dependencies: &refs}}
	return bom, nil
}

// moduleComponent describes a dependency as it was compiled in: a replaced
// module keeps its required path and version as its name, and records the
// replacement.
func moduleComponent(m *debug.Module) cdx.Component {
	c := cdx.Component{
		BOMRef:     golangPURL(m.Path, m.Version),
		Type:       cdx.ComponentTypeLibrary,
		Name:       m.Path,
		Version:    m.Version,
		PackageURL: golangPURL(m.Path, m.Version),
	}
	var props []cdx.Property
	sum := m.Sum
	if r := m.Replace; r != nil {
		props = append(props, cdx.Property{Name: propGoReplace, Value: strings.TrimSuffix(r.Path+"@"+r.Version, "@")})
		sum = r.Sum
		if r.Version != "" {
			c.PackageURL = golangPURL(r.Path, r.Version)
		}
	}
	if sum != "" {
		props = append(props, cdx.Property{Name: propGoSum, Value: sum})
	}
	if len(props) > 0 {
		c.Properties = &props
	}
	return c
}

func sourceProps(src Source) []cdx.Property {
	var props []cdx.Property
	if src.Commit != "" {
		props = append(props, cdx.Property{Name: propCommit, Value: src.Commit})
	}
	if src.Repository != "" {
		props = append(props, cdx.Property{Name: propRepository, Value: src.Repository})
	}
	return props
}

func newBOM(at time.Time, main cdx.Component) *cdx.BOM {
	bom := cdx.NewBOM()
	bom.Version = 1
	bom.Metadata = &cdx.Metadata{
		Timestamp: commitTime(at).Format(time.RFC3339),
		Component: &main,
	}
	return bom
}

// encodeBOM writes bom as JSON with a serial number that is a name-based UUID
// of the rest of the document, so equal content gets an equal serial.
func encodeBOM(bom *cdx.BOM) ([]byte, error) {
	bom.SerialNumber = ""
	unserialled, err := encodeJSON(bom)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(unserialled)
	bom.SerialNumber = uuid.NewSHA1(uuid.NameSpaceURL, sum[:]).URN()
	return encodeJSON(bom)
}

func encodeJSON(bom *cdx.BOM) ([]byte, error) {
	var buf bytes.Buffer
	enc := cdx.NewBOMEncoder(&buf, cdx.BOMFileFormatJSON)
	enc.SetPretty(true)
	if err := enc.EncodeVersion(bom, sbomSpec); err != nil {
		return nil, fmt.Errorf("encode CycloneDX: %w", err)
	}
	return buf.Bytes(), nil
}

// golangPURL is the package URL of a Go module version.
func golangPURL(path, version string) string {
	segs := strings.Split(path, "/")
	for i, s := range segs {
		segs[i] = purlEscape(s)
	}
	p := "pkg:golang/" + strings.Join(segs, "/")
	if version != "" {
		p += "@" + purlEscape(version)
	}
	return p
}

// purlEscape percent-encodes everything but the characters a package URL
// segment may hold as they are.
func purlEscape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte(".-_~", c) >= 0 {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", c)
	}
	return b.String()
}

// stdlibVersion is the standard library's module version in a Go
// toolchain version: go1.26.8 is v1.26.8; a development toolchain has none.
func stdlibVersion(goVersion string) string {
	v, ok := strings.CutPrefix(goVersion, "go")
	if !ok {
		return ""
	}
	v, _, _ = strings.Cut(v, " ")
	if strings.Count(v, ".") == 1 {
		v += ".0"
	}
	return "v" + v
}
