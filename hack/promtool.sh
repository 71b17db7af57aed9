#!/usr/bin/env bash
# Prints the path of promtool (Prometheus's metrics linter), taken from Debian's prometheus
# package once per machine. The package is unpacked, never installed: only the binary is needed,
# not the service, its user or its postinst.
set -euo pipefail
cache=/var/cache/x3ui-operator
if command -v promtool >/dev/null 2>&1; then command -v promtool; exit 0; fi
found=$(ls "$cache"/promtool-*/usr/bin/promtool 2>/dev/null | head -n 1 || true)
if [ -n "$found" ]; then echo "$found"; exit 0; fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && apt-get download prometheus >/dev/null 2>&1) || { echo "cannot download the prometheus package" >&2; exit 1; }
deb=$(ls "$tmp"/prometheus_*.deb)
version=$(dpkg-deb -f "$deb" Version)
mkdir -p "$cache/promtool-$version"
dpkg-deb -x "$deb" "$tmp/x"
mkdir -p "$cache/promtool-$version/usr/bin"
cp "$tmp/x/usr/bin/promtool" "$cache/promtool-$version/usr/bin/promtool"
echo "$cache/promtool-$version/usr/bin/promtool"
