package artifact

import (
	"archive/tar"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"path"
	"sort"
	"strconv"

	cdx "github.com/CycloneDX/cyclonedx-go"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
)

// SBOMFromImage is the CycloneDX JSON SBOM of an image built from a
// Dockerfile, whose packages Signalman cannot know: the image itself as a
// container component (its layers as properties), and every regular file of
// its final file system as a file component with its SHA-256.
//
// The document is deterministic: its timestamp is src.CommitTime and its
// serial number is derived from its content.
func SBOMFromImage(img v1.Image, src Source) ([]byte, error) {
	bom, err := imageBOM(img, src)
	if err != nil {
		return nil, fmt.Errorf("sbom of %s %s: %w", src.Service, src.Version, err)
	}
	return encodeBOM(bom)
}

func imageBOM(img v1.Image, src Source) (*cdx.BOM, error) {
	digest, err := img.Digest()
	if err != nil {
		return nil, err
	}
	layers, err := img.Layers()
	if err != nil {
		return nil, err
	}
	props := sourceProps(src)
	for i, l := range layers {
		d, err := l.Digest()
		if err != nil {
			return nil, err
		}
		diffID, err := l.DiffID()
		if err != nil {
			return nil, err
		}
		props = append(props,
			cdx.Property{Name: propLayer + strconv.Itoa(i), Value: d.String()},
			cdx.Property{Name: propLayerDiffID + strconv.Itoa(i), Value: diffID.String()})
	}
	name := src.Service
	if name == "" {
		name = "image"
	}
	purl := fmt.Sprintf("pkg:oci/%s@%s", purlEscape(name), purlEscape(digest.String()))
	main := cdx.Component{
		BOMRef:     purl,
		Type:       cdx.ComponentTypeContainer,
		Name:       name,
		Version:    src.Version,
		PackageURL: purl,
		Hashes:     &[]cdx.Hash{{Algorithm: cdx.HashAlgoSHA256, Value: digest.Hex}},
	}
	if len(props) > 0 {
		main.Properties = &props
	}

	files, err := imageFiles(img)
	if err != nil {
		return nil, err
	}
	refs := make([]string, len(files))
	for i, f := range files {
		refs[i] = f.BOMRef
	}
	bom := newBOM(src.CommitTime, main)
	bom.Components = &files
	bom.Dependencies = &[]cdx.Dependency{{Ref: main.BOMRef, Dependencies: &refs}}
	return bom, nil
}

// imageFiles lists the regular files of img's flattened file system, by path.
func imageFiles(img v1.Image) ([]cdx.Component, error) {
	rc := mutate.Extract(img)
	defer rc.Close()
	tr := tar.NewReader(rc)
	files := []cdx.Component{}
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("read the image's file system: %w", err)
		}
		if h.Typeflag != tar.TypeReg {
			continue
		}
		sum := sha256.New()
		if _, err := io.Copy(sum, tr); err != nil {
			return nil, fmt.Errorf("read %s in the image: %w", h.Name, err)
		}
		name := path.Clean("/" + h.Name)
		files = append(files, cdx.Component{
			BOMRef: "file:" + name,
			Type:   cdx.ComponentTypeFile,
			Name:   name,
			Hashes: &[]cdx.Hash{{Algorithm: cdx.HashAlgoSHA256, Value: hex.EncodeToString(sum.Sum(nil))}},
		})
	}
	sort.Slice(files, func(i, j int) bool { return files[i].Name < files[j].Name })
	return files, nil
}
