#!/usr/bin/env bash
# Fetches the pinned tla2tools.jar (TLC, SANY, PlusCal) into tla/tla2tools.jar
# and verifies its SHA-256. `npm run tlc` then finds it there (or point
# TLA2TOOLS_JAR at a jar elsewhere).
#
# Pinned: the v1.7.4 release of github.com/tlaplus/tlaplus (TLC 2.19), the
# newest stable release when this was written (v1.8.0 was a pre-release whose
# asset changes). The SHA-256 below was not computed on our machines (they
# cannot reach GitHub); it is the digest that several independent public
# projects pin for this exact asset (2,274,532 bytes). If the download does not
# match it, the script refuses the jar, prints the digest it computed, and
# installs it only when you confirm that digest yourself:
#     TLA2TOOLS_ACCEPT_SHA256=<digest> tla/download-tla2tools.sh
set -euo pipefail

VERSION="v1.7.4"
URL="https://github.com/tlaplus/tlaplus/releases/download/${VERSION}/tla2tools.jar"
SHA256="936a262061c914694dfd669a543be24573c45d5aa0ff20a8b96b23d01e050e88"

dir="$(cd "$(dirname "$0")" && pwd)"
dest="${dir}/tla2tools.jar"

sha256() {
  if command -v sha256sum >/dev/null 2>&1; then sha256sum "$1" | cut -d' ' -f1
  else shasum -a 256 "$1" | cut -d' ' -f1
  fi
}

if [ -f "$dest" ] && [ "$(sha256 "$dest")" = "$SHA256" ]; then
  echo "tla2tools.jar ${VERSION} already present and verified: $dest"
  exit 0
fi

tmp="$(mktemp "${dir}/.tla2tools.jar.XXXXXX")"
trap 'rm -f "$tmp"' EXIT
echo "downloading ${URL}"
if command -v curl >/dev/null 2>&1; then
  curl -fL --retry 3 -o "$tmp" "$URL"
elif command -v wget >/dev/null 2>&1; then
  wget -O "$tmp" "$URL"
else
  echo "download-tla2tools: need curl or wget" >&2
  exit 1
fi

got="$(sha256 "$tmp")"
if [ "$got" != "$SHA256" ]; then
  if [ "${TLA2TOOLS_ACCEPT_SHA256:-}" = "$got" ]; then
    echo "WARNING: digest ${got} differs from the pinned ${SHA256}; installing it because TLA2TOOLS_ACCEPT_SHA256 confirms it" >&2
  else
    echo "download-tla2tools: SHA-256 mismatch for ${URL}" >&2
    echo "  expected ${SHA256}" >&2
    echo "  got      ${got}" >&2
    echo "Not installed. If you have checked that this digest is the genuine ${VERSION} asset," >&2
    echo "rerun with TLA2TOOLS_ACCEPT_SHA256=${got}" >&2
    exit 1
  fi
fi
mv "$tmp" "$dest"
trap - EXIT
echo "installed tla2tools.jar ${VERSION} (sha256 ${got}) at ${dest}"
