#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# Fetch real Go programs (nobody here built them) into a cache outside the
# checkout, for tests/unit/test_realbin.c and the real-program tests.
#
#   tools/fetch-real-programs.sh [NAME...]   fetch NAMEs (default: all);
#                                            prints "NAME PATH" per program
#   tools/fetch-real-programs.sh --list-cached   "NAME PATH" of what is
#                                            cached; never downloads
#   tools/fetch-real-programs.sh --names     every NAME this script knows
#
# Cache: $GOSTRAY_REAL_CACHE, default /var/cache/gostray/real.  Fetching is
# idempotent (a program is downloaded once; NAME.path marks it complete)
# and serialised by flock, so parallel CI jobs share one cache.
#
# Sources (see docs/test-programs.md): the npm registry through npm's own
# configuration, and Debian packages through apt-get download + dpkg -x
# with a private APT_CONFIG (state, lists and cache under the cache
# folder), so the system's apt state is never touched.  The Debian mirror
# is the one in the machine's own apt sources.
#
# Exit status: 0 when every requested program is in the cache; 1 on any
# failure, with one line on stderr saying which registry or step failed.
set -euo pipefail

me=fetch-real-programs
CACHE=${GOSTRAY_REAL_CACHE:-/var/cache/gostray/real}

# NAME  SOURCE  PACKAGE  PATH-INSIDE-PACKAGE
#  npm: PACKAGE is pkg@version, path under node_modules/
#  deb: PACKAGE is pkg/suite, path under the extracted package
PROGRAMS='
esbuild-0.11.23   npm esbuild-linux-64@0.11.23          esbuild-linux-64/bin/esbuild
esbuild-0.12.29   npm esbuild-linux-64@0.12.29          esbuild-linux-64/bin/esbuild
esbuild-0.14.25   npm esbuild-linux-64@0.14.25          esbuild-linux-64/bin/esbuild
esbuild-0.14.47   npm esbuild-linux-64@0.14.47          esbuild-linux-64/bin/esbuild
esbuild-0.15.18   npm esbuild-linux-64@0.15.18          esbuild-linux-64/bin/esbuild
esbuild-0.16.17   npm @esbuild/linux-x64@0.16.17        @esbuild/linux-x64/bin/esbuild
esbuild-0.17.19   npm @esbuild/linux-x64@0.17.19        @esbuild/linux-x64/bin/esbuild
esbuild-0.21.5    npm @esbuild/linux-x64@0.21.5         @esbuild/linux-x64/bin/esbuild
esbuild-0.23.1    npm @esbuild/linux-x64@0.23.1         @esbuild/linux-x64/bin/esbuild
esbuild-0.25.12   npm @esbuild/linux-x64@0.25.12        @esbuild/linux-x64/bin/esbuild
esbuild-0.26.0    npm @esbuild/linux-x64@0.26.0         @esbuild/linux-x64/bin/esbuild
esbuild-0.27.7    npm @esbuild/linux-x64@0.27.7         @esbuild/linux-x64/bin/esbuild
esbuild-0.28.2    npm @esbuild/linux-x64@0.28.2         @esbuild/linux-x64/bin/esbuild
buildifier-4.2.5  npm @bazel/buildifier@4.2.5           @bazel/buildifier/buildifier-linux_amd64
buildifier-6.1.2  npm @bazel/buildifier@6.1.2           @bazel/buildifier/buildifier-linux_amd64
buf-1.75.0        npm @bufbuild/buf-linux-x64@1.75.0    @bufbuild/buf-linux-x64/bin/buf
dockerd           deb docker.io/bookworm                usr/sbin/dockerd
containerd        deb containerd/bookworm               usr/bin/containerd
prometheus        deb prometheus/bookworm               usr/bin/prometheus
prometheus-trixie deb prometheus/trixie                 usr/bin/prometheus
etcd              deb etcd-server/bookworm              usr/bin/etcd
hey               deb hey/bookworm                      usr/bin/hey
victoria-metrics  deb victoria-metrics/trixie           usr/bin/victoria-metrics
nats-server       deb nats-server/trixie                usr/sbin/nats-server
caddy             deb caddy/sid                         usr/bin/caddy
'
# Debian suites the private apt configuration lists: bookworm's services
# are built with Go 1.19, trixie's with 1.24, sid's with the newest.
SUITES="bookworm trixie sid"

