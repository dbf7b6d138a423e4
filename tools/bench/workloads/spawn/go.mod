module gostray.bench/spawn

go 1.17

require gostray.bench/harness v0.0.0

replace gostray.bench/harness => ../harness
