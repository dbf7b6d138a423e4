module gostray.bench/harness

go 1.17
