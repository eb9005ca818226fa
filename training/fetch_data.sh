#!/usr/bin/env bash
# Fetch the training photos for the SPGD Studio default prior.
# Sources: Debian 12 (bookworm) wallpaper packages, extracted with dpkg -x
# (nothing is installed), into training/data/debs and training/data/extract.
# Then builds the compact training pack with training/make_pack.py.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
DATA="$HERE/data"
PY="${PY:-/usr/bin/python3}"
mkdir -p "$DATA/debs" "$DATA/extract"
PKGS="mate-backgrounds lomiri-wallpapers-16.04 lomiri-wallpapers-20.04 plasma-workspace-wallpapers palapeli-data"
cd "$DATA/debs"
for p in $PKGS; do
  if ! ls "$p"_*.deb >/dev/null 2>&1; then
    if ! apt-get download "$p"; then
      echo "apt-get download $p failed; trying apt-get update first (may need root)" >&2
      (apt-get update || sudo apt-get update) >/dev/null 2>&1 || true
      apt-get download "$p" || echo "WARNING: package $p not available in this Debian release; skipped" >&2
    fi
  fi
done
for deb in "$DATA"/debs/*.deb; do
  name="$(basename "$deb" .deb)"; pkg="${name%%_*}"
  if [ ! -d "$DATA/extract/$pkg" ]; then
    dpkg -x "$deb" "$DATA/extract/$pkg"
  fi
done
ls -la "$DATA/debs"
"$PY" "$HERE/make_pack.py"
