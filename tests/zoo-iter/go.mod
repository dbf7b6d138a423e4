module gostray.test/zoo-iter

go 1.23
