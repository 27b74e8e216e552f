// Command content-server is an example service of the shop product.
package main

import (
	_ "embed"
	"fmt"
	"net/http"

	"github.com/signalman/signalman/examples/shop/web"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

// fault is the fault switch: a release that sets it is bad on purpose.
//
//go:embed fault.json
var fault []byte

func main() {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /", func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "<h1>shop</h1>") })
	web.Run("content-server", version, fault, "8083", mux)
}
