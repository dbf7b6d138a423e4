#!/usr/bin/env bash
# Print the path of a `go` binary for Go 1.N, fetching Debian's build of
# that toolchain into a cache outside the checkout when needed.
#
#   tools/go-toolchain.sh 1.27        -> /var/cache/gostray/go/1.27/usr/lib/go-1.27/bin/go
#   tools/go-toolchain.sh --src 1.27  -> that toolchain's GOROOT (with src/runtime)
#
# 1.19 is bookworm's own golang-go.  1.21-1.27 come from bookworm-backports,
# trixie, trixie-backports or sid through a private APT configuration, so
# the system's apt state is never touched.  The Debian mirror is the one the
# machine's own apt sources name.  Cache: $GOSTRAY_TOOLCHAIN_CACHE
# (default /var/cache/gostray/go); concurrent calls are serialised by flock.
set -euo pipefail

want_src=0
if [[ ${1:-} == --src ]]; then
	want_src=1
	shift
fi
ver=${1:?usage: tools/go-toolchain.sh [--src] 1.N}
[[ $ver =~ ^1\.[0-9]+$ ]] || { echo "go-toolchain: bad version '$ver' (expected 1.N)" >&2; exit 2; }
cache=${GOSTRAY_TOOLCHAIN_CACHE:-/var/cache/gostray/go}

say() { echo "go-toolchain: $*" >&2; }

print_result() { # goroot
	if [[ $want_src -eq 1 ]]; then
		echo "$1"
	else
		echo "$1/bin/go"
	fi
}

if [[ $ver == 1.19 ]]; then
	root=/usr/lib/go-1.19
	if [[ ! -x $root/bin/go ]]; then
		[[ $(id -u) -eq 0 ]] || { say "Go 1.19 missing: run as root or apt-get install golang-go"; exit 1; }
		say "installing Debian's golang-go (1.19)"
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq golang-go >&2
	fi
	print_result "$root"
	exit 0
fi

dest=$cache/$ver
root=$dest/usr/lib/go-$ver
if [[ -x $root/bin/go && -d $root/src/runtime ]]; then
	print_result "$root"
	exit 0
fi

mkdir -p "$cache"
exec 9>"$cache/.lock"
flock 9
if [[ -x $root/bin/go && -d $root/src/runtime ]]; then	# fetched while we waited
	print_result "$root"
	exit 0
fi

# The mirror this machine already uses.
mirror=$(sed -n 's/^URIs:[[:space:]]*//p' /etc/apt/sources.list.d/*.sources 2>/dev/null |
	 tr ' ' '\n' | grep -v security | head -1)
if [[ -z $mirror ]]; then
	mirror=$(awk '$1 == "deb" && $0 !~ /security/ { print $2; exit }' /etc/apt/sources.list 2>/dev/null)
fi
[[ -n $mirror ]] || { say "cannot find a Debian mirror in the apt sources"; exit 1; }

apt_dir=$cache/.apt
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

# Refresh the package lists at most once a day.
stamp=$apt_dir/state/updated
if [[ ! -e $stamp ]] || [[ -n $(find "$stamp" -mmin +1440) ]]; then
	say "reading package lists of bookworm-backports, trixie, trixie-backports, sid"
	if ! apt-get update -qq >&2; then
		say "cannot reach the Debian mirror $mirror"
		exit 1
	fi
	touch "$stamp"
fi

say "fetching golang-$ver-go and golang-$ver-src (about 100 MB)"
rm -f "$apt_dir"/debs/*.deb
if ! (cd "$apt_dir/debs" && apt-get download -qq "golang-$ver-go" "golang-$ver-src" >&2); then
	say "Go $ver is not in the Debian suites this machine can reach"
	exit 1
fi
tmp=$(mktemp -d "$cache/.unpack.XXXXXX")
for deb in "$apt_dir"/debs/*.deb; do
	dpkg-deb -x "$deb" "$tmp"
done
rm -rf "$dest"
mv "$tmp" "$dest"
rm -f "$apt_dir"/debs/*.deb
[[ -x $root/bin/go ]] || { say "unpacked golang-$ver-go has no $root/bin/go"; exit 1; }
print_result "$root"
