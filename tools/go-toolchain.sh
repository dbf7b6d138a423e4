#!/usr/bin/env bash
# Print the path of a `go` binary for Go 1.N, fetching Debian's build of
# that toolchain into a cache outside the checkout when needed.
#
#   tools/go-toolchain.sh 1.27        -> /var/cache/gostray/go/1.27/usr/lib/go-1.27/bin/go
#   tools/go-toolchain.sh --src 1.27  -> that toolchain's GOROOT (with src/runtime)
#
# 1.19 is bookworm's own golang-go.  1.21-1.27 come from bookworm-backports,
# trixie, trixie-backports or sid through a private APT configuration, so
# the system's apt state is never touched; apt picks the suite that has the
# package (the newest build when several do).  The Debian mirror is the one
# the machine's own apt sources name.
#
# Environment:
#   GOSTRAY_TOOLCHAIN_CACHE  cache folder (default /var/cache/gostray/go)
#   GOSTRAY_DEBIAN_MIRROR    mirror URI instead of the apt sources' (tests)
#
# Stdout carries only the path; progress and errors go to stderr, errors as
# one line.  Concurrent calls are serialised by flock on the cache.  The
# result builds with GOTOOLCHAIN=local GOPROXY=off (it finds its own GOROOT).
set -euo pipefail

want_src=0
if [[ ${1:-} == --src ]]; then
	want_src=1
	shift
fi
ver=${1:-}
if [[ ! $ver =~ ^1\.[0-9]+$ ]]; then
	echo "go-toolchain: bad version '$ver' (usage: tools/go-toolchain.sh [--src] 1.N)" >&2
	exit 2
fi
cache=${GOSTRAY_TOOLCHAIN_CACHE:-/var/cache/gostray/go}

say() { echo "go-toolchain: $*" >&2; }
die() { say "$*"; exit 1; }

print_result() { # goroot
	if [[ $want_src -eq 1 ]]; then
		echo "$1"
	else
		echo "$1/bin/go"
	fi
}

# A toolchain is complete only with its sources: gen-waitreasons reads
# src/runtime, and `go build` needs the standard library sources.
complete() { [[ -x $1/bin/go && -d $1/src/runtime ]]; }

lock_cache() {
	mkdir -p "$cache" || die "cannot create the toolchain cache $cache"
	exec 9>"$cache/.lock"
	flock 9
}

if [[ $ver == 1.19 ]]; then
	root=/usr/lib/go-1.19
	if ! complete "$root"; then
		[[ $(id -u) -eq 0 ]] || die "Go 1.19 is missing: run as root or apt-get install golang-go"
		lock_cache	# two callers must not race for dpkg's lock
		if ! complete "$root"; then
			say "installing Debian's golang-go (1.19)"
			DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
				-o DPkg::Lock::Timeout=300 golang-go >&2 ||
				die "apt-get install golang-go failed"
		fi
	fi
	print_result "$root"
	exit 0
fi

dest=$cache/$ver
root=$dest/usr/lib/go-$ver
if complete "$root"; then
	print_result "$root"
	exit 0
fi

lock_cache
if complete "$root"; then	# fetched by another caller while we waited
	print_result "$root"
	exit 0
fi

# The mirror this machine already uses: the first URI of a deb822 source,
# else of a one-line source (options in brackets skipped); never the
# security archive, which has no backports, trixie or sid.
find_mirror() {
	local f
	for f in /etc/apt/sources.list.d/*.sources; do
		[[ -r $f ]] || continue
		sed -n 's/^URIs:[[:space:]]*//p' "$f" | tr -s ' \t' '\n\n'
	done
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[[ -r $f ]] || continue
		sed -n 's/^[[:space:]]*deb[[:space:]]\+\(\[[^]]*\][[:space:]]*\)\?\([^[:space:]]\+\).*/\2/p' "$f"
	done
}
mirror=${GOSTRAY_DEBIAN_MIRROR:-$(find_mirror | grep -v -e security -e '^$' | head -1 || true)}
[[ -n $mirror ]] || die "cannot find a Debian mirror in /etc/apt/sources.list.d/*.sources or /etc/apt/sources.list"

apt_dir=$cache/.apt
log=$apt_dir/log
mkdir -p "$apt_dir"/{state/lists/partial,cache/archives/partial,sources,prefs,debs}
cat >"$apt_dir/sources/gostray.sources" <<EOF
Types: deb
URIs: $mirror
Suites: bookworm-backports trixie trixie-backports sid
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
cat >"$apt_dir/apt.conf" <<EOF
Dir::State "$apt_dir/state";
Dir::Cache "$apt_dir/cache";
Dir::Etc::SourceList "/dev/null";
Dir::Etc::SourceParts "$apt_dir/sources";
Dir::Etc::Preferences "/dev/null";
Dir::Etc::PreferencesParts "$apt_dir/prefs";
APT::Sandbox::User "root";
EOF
export APT_CONFIG=$apt_dir/apt.conf

# apt's first error, for a one-line message (its full output stays in $log).
apt_error() {
	{ grep '^E:' "$log" || grep '^W:' "$log" || echo "see $log"; } | head -1 | cut -c1-200
}

# Refresh the package lists at most once a day, and when the mirror changed.
# --error-on=any: plain `apt-get update` exits 0 when the mirror is
# unreachable, which would later read as "no such package".
stamp=$apt_dir/state/updated
if [[ ! -e $stamp ]] || [[ $(cat "$stamp") != "$mirror" ]] ||
   [[ -n $(find "$stamp" -mmin +1440) ]]; then
	say "reading package lists of bookworm-backports, trixie, trixie-backports, sid from $mirror"
	if ! apt-get update -qq --error-on=any -o Acquire::Retries=1 >"$log" 2>&1; then
		die "cannot read the package lists of the Debian mirror $mirror (unreachable?): $(apt_error)"
	fi
	echo "$mirror" >"$stamp"
fi

say "fetching golang-$ver-go and golang-$ver-src (about 100 MB)"
rm -f "$apt_dir"/debs/*.deb
if ! (cd "$apt_dir/debs" && apt-get download -qq "golang-$ver-go" "golang-$ver-src") >"$log" 2>&1; then
	if grep -q 'Unable to locate package' "$log"; then
		die "Go $ver is not packaged in bookworm-backports, trixie, trixie-backports or sid"
	fi
	die "cannot download golang-$ver-go from $mirror: $(apt_error)"
fi
# Unpack beside the final folder and rename it into place, so that an
# interrupted fetch never leaves a half toolchain that looks complete.
tmp=$(mktemp -d "$cache/.unpack.XXXXXX")
for deb in "$apt_dir"/debs/*.deb; do
	dpkg-deb -x "$deb" "$tmp" || { rm -rf "$tmp"; die "cannot unpack $(basename "$deb")"; }
done
rm -f "$apt_dir"/debs/*.deb
complete "$tmp/usr/lib/go-$ver" || { rm -rf "$tmp"; die "golang-$ver-go has no usr/lib/go-$ver/bin/go"; }
rm -rf "$dest"
mv "$tmp" "$dest"
print_result "$root"
