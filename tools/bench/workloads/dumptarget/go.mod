module gostray.bench/dumptarget

go 1.17
