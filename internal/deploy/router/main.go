package router

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
)

// Main runs a router process until SIGTERM or SIGINT, then lets requests under
// way finish. The worker and CLI binaries call it when started with their
// hidden router argument; args are the flags after it. It returns the exit
// code: 0 after a clean stop, 1 on failure, 2 for bad flags.
func Main(args []string) int {
	fs := flag.NewFlagSet("router", flag.ContinueOnError)
	dir := fs.String("dir", "", "router directory: state.json, token, router.json (required)")
	listen := fs.String("listen", "127.0.0.1:0", "traffic address, host:port; port 0 reuses the previous port or picks a free one")
	admin := fs.String("admin", "127.0.0.1:0", "admin API address, host:port on loopback")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *dir == "" || fs.NArg() > 0 {
		fmt.Fprintln(fs.Output(), "usage: router --dir DIR [--listen HOST:PORT] [--admin 127.0.0.1:PORT]")
		return 2
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, nil)).With("router", *dir)

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	srv, err := Serve(ctx, Config{Dir: *dir, Listen: *listen, Admin: *admin, Logger: log})
	if err != nil {
		log.Error("router did not start", "err", err)
		return 1
	}
	<-ctx.Done()
	log.Info("stopping: finishing requests under way")
	if err := srv.Close(); err != nil {
		log.Error("router did not stop cleanly", "err", err)
		return 1
	}
	return 0
}
