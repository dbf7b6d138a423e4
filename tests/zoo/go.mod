module gostray.test/zoo

go 1.17
