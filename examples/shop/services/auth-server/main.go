// Command auth-server is an example service of the shop product.
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
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "token: demo") })
	mux.HandleFunc("GET /login", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	})
	web.Run("auth-server", version, fault, "8081", mux)
}