log() { printf '%s: %s\n' "$me" "$*" >&2; }
die() { log "$*"; exit 1; }

program_line() {
	awk -v n="$1" '$1 == n { print; found = 1 } END { exit !found }' <<<"$PROGRAMS"
}

all_names() { awk 'NF { print $1 }' <<<"$PROGRAMS"; }

list_cached() {
	local name rel
	[[ -d $CACHE ]] || return 0
	for name in $(all_names); do
		[[ -f $CACHE/$name.path ]] || continue
		rel=$(<"$CACHE/$name.path")
		[[ -f $CACHE/$rel ]] && printf '%s %s\n' "$name" "$CACHE/$rel"
	done
	return 0
}

# ---- npm -------------------------------------------------------------------

fetch_npm() {
	local name=$1 spec=$2 rel=$3 dir=$CACHE/npm/$1 out
	rm -rf "$dir"
	mkdir -p "$dir"
	echo '{"private":true}' >"$dir/package.json"
	if ! out=$(cd "$dir" && npm install --no-save --ignore-scripts --no-audit \
			--no-fund --loglevel=error "$spec" 2>&1); then
		if grep -qE 'ENOTFOUND|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EAI_AGAIN|ENETUNREACH|network' \
				<<<"$out"; then
			die "cannot reach the npm registry (npm install $spec failed)"
		fi
		die "npm install $spec failed: $(grep -m1 -E 'ERR|error' <<<"$out" || tail -n1 <<<"$out")"
	fi
	[[ -f $dir/node_modules/$rel ]] ||
		die "npm package $spec has no $rel"
	echo "npm/$name/node_modules/$rel"
}

# ---- Debian ----------------------------------------------------------------

# The Debian archive URI of the machine's own apt sources (deb822 first,
# then one-line format): the entry that serves the machine's release.
debian_mirror() {
	local codename uri
	codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
	uri=$(awk -v c="$codename" '
		function flush() {
			if (!done && uris != "" && (" " suites " ") ~ (" " c " ")) {
				split(uris, u, " "); print u[1]; done = 1
			}
			uris = ""; suites = ""
		}
		/^[ \t]*$/ { flush(); next }
		tolower($1) == "uris:" { $1 = ""; uris = $0 }
		tolower($1) == "suites:" { $1 = ""; suites = $0 }
		END { flush() }' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
	if [[ -z $uri ]]; then
		uri=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
			sed -E 's/\[[^]]*\]//' |
			awk -v c="$codename" '$1 == "deb" && $3 == c { print $2; exit }')
	fi
	[[ -n $uri ]] || die "no Debian mirror for '$codename' in the machine's apt sources"
	echo "${uri%/}"
}

APT_READY=
apt_setup() {
	[[ -n $APT_READY ]] && return 0
	local a=$CACHE/apt mirror suites="" s
	mirror=$(debian_mirror)
	mkdir -p "$a/state/lists/partial" "$a/cache/archives/partial" \
		"$a/sources.list.d" "$a/preferences.d"
	: >"$a/state/status"
	for s in $SUITES; do suites+=" $s"; done
	cat >"$a/sources.list.d/gostray.sources" <<EOF
Types: deb
URIs: $mirror
Suites:$suites
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
	cat >"$a/apt.conf" <<EOF
Dir::State "$a/state";
Dir::State::status "$a/state/status";
Dir::Cache "$a/cache";
Dir::Etc::SourceList "$a/sources.list";
Dir::Etc::SourceParts "$a/sources.list.d";
Dir::Etc::Preferences "$a/preferences";
Dir::Etc::PreferencesParts "$a/preferences.d";
APT::Architecture "amd64";
APT::Architectures { "amd64"; };
Acquire::Languages "none";
EOF
	: >"$a/sources.list"
	export APT_CONFIG=$a/apt.conf
	# Refresh the private lists once a day at most, and when the suites
	# listed changed.
	if [[ -z $(find "$a/state/lists" -maxdepth 1 -name '*_Packages*' -mmin -1440 \
			2>/dev/null | head -n1) || $(cat "$a/suites" 2>/dev/null) != "$SUITES" ]]; then
		log "updating private apt lists ($SUITES) from $mirror"
		if ! apt-get -q update --error-on=any >"$a/update.log" 2>&1; then
			die "cannot reach the Debian mirror $mirror (apt-get update failed: $(grep -m1 -E '^(E|W):' "$a/update.log" || tail -n1 "$a/update.log"))"
		fi
		echo "$SUITES" >"$a/suites"
	fi
	APT_READY=1
}

