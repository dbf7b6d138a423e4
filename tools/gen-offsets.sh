#!/usr/bin/env bash
# Regenerate src/offsets_table.inc from DWARF: a tiny program built with
# every Go toolchain Debian offers here (1.19, 1.21-1.27), plus unstripped
# real binaries for the versions without a toolchain (buildifier 4.2.5 is
# Go 1.17 with zlib-compressed DWARF, 6.1.2 is Go 1.20).  Go 1.18 is taken
# from its neighbours, whose runtime.g is identical.
#
#   tools/gen-offsets.sh            rewrite the table
#   tools/gen-offsets.sh --check    only compare the checked-in table
#   tools/gen-offsets.sh --check BIN...   compare against any binary with DWARF
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

(cd "$here/tools/gen-offsets" && GOTOOLCHAIN=local GOPROXY=off GOFLAGS=-mod=mod \
	"$("$here/tools/go-toolchain.sh" 1.19)" build -o "$work/gen-offsets" .)

if [[ ${1:-} == --check && $# -gt 1 ]]; then
	shift
	exec "$work/gen-offsets" -check "$here/src/offsets_table.inc" "$@"
fi

mkdir -p "$work/tiny"
cat >"$work/tiny/main.go" <<'GO'
package main

func main() { go func() {}() }
GO
printf 'module tiny\n\ngo 1.17\n' >"$work/tiny/go.mod"
bins=()
for v in 1.19 1.21 1.22 1.23 1.24 1.25 1.26 1.27; do
	go=$("$here/tools/go-toolchain.sh" "$v")
	(cd "$work/tiny" && GOTOOLCHAIN=local GOPROXY=off CGO_ENABLED=0 "$go" build -o "$work/tiny-$v" .)
	bins+=("$work/tiny-$v")
done
while read -r name path; do
	bins+=("$path")
done < <("$here/tools/fetch-real-programs.sh" buildifier-4.2.5 buildifier-6.1.2)

if [[ ${1:-} == --check ]]; then
	exec "$work/gen-offsets" -check "$here/src/offsets_table.inc" "${bins[@]}"
fi
"$work/gen-offsets" -o "$here/src/offsets_table.inc" "${bins[@]}"
echo "wrote src/offsets_table.inc" >&2
