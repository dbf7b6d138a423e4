#!/usr/bin/env bash
# Build Go main packages with several toolchains, in every binary shape
# gostray must handle.
#
#   tests/build-go.sh OUTDIR "1.19 1.27" PKGDIR...
#
# For each version V and package directory P (a main package with its own
# go.mod), writes OUTDIR/goV/NAME.VARIANT where NAME is basename(P) and
# VARIANT is one of:
#   static           CGO_ENABLED=0, internal link, with .symtab and DWARF
#   static-stripped  same, -ldflags='-s -w' (pclntab only)
#   pie              -buildmode=pie
#   pie-stripped
#   cgo              CGO_ENABLED=1, external link, dynamically linked
#   cgo-stripped
#   extpie           CGO_ENABLED=1, external link, PIE (Debian's dockerd shape)
#   extpie-stripped
# A binary newer than every source file of its package is not rebuilt.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
out=$1; shift
versions=$1; shift

variants="static static-stripped pie pie-stripped cgo cgo-stripped extpie extpie-stripped"

build_one() { # go pkgdir dest variant
	local go=$1 pkg=$2 dest=$3 variant=$4
	local env=(GOTOOLCHAIN=local GOPROXY=off GOFLAGS=-mod=mod GOWORK=off)
	local args=()
	case $variant in
	static*) env+=(CGO_ENABLED=0) ;;
	pie*) env+=(CGO_ENABLED=0); args+=(-buildmode=pie) ;;
	cgo*) env+=(CGO_ENABLED=1) ;;
	extpie*) env+=(CGO_ENABLED=1); args+=(-buildmode=pie) ;;
	esac
	local ldflags=""
	case $variant in cgo*|extpie*) ldflags="-linkmode=external" ;; esac
	case $variant in *-stripped) ldflags="$ldflags -s -w" ;; esac
	[[ -n $ldflags ]] && args+=(-ldflags="${ldflags# }")
	(cd "$pkg" && env "${env[@]}" "$go" build "${args[@]}" -o "$dest" .)
}

for v in $versions; do
	go=$("$here/tools/go-toolchain.sh" "$v")
	mkdir -p "$out/go$v"
	for pkg in "$@"; do
		pkg=$(cd "$pkg" && pwd)
		name=$(basename "$pkg")
		newest=$(find "$pkg" -type f -printf '%T@\n' | sort -n | tail -1)
		for variant in $variants; do
			dest="$out/go$v/$name.$variant"
			dest=$(realpath -m "$dest")
			if [[ -e $dest ]] && [[ $(stat -c %Y "$dest") > ${newest%.*} ]]; then
				continue
			fi
			printf '  %-8s %s\n' GO "$dest"
			build_one "$go" "$pkg" "$dest" "$variant"
		done
	done
done