fetch_deb() {
	local name=$1 spec=$2 rel=$3 dir=$CACHE/deb/$1 tmp deb
	apt_setup
	tmp=$(mktemp -d "$CACHE/tmp.XXXXXX")
	if ! (cd "$tmp" && apt-get -q download "$spec" >"$tmp/download.log" 2>&1); then
		if grep -qiE 'could not resolve|connection|timed out|temporary failure|unable to connect' \
				"$tmp/download.log"; then
			die "cannot reach the Debian mirror (apt-get download $spec failed)"
		fi
		die "apt-get download $spec failed: $(grep -m1 '^E:' "$tmp/download.log" || tail -n1 "$tmp/download.log")"
	fi
	deb=$(ls "$tmp"/*.deb 2>/dev/null | head -n1)
	[[ -n $deb ]] || die "apt-get download $spec produced no .deb"
	rm -rf "$dir"
	mkdir -p "$dir"
	dpkg -x "$deb" "$dir" || die "dpkg -x $(basename "$deb") failed"
	basename "$deb" >"$dir/.deb-name"
	rm -rf "$tmp"
	[[ -f $dir/$rel ]] || die "Debian package $spec has no /$rel"
	echo "deb/$name/$rel"
}

# ---- main ------------------------------------------------------------------

fetch_one() {
	local name=$1 line src spec rel path start size
	line=$(program_line "$name") || die "unknown program '$name' (see --names)"
	read -r _ src spec rel <<<"$line"
	if [[ -f $CACHE/$name.path && -f $CACHE/$(<"$CACHE/$name.path") ]]; then
		printf '%s %s\n' "$name" "$CACHE/$(<"$CACHE/$name.path")"
		return 0
	fi
	log "fetching $name ($src $spec)"
	start=$SECONDS
	case $src in
	npm) path=$(fetch_npm "$name" "$spec" "$rel") ;;
	deb) path=$(fetch_deb "$name" "$spec" "$rel") ;;
	esac
	head -c4 "$CACHE/$path" | grep -q ELF || die "$name: $path is not an ELF file"
	size=$(du -sk "$CACHE/${path%%/*}/$name" | cut -f1)
	log "fetched $name in $((SECONDS - start)) s ($((size / 1024)) MiB on disk)"
	echo "$path" >"$CACHE/$name.path.tmp"
	mv "$CACHE/$name.path.tmp" "$CACHE/$name.path"
	printf '%s %s\n' "$name" "$CACHE/$path"
}

main() {
	local names=() n
	case ${1:-} in
	--list-cached) list_cached; return ;;
	--names) all_names; return ;;
	-h|--help) sed -n '3,24p' "$0" | sed 's/^# \{0,1\}//'; return ;;
	-*) die "unknown option $1 (try --help)" ;;
	esac
	if [[ $# -gt 0 ]]; then
		names=("$@")
	else
		mapfile -t names < <(all_names)
	fi
	for n in "${names[@]}"; do
		program_line "$n" >/dev/null || die "unknown program '$n' (see --names)"
	done
	mkdir -p "$CACHE" || die "cannot create the cache folder $CACHE"
	exec 9>"$CACHE/.lock"
	if ! flock -n 9; then
		log "waiting for another fetch to finish (lock $CACHE/.lock)"
		flock 9
	fi
	rm -rf "$CACHE"/tmp.*
	for n in "${names[@]}"; do
		fetch_one "$n"
	done
}

main "$@"
