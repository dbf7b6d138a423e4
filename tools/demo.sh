#!/usr/bin/env bash
# The demo behind `sudo make demo`: start the bundled leaky service
# (demo/leakyservice), let it take traffic for a few seconds, attach gostray
# to it for a short capture and show which go statements leak.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
out=${OUTPUT:-build}
seconds=${DEMO_SECONDS:-10}

if [[ $(id -u) -ne 0 ]]; then
	echo "gostray demo: run as root (sudo make demo): tracing needs BPF and ptrace" >&2
	exit 1
fi
tests/build-go.sh "$out/go" 1.19 demo/leakyservice >&2
bin="$out/go/go1.19/leakyservice.static-stripped"

"$bin" -addr 127.0.0.1:0 -load >"$out/demo-service.log" 2>&1 &
svc=$!
trap 'kill $svc 2>/dev/null; wait $svc 2>/dev/null || true' EXIT
sleep 3
echo "== leakyservice (PID $svc) has been serving for 3s; tracing it for ${seconds}s" >&2
./gostray capture "$svc" -d "$seconds" -o "$out/demo-incident"
echo >&2
echo "== The top rows are go statements whose goroutines pile up: LIVE keeps the ones still alive," >&2
echo "   OLDEST how long the oldest has waited ('+': born before gostray attached), WAITING ON what" >&2
echo "   they are blocked on; VERDICT and the lines below the table say which ones leak and why." >&2
echo "   demo/leakyservice/main.go marks the leaking lines with '// site:'." >&2
echo "== The incident folder: $out/demo-incident/report.html (open it in a browser), report.json," >&2
echo "   goroutines.pb.gz (go tool pprof -top $out/demo-incident/goroutines.pb.gz)" >&2
