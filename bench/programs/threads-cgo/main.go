// The cgo tracing benchmark: 200 POSIX threads made by C (pthread_create, each with its 8 MiB stack and,
// as glibc does, malloc arenas), each doing a fixed amount of arithmetic between 500 system calls and a
// few malloc/free pairs. Deterministic; prints a checksum. Untraced it runs in well under a second on 2 cores.
package main

/*
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#define WORKERS 200
#define CALLS 500
#define ALLOCS 5

static long spin;
static uint64_t sums[WORKERS];

static void *worker(void *arg) {
	uintptr_t w = (uintptr_t)arg;
	uint64_t x = w + 1;
	for (int i = 0; i < CALLS; i++) {
		for (long k = 0; k < spin; k++) x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		x ^= (uint64_t)syscall(SYS_getpid); // the raw call: glibc does not cache it
		if (i % (CALLS / ALLOCS) == 0) {
			// big enough to be mmapped by malloc, so the memory trace sees it
			volatile char *p = malloc(256 * 1024);
			if (p) {
				p[0] = (char)x;
				x += (uint64_t)p[0];
				free((void *)p);
			}
		}
	}
	sums[w] = x;
	return 0;
}

static uint64_t run(long n) {
	pthread_t t[WORKERS];
	spin = n;
	for (uintptr_t w = 0; w < WORKERS; w++) pthread_create(&t[w], 0, worker, (void *)w);
	uint64_t total = 0;
	for (int w = 0; w < WORKERS; w++) {
		pthread_join(t[w], 0);
		total ^= sums[w];
	}
	return total;
}
*/
import "C"

import (
	"fmt"
	"os"
	"strconv"
)

func main() {
	spin := 3000 // arithmetic steps between calls; an argument scales the run
	if len(os.Args) > 1 {
		if n, err := strconv.Atoi(os.Args[1]); err == nil {
			spin = n
		}
	}
	total := C.run(C.long(spin))
	fmt.Printf("threads-cgo: %d workers x %d calls, checksum %x\n", C.WORKERS, C.CALLS, uint64(total))
}
