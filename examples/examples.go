// Package examples holds the sample product Signalman's demo and tests
// release: shop, three small HTTP services and its signalman.yaml.
package examples

import (
	"embed"
	"io/fs"
	"strings"
)

//go:embed all:shop
var shop embed.FS

// Shop returns the example product's files, path to content, as they go
// into a repository of their own (go.mod.demo becomes go.mod).
func Shop() (map[string]string, error) {
	files := map[string]string{}
	err := fs.WalkDir(shop, "shop", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := shop.ReadFile(path)
		if err != nil {
			return err
		}
		name := strings.TrimPrefix(path, "shop/")
		if name == "go.mod.demo" {
			name = "go.mod"
		}
		files[name] = string(data)
		return nil
	})
	return files, err
}
