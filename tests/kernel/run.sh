#!/bin/bash
# The second-kernel lane: boots Debian's 6.1 kernel under qemu (TCG) with an initramfs holding
# busybox, the scry binary with its shared libraries, and the cases in cases/*.sh, then reads one
# "SCRY-KTEST <case> PASS|FAIL|SKIP <reason>" line per case from the serial console.
#
# usage: run.sh SCRY_BINARY [CASE...]      (CASE: a name from cases/, default all)
# exit:  0 all passed (or skipped inside the guest), 1 a case failed, 77 the lane cannot run here
#
# Environment:
#   SCRY_KERNEL_CACHE  where the kernel .deb and its unpacked /boot live (/var/cache/scry-kernel)
#   SCRY_KERNEL_PKG    kernel package to use instead of what linux-image-amd64 depends on
#   SCRY_KERNEL_KEEP=1 keep the work directory (initramfs, console log) and print its path
#   SCRY_KTEST_VERBOSE=1 print every case's output, not only failing ones
#   SCRY_KTEST_TIMEOUT seconds for the whole guest run (default 240); cases get 60 s each
set -u -o pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
t0=$(date +%s)

skip() {
	echo "SKIP: kernel lane: $*"
	exit 77
}
die() {
	echo "ERROR: kernel lane: $*" >&2
	exit 1
}
log() { echo "kernel lane: $*"; }

