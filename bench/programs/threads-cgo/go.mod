module example.com/bench/threadscgo

go 1.19
