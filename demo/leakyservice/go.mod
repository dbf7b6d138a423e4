module gostray.demo/leakyservice

go 1.17
