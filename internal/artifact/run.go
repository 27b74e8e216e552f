package artifact

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"time"
)

// tailLines is how many output lines a failed command's error carries.
const tailLines = 30

// runLogged runs cmd with stdout and stderr merged, handing each line to log
// (if set). A failure's error carries the last lines of output.
func runLogged(cmd *exec.Cmd, log func(string)) error {
	r, w := io.Pipe()
	cmd.Stdout = w
	cmd.Stderr = w
	// go build's compiler and linker children hold the pipe too; do not wait
	// on them for ever once go itself has been killed.
	cmd.WaitDelay = 5 * time.Second

	var tail []string
	done := make(chan struct{})
	go func() {
		defer close(done)
		br := bufio.NewReader(r)
		for {
			line, err := br.ReadString('\n')
			if line = strings.TrimRight(line, "\r\n"); line != "" || err == nil {
				if log != nil {
					log(line)
				}
				tail = append(tail, line)
				if len(tail) > tailLines {
					tail = tail[1:]
				}
			}
			if err != nil {
				return
			}
		}
	}()

	err := cmd.Run()
	w.Close()
	<-done
	if err == nil {
		return nil
	}
	var exit *exec.ExitError
	if errors.As(err, &exit) && len(tail) > 0 {
		return fmt.Errorf("%w:\n%s", err, strings.Join(tail, "\n"))
	}
	return err
}