[ $# -ge 1 ] || die "usage: $0 SCRY_BINARY [CASE...]"
scry=$(readlink -f "$1")
shift
[ -x "$scry" ] || die "$scry is not an executable"
[ "$(uname -m)" = x86_64 ] || skip "needs an x86_64 host (the guest kernel is Debian's amd64 build)"

cache=${SCRY_KERNEL_CACHE:-/var/cache/scry-kernel}
mkdir -p "$cache" 2>/dev/null || skip "cannot create the cache directory $cache (set SCRY_KERNEL_CACHE)"
[ -w "$cache" ] || skip "the cache directory $cache is not writable (set SCRY_KERNEL_CACHE)"
work=$(mktemp -d "${TMPDIR:-/tmp}/scry-kernel.XXXXXX") || die "mktemp failed"
if [ "${SCRY_KERNEL_KEEP:-0}" = 1 ]; then
	trap 'echo "kernel lane: work directory kept: $work"' EXIT
else
	trap 'rm -rf "$work"' EXIT
fi

# ---- host tools ---------------------------------------------------------------------------------

apt_updated=0
apt_update() {
	[ "$apt_updated" = 1 ] && return 0
	apt_updated=1
	[ "$(id -u)" = 0 ] || return 1
	log "apt-get update"
	timeout 180 apt-get update -q >"$work/apt-update.log" 2>&1
}

apt_install() {
	[ "$(id -u)" = 0 ] || return 1
	local i
	for i in 1 2; do
		log "apt-get install $*"
		DEBIAN_FRONTEND=noninteractive timeout 300 apt-get install -y -q --no-install-recommends "$@" \
			>"$work/apt-install.log" 2>&1 && return 0
		[ "$i" = 1 ] && { apt_update || return 1; }
	done
	return 1
}

static_busybox() {
	local b
	b=$(command -v busybox) || return 1
	# a dynamically linked busybox (Debian's "busybox" package) would need its libraries too
	! ldd "$b" >/dev/null 2>&1 && echo "$b"
}

missing=()
command -v qemu-system-x86_64 >/dev/null || missing+=(qemu-system-x86)
static_busybox >/dev/null || missing+=(busybox-static)
command -v cpio >/dev/null || missing+=(cpio)
if [ ${#missing[@]} -gt 0 ]; then
	[ "$(id -u)" = 0 ] || skip "missing ${missing[*]} and not root to install them"
	command -v apt-get >/dev/null || skip "missing ${missing[*]} and no apt-get"
	apt_install "${missing[@]}" ||
		skip "cannot install ${missing[*]}: $(tail -n 2 "$work/apt-install.log" 2>/dev/null | tr '\n' ' ')"
fi
qemu=$(command -v qemu-system-x86_64) || skip "qemu-system-x86_64 is missing"
busybox=$(static_busybox) || skip "no statically linked busybox (package busybox-static)"

# ---- the guest kernel ---------------------------------------------------------------------------

# Debian's 6.1 kernel package: what linux-image-amd64 depends on (on Debian 12).
kernel_pkg() {
	apt-cache depends linux-image-amd64 2>/dev/null |
		sed -n 's/^ *Depends: \(linux-image-6\.1\.[0-9][0-9.]*-[0-9]*-amd64\)$/\1/p' | head -n 1
}

# Kernel modules (paths under lib/modules/VERSION/kernel) that cases load with insmod; they must
# not depend on other modules (there is no modules.dep: Debian generates it at install time).
modules=(drivers/block/loop.ko)

# vmlinuz of a package unpacked in the cache with every module above, if there is one.
cached_vmlinuz() {
	local f m
	for f in "$cache/$1"/boot/vmlinuz-*; do
		[ -f "$f" ] || continue
		for m in "${modules[@]}"; do
			[ -f "$cache/$1/lib/modules/${f##*/vmlinuz-}/kernel/$m" ] || return 1
		done
		echo "$f"
		return 0
	done
	return 1
}

exec 9>"$cache/.lock"
flock -w 600 9 || skip "cannot lock $cache/.lock"
pkg=${SCRY_KERNEL_PKG:-}
if [ -z "$pkg" ] && command -v apt-cache >/dev/null; then
	pkg=$(kernel_pkg)
	if [ -z "$pkg" ] && apt_update; then
		pkg=$(kernel_pkg)
	fi
fi
if [ -z "$pkg" ]; then
	# offline, or not Debian 12: use a kernel unpacked by an earlier run, if any
	for d in "$cache"/linux-image-6.1.*-amd64; do
		[ -d "$d" ] && cached_vmlinuz "$(basename "$d")" >/dev/null && pkg=$(basename "$d")
	done
	[ -n "$pkg" ] || skip "cannot find Debian's 6.1 kernel package (linux-image-amd64 does not depend on a 6.1 kernel here and nothing is cached in $cache)"
fi
if ! vmlinuz=$(cached_vmlinuz "$pkg"); then
	deb=$(ls "$cache/${pkg}"_*.deb 2>/dev/null | head -n 1)
	if [ -z "$deb" ]; then
		command -v apt-get >/dev/null || skip "no apt-get to download $pkg"
		log "downloading $pkg"
		(cd "$cache" && timeout 300 apt-get download -q "$pkg") >"$work/apt-download.log" 2>&1 ||
			{ apt_update && (cd "$cache" && timeout 300 apt-get download -q "$pkg") >"$work/apt-download.log" 2>&1; } ||
			skip "cannot download $pkg: $(grep -E '^(E|Err):' "$work/apt-download.log" | head -n 2 | tr '\n' ' ')"
		deb=$(ls "$cache/${pkg}"_*.deb 2>/dev/null | head -n 1)
		[ -n "$deb" ] || skip "apt-get download $pkg produced no .deb"
	fi
	# Only /boot and the few modules the cases load are unpacked, not all ~400 MB of modules.
	log "unpacking $(basename "$deb")"
	rm -rf "$cache/$pkg.tmp"
	mkdir -p "$cache/$pkg.tmp"
	dpkg-deb --fsys-tarfile "$deb" |
		tar -x -C "$cache/$pkg.tmp" --wildcards ./boot "${modules[@]/#/./lib/modules/*/kernel/}" ||
		die "cannot unpack $deb"
	rm -rf "${cache:?}/$pkg"
	mv "$cache/$pkg.tmp" "$cache/$pkg"
	# drop kernels of earlier Debian point releases
	for old in "$cache"/linux-image-*; do
		case ${old##*/} in "$pkg" | "$pkg"_*) ;; *) rm -rf "$old" ;; esac
	done
	vmlinuz=$(cached_vmlinuz "$pkg") || die "$deb has no boot/vmlinuz-*"
fi
exec 9>&-

# ---- the initramfs --------------------------------------------------------------------------------

root=$work/root
mkdir -p "$root"/{bin,dev,proc,sys,tmp,ktest/cases}
cp "$busybox" "$root/bin/busybox"
for applet in $("$busybox" --list); do
	# never let an applet named like the binary replace it with a symlink to itself
	[ "$applet" = busybox ] || ln -sf busybox "$root/bin/$applet"
done
if command -v strip >/dev/null; then
	strip -o "$root/bin/scry" "$scry" || die "strip $scry failed"
else
	cp "$scry" "$root/bin/scry"
fi
# The shared libraries ldd lists and the dynamic loader, at the paths the binary names them by.
libdirs=()
while read -r lib; do
	[ -n "$lib" ] || continue
	mkdir -p "$root$(dirname "$lib")"
	cp -L "$lib" "$root$lib" || die "cannot copy $lib"
	case " ${libdirs[*]-} " in *" $(dirname "$lib") "*) ;; *) libdirs+=("$(dirname "$lib")") ;; esac
done < <(ldd "$scry" 2>/dev/null | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }')
ldpath=$(IFS=:; echo "${libdirs[*]-}")

cases=()
if [ $# -gt 0 ]; then
	for c in "$@"; do
		[ -f "$here/cases/$c.sh" ] || die "no case $c in $here/cases"
		cases+=("$c")
	done
else
	for f in "$here"/cases/*.sh; do
		cases+=("$(basename "$f" .sh)")
	done
fi
for c in "${cases[@]}"; do
	cp "$here/cases/$c.sh" "$root/ktest/cases/"
done
cp "$here/lib.sh" "$root/ktest/lib.sh"
mkdir -p "$root/ktest/modules"
kver=${vmlinuz##*/vmlinuz-}
for m in "${modules[@]}"; do
	cp "$cache/$pkg/lib/modules/$kver/kernel/$m" "$root/ktest/modules/" || die "cannot copy module $m"
done
cp "$here/init.sh" "$root/init"
chmod 755 "$root/init"
cat >"$root/ktest/env" <<EOF
export LD_LIBRARY_PATH=$ldpath
CASE_TIMEOUT=60
KTEST_VERBOSE=${SCRY_KTEST_VERBOSE:-0}
EOF
[ "$(id -u)" = 0 ] && mknod -m 600 "$root/dev/console" c 5 1 2>/dev/null
(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet | gzip -1) >"$work/initrd.gz" ||
	die "building the initramfs failed"
log "initramfs $(du -h "$work/initrd.gz" | cut -f1) ($(basename "$scry"), ${#cases[@]} cases), kernel $(basename "$vmlinuz")"

# ---- boot ------------------------------------------------------------------------------------------

limit=${SCRY_KTEST_TIMEOUT:-240}
console=$work/console.log
t1=$(date +%s)
# -enable-kvm hangs on our VMs: TCG only. No NIC (no option ROM needed, nothing to reach).
timeout -k 10 "$limit" "$qemu" -accel tcg -m 2048 -smp 2 -nographic -no-reboot -nic none \
	-kernel "$vmlinuz" -initrd "$work/initrd.gz" \
	-append "console=ttyS0 panic=-1 quiet" </dev/null >"$console" 2>&1
qrc=$?
t2=$(date +%s)
tr -d '\r' <"$console" >"$console.txt"

if ! grep -q 'SCRY-KTEST-BOOT' "$console.txt"; then
	if grep -q 'Kernel panic' "$console.txt"; then
		tail -n 40 "$console.txt"
		die "the guest kernel panicked before running the cases"
	fi
	tail -n 20 "$console.txt"
	[ "$qrc" = 124 ] && skip "the guest did not reach /init within $limit s (TCG too slow here?)"
	skip "qemu exited with status $qrc before the guest reached /init"
fi

# Case output of failing cases ("| case: ...") and the result lines, as the guest printed them.
grep -E '^\| |SCRY-KTEST' "$console.txt" | grep -v 'SCRY-KTEST-BOOT\|SCRY-KTEST-DONE'
pass=0 fail=0 skipped=0
for c in "${cases[@]}"; do
	line=$(grep -o "SCRY-KTEST $c [A-Z]*.*" "$console.txt" | tail -n 1)
	case $line in
	"SCRY-KTEST $c PASS"*) pass=$((pass + 1)) ;;
	"SCRY-KTEST $c SKIP"*) skipped=$((skipped + 1)) ;;
	"SCRY-KTEST $c FAIL"*) fail=$((fail + 1)) ;;
	*)
		echo "SCRY-KTEST $c FAIL no result (the guest stopped before this case finished)"
		fail=$((fail + 1))
		;;
	esac
done
if ! grep -q 'SCRY-KTEST-DONE' "$console.txt"; then
	echo "--- last console lines:"
	tail -n 30 "$console.txt"
	[ "$qrc" = 124 ] && echo "kernel lane: qemu was stopped after $limit s"
fi
log "$(grep -o 'SCRY-KTEST-BOOT .*' "$console.txt" | head -n 1 | cut -d' ' -f2) guest: boot+cases $((t2 - t1)) s, lane $((t2 - t0)) s"
echo "$pass passed, $fail failed, $skipped skipped"
[ "$fail" = 0 ] || exit 1
exit 0
