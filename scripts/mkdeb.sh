#!/bin/bash
# make deb: build/portpulse_VERSION_ARCH.deb with dpkg-deb from bin/ and man/:
# the five commands in /usr/bin, man pages, the portpulse-recorder systemd
# unit (pp-trace | pp-join into /var/log/portpulse), its logrotate config,
# maintainer scripts (packaging/). Dependencies come from dpkg-shlibdeps.
#   scripts/mkdeb.sh VERSION     prints the path of the .deb
set -euo pipefail
cd "$(dirname "$0")/.."
VERSION=$1
ARCH=$(dpkg --print-architecture)
PKG=portpulse
OUT=build/deb
ROOT=$OUT/root
DEB=$OUT/${PKG}_${VERSION}_${ARCH}.deb

rm -rf "$OUT"
install -d "$ROOT/DEBIAN" "$ROOT/usr/bin" "$ROOT/usr/share/man/man1" "$ROOT/usr/share/man/man5" \
    "$ROOT/usr/share/doc/$PKG" "$ROOT/lib/systemd/system" "$ROOT/etc/logrotate.d"
for b in bin/pp-*; do
    install -m 0755 "$b" "$ROOT/usr/bin/"
    # Debian ships stripped binaries (debug symbols would go to a -dbgsym).
    strip --remove-section=.comment --remove-section=.note --strip-unneeded "$ROOT/usr/bin/$(basename "$b")"
done
for m in man/*.1 man/*.5; do
    s=${m##*.}
    gzip -9n <"$m" >"$ROOT/usr/share/man/man$s/$(basename "$m").gz"
done
install -m 0644 packaging/copyright "$ROOT/usr/share/doc/$PKG/copyright"
gzip -9n <packaging/changelog >"$ROOT/usr/share/doc/$PKG/changelog.gz"
install -m 0644 packaging/portpulse-recorder.service "$ROOT/lib/systemd/system/"
install -m 0644 packaging/logrotate "$ROOT/etc/logrotate.d/$PKG"
for s in postinst prerm postrm; do
    install -m 0755 "packaging/$s" "$ROOT/DEBIAN/$s"
done
echo "/etc/logrotate.d/$PKG" >"$ROOT/DEBIAN/conffiles"

# Shared-library dependencies, as debhelper would find them.
mkdir -p "$OUT/shlibs/debian"
printf 'Source: %s\n\nPackage: %s\nArchitecture: any\n' "$PKG" "$PKG" >"$OUT/shlibs/debian/control"
deps=$(cd "$OUT/shlibs" && dpkg-shlibdeps -O --ignore-missing-info "${PWD%/build/deb/shlibs}/$ROOT"/usr/bin/pp-* 2>/dev/null |
       sed -n 's/^shlibs:Depends=//p')
[ -n "$deps" ] || { echo "mkdeb: dpkg-shlibdeps found no dependencies" >&2; exit 1; }
size=$(du -sk --exclude=DEBIAN "$ROOT" | cut -f1)
cat >"$ROOT/DEBIAN/control" <<EOF
Package: $PKG
Version: $VERSION
Architecture: $ARCH
Maintainer: PortPulse authors <portpulse@example.org>
Installed-Size: $size
Depends: $deps
Recommends: logrotate
Section: net
Priority: optional
Description: which process is talking to what, and what it says
 PortPulse is a pipeline of small commands that speak NDJSON records:
 pp-trace reports socket events with their process (eBPF, or polling
 without privileges), pp-sniff reads metadata from packets (flows, DNS,
 TLS with JA4, HTTP, SSH, QUIC), pp-join joins both on the 5-tuple,
 pp-fmt shows tables, CSV, JSON, Zeek logs and a live view, pp-nft prints
 nftables quarantine rules for review.
 .
 The portpulse-recorder service (not started on install) writes every
 connection of the host with its process to /var/log/portpulse, rotated
 by logrotate.
EOF
(cd "$ROOT" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | sort -z |
    xargs -0 md5sum) >"$ROOT/DEBIAN/md5sums"
# Owned by root whoever builds it.
dpkg-deb --root-owner-group --build "$ROOT" "$DEB" >/dev/null
rm -rf "$ROOT" "$OUT/shlibs"
echo "$DEB"
