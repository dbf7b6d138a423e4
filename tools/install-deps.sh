#!/usr/bin/env bash
# Install what gostray needs to build and test, all from Debian, only what
# is missing.  Idempotent; `make` runs it once per build folder.
set -euo pipefail

packages=(
	make gcc pkg-config clang llvm bpftool
	libbpf-dev libelf-dev libdw-dev zlib1g-dev
	libcapstone-dev libjson-c-dev libncurses-dev uthash-dev
	libcmocka-dev golang-go python3 binutils
	# libFuzzer (clang's -fsanitize=fuzzer) for tests/fuzz; xz for its seeds
	libclang-rt-14-dev xz-utils
	# a capture/detach cycle under memcheck (fault/valgrind)
	valgrind
	golang-github-google-pprof-dev protobuf-c-compiler libprotobuf-c-dev
	# `gostray top` driven in an 80x24 pane (tests/integration/top_tmux.py)
	tmux
	# report.html opened in headless chromium, its screenshot read with PIL;
	# DejaVu so that the page's text renders the same everywhere.
	chromium python3-pil fonts-dejavu-core
	# node mode's /metrics; promtool (in prometheus) and python3-yaml check
	# the exposition and deploy/ (deploy/check.sh)
	libmicrohttpd-dev prometheus python3-yaml
	# `gostray node`'s exposition parsed by tests/integration/node.py
	python3-prometheus-client
)

missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing+=("$p")
done
# The real-program tests fetch esbuild, buf and buildifier with npm; the
# machine's own npm serves when there is one.
command -v npm >/dev/null 2>&1 || missing+=(npm)

[[ ${#missing[@]} -eq 0 ]] && exit 0

if [[ $(id -u) -ne 0 ]]; then
	echo "gostray: missing Debian packages: ${missing[*]} (run as root to install them)" >&2
	exit 1
fi
echo "gostray: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
# Only promtool is wanted from prometheus, not the server Debian starts.
if [[ " ${missing[*]} " == *" prometheus "* && -d /run/systemd/system ]]; then
	systemctl disable --now prometheus.service >&2 || true
fi
