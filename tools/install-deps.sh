#!/usr/bin/env bash
# What gostray needs, all from Debian, in three groups:
#   build  compile ./gostray and the unit tests of its pure modules
#   demo   build, and the Go toolchain the demo service is built with
#   test   demo, and everything `make test` runs (toolchains' fetcher, real
#          programs, browsers, tmux, valgrind, promtool ...)
#
#   tools/install-deps.sh [GROUP]          install what GROUP lacks (default
#                                          test); needs root when it lacks any
#   tools/install-deps.sh --check GROUP    install nothing: exit 1 with one
#                                          line naming what GROUP lacks
# Idempotent: installs only what is missing.
set -euo pipefail

build=(
	make gcc libc6-dev pkg-config clang llvm bpftool
	libbpf-dev libelf-dev libdw-dev zlib1g-dev
	libcapstone-dev libjson-c-dev libncurses-dev uthash-dev libmicrohttpd-dev
	# pprof's profile.proto, compiled by protoc-c
	golang-github-google-pprof-dev protobuf-c-compiler libprotobuf-c-dev
	# the unit tests' harness
	libcmocka-dev
)
demo=(golang-go)
test=(
	python3 binutils
	# libFuzzer (clang's -fsanitize=fuzzer) for tests/fuzz; xz for its seeds
	libclang-rt-14-dev xz-utils
	# a capture/detach cycle under memcheck (fault/valgrind)
	valgrind
	# `gostray top` driven in an 80x24 pane (tests/integration/top_tmux.py)
	tmux
	# report.html opened in headless chromium, its screenshot read with PIL;
	# DejaVu so that the page's text renders the same everywhere.
	chromium python3-pil fonts-dejavu-core
	# promtool (Debian's prometheus package) and python3-yaml check the
	# exposition and deploy/ (deploy/check.sh)
	prometheus python3-yaml
	# `gostray node`'s exposition parsed by tests/integration/node.py
	python3-prometheus-client
)

check_only=false
if [[ ${1:-} == --check ]]; then
	check_only=true
	shift
fi
group=${1:-test}
case $group in
build) packages=("${build[@]}") ;;
demo) packages=("${build[@]}" "${demo[@]}") ;;
test) packages=("${build[@]}" "${demo[@]}" "${test[@]}") ;;
*) echo "usage: tools/install-deps.sh [--check] [build|demo|test]" >&2; exit 2 ;;
esac

missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing+=("$p")
done
# The real-program tests fetch esbuild, buf and buildifier with npm; the
# machine's own npm serves when there is one.
[[ $group == test ]] && ! command -v npm >/dev/null 2>&1 && missing+=(npm)

[[ ${#missing[@]} -eq 0 ]] && exit 0

if $check_only || [[ $(id -u) -ne 0 ]]; then
	echo "gostray: missing Debian packages ($group): ${missing[*]} (install them, or run sudo tools/install-deps.sh $group)" >&2
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
