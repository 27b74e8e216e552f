// Command api is an example service of the shop product.
package main

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"net/http"
	"os"

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
	// What configuration the service got: its log level, and whether it
	// got its database secret (never the secret itself).
	mux.HandleFunc("GET /api/config", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(map[string]any{"log_level": os.Getenv("LOG_LEVEL"), "database_url_set": os.Getenv("DATABASE_URL") != ""})
	})
	web.Run("api", version, fault, "8082", mux)
}
