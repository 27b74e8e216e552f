// Command api is an example service of the shop product.
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
	mux.HandleFunc("GET /api/ping", func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "pong") })
	mux.HandleFunc("GET /api/products", func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, `[{"id":1,"name":"teapot"}]`) })
	web.Run("api", version, fault, "8082", mux)
}
