// The pure-Go tracing benchmark: 200 goroutines, each locked to its own OS thread (so the runtime must
// start ~200 threads), each doing a fixed amount of arithmetic between 500 system calls, and a few
// mmap/munmap pairs that a memory trace records. Deterministic: the same calls every run; prints a
// checksum so the work cannot be optimised away. Untraced it runs in well under a second on 2 cores.
package main

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"sync"
	"syscall"
)

const (
	workers        = 200
	callsPerWorker = 500
	mapsPerWorker  = 5
)

func main() {
	spin := 3000 // arithmetic steps between calls; an argument scales the run
	if len(os.Args) > 1 {
		if n, err := strconv.Atoi(os.Args[1]); err == nil {
			spin = n
		}
	}
	var wg sync.WaitGroup
	var ready sync.WaitGroup
	ready.Add(workers)
	start := make(chan struct{})
	sums := make([]uint64, workers)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			// locked and never unlocked: this goroutine has a thread of its own, which exits with it
			runtime.LockOSThread()
			ready.Done()
			<-start
			x := uint64(w + 1)
			for i := 0; i < callsPerWorker; i++ {
				for k := 0; k < spin; k++ {
					x = x*6364136223846793005 + 1442695040888963407
				}
				x ^= uint64(syscall.Getpid())
				if i%(callsPerWorker/mapsPerWorker) == 0 {
					b, err := syscall.Mmap(-1, 0, 64*1024, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE|syscall.MAP_ANON)
					if err == nil {
						b[0] = byte(x)
						x += uint64(b[0])
						_ = syscall.Munmap(b)
					}
				}
			}
			sums[w] = x
		}(w)
	}
	ready.Wait()
	close(start)
	wg.Wait()
	var total uint64
	for _, s := range sums {
		total ^= s
	}
	fmt.Printf("threads-go: %d workers x %d calls, checksum %x\n", workers, callsPerWorker, total)
}
