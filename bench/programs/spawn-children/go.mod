module example.com/bench/spawnchildren

go 1.19
