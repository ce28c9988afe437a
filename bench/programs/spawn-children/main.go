// The spawn-heavy tracing benchmark: runs a short child program (default /bin/true) N times in a row
// (default 200) with os/exec and waits for each, the way a build tool or a test runner does. Every child
// calls exit_group once, so a pause on exit_group taken by each child would add up N times.
package main

import (
	"fmt"
	"os"
	"os/exec"
	"strconv"
)

func main() {
	n := 200
	if len(os.Args) > 1 {
		if v, err := strconv.Atoi(os.Args[1]); err == nil {
			n = v
		}
	}
	child := "/bin/true"
	if len(os.Args) > 2 {
		child = os.Args[2]
	}
	for i := 0; i < n; i++ {
		if err := exec.Command(child).Run(); err != nil {
			fmt.Fprintf(os.Stderr, "child %d: %v\n", i, err)
			os.Exit(1)
		}
	}
	fmt.Printf("ran %d children\n", n)
}
