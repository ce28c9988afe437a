module example.com/bench/threadsgo

go 1.19
