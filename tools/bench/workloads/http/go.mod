module gostray.bench/http

go 1.17

require gostray.bench/harness v0.0.0

replace gostray.bench/harness => ../harness
