#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
#
# gostray's BPF programs on the oldest kernel this project claims: Debian
# bookworm's Linux 6.1, booted under qemu-system-x86_64 (TCG: no KVM needed)
# with an initramfs holding busybox, gostray and the libraries it links, and
# a Go program (the zoo: its phase 2, started once gostray has attached,
# creates goroutines and ends some).  Inside, `gostray capture` attaches to the program: the
# kernel's verifier must accept every program gostray loads, the probes must
# fire, and the report must count the program's goroutines.  Prints PASS or
# FAIL with the reason; exit status 0 only on PASS.
#
#   tests/oldkernel/run.sh GOSTRAY GO_PROGRAM [WORKDIR]
#
# Installs what it needs from the machine's apt source: qemu-system-x86,
# busybox-static, and the kernel package (downloaded, not installed).
set -euo pipefail

gostray=$(realpath "$1")
program=$(realpath "$2")
work=${3:-build/oldkernel}
kernel_pkg=${OLDKERNEL_PKG:-linux-image-6.1.0-47-amd64-unsigned}
boot_timeout=${OLDKERNEL_TIMEOUT:-300}

fail() { echo "FAIL oldkernel: $*"; exit 1; }

need_pkgs=()
command -v qemu-system-x86_64 >/dev/null || need_pkgs+=(qemu-system-x86)
[ -x /bin/busybox ] || need_pkgs+=(busybox-static)
if [ ${#need_pkgs[@]} -gt 0 ]; then
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
		"${need_pkgs[@]}" >/dev/null || fail "cannot install ${need_pkgs[*]}"
fi

mkdir -p "$work"
work=$(realpath "$work")
vmlinuz=$(ls "$work"/kernel/boot/vmlinuz-* 2>/dev/null | head -1 || true)
if [ -z "$vmlinuz" ]; then
	(cd "$work" && rm -f ./*.deb && apt-get download "$kernel_pkg" >/dev/null 2>&1) ||
		fail "cannot download $kernel_pkg"
	dpkg -x "$work"/*.deb "$work/kernel"
	vmlinuz=$(ls "$work"/kernel/boot/vmlinuz-* | head -1)
fi
release=${vmlinuz##*/vmlinuz-}

# The initramfs: busybox, gostray and every library it loads, the program.
root="$work/root"
rm -rf "$root"
mkdir -p "$root"/{bin,dev,proc,sys,tmp,lib64}
cp /bin/busybox "$root/bin/"
for applet in sh mount sleep cat grep poweroff echo kill cpio; do
	ln -s busybox "$root/bin/$applet"
done
cp "$gostray" "$root/bin/gostray"
cp "$program" "$root/bin/target"
ldd "$gostray" | grep -o '/[^ ]*' | while read -r lib; do
	mkdir -p "$root$(dirname "$lib")"
	cp -L "$lib" "$root$lib"
done
cat > "$root/init" <<'EOF'
#!/bin/sh
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mount -t debugfs debugfs /sys/kernel/debug
mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
mount -t bpf bpf /sys/fs/bpf
echo "OLDKERNEL_UNAME $(cat /proc/sys/kernel/osrelease)"
/bin/target > /tmp/target.out 2>&1 &
pid=$!
i=0
while ! grep -q READY /tmp/target.out && [ $i -lt 100 ]; do sleep 0.2; i=$((i+1)); done
/bin/gostray capture "$pid" -d 10s --json > /tmp/report.json 2> /tmp/gostray.err &
gs=$!
i=0
while ! grep -q "attached" /tmp/gostray.err && [ $i -lt 300 ]; do sleep 0.2; i=$((i+1)); done
kill -USR1 "$pid"
wait "$gs"
echo "OLDKERNEL_RC $?"
cat /tmp/gostray.err
grep -o '"created":[0-9]*' /tmp/report.json | head -1 | sed 's/^/OLDKERNEL_/'
grep -o '"create_hits":[0-9]*' /tmp/report.json | head -1 | sed 's/^/OLDKERNEL_/'
grep -o '"exit_hits":[0-9]*' /tmp/report.json | head -1 | sed 's/^/OLDKERNEL_/'
kill "$pid"
echo OLDKERNEL_DONE
poweroff -f
EOF
chmod +x "$root/init"
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) > "$work/initrd.gz"

log="$work/console.log"
start=$(date +%s)
timeout "$boot_timeout" qemu-system-x86_64 -M q35 -cpu max -m 1024 -smp 2 \
	-nographic -no-reboot -nic none -kernel "$vmlinuz" -initrd "$work/initrd.gz" \
	-append "console=ttyS0 panic=-1 quiet" > "$log" 2>&1 || true
took=$(( $(date +%s) - start ))

grep -q "OLDKERNEL_UNAME $release" "$log" || fail "the VM did not boot $release (see $log)"
grep -q OLDKERNEL_DONE "$log" || fail "the VM did not finish within ${boot_timeout}s (see $log)"
rc=$(grep -o 'OLDKERNEL_RC [0-9]*' "$log" | cut -d' ' -f2)
[ "$rc" = 0 ] || fail "gostray capture exited $rc on $release: $(grep '^gostray' "$log" | tr -d '\r' | head -3)"
created=$(grep -o 'OLDKERNEL_"created":[0-9]*' "$log" | grep -o '[0-9]*$' || true)
creates=$(grep -o 'OLDKERNEL_"create_hits":[0-9]*' "$log" | grep -o '[0-9]*$' || true)
exits=$(grep -o 'OLDKERNEL_"exit_hits":[0-9]*' "$log" | grep -o '[0-9]*$' || true)
[ -n "$creates" ] && [ "$creates" -gt 0 ] || fail "no creation probe hit on $release (see $log)"
[ -n "$exits" ] && [ "$exits" -gt 0 ] || fail "no exit probe hit on $release (see $log)"
[ -n "$created" ] && [ "$created" -gt 0 ] || fail "the report counts no creation on $release (see $log)"
echo "PASS oldkernel: Linux $release under qemu (${took}s): verifier accepted gostray's programs, $creates creation and $exits exit probe hits, $created goroutines created in the report"
