#!/usr/bin/env bash
# Install the Debian/Ubuntu packages Herdbook needs, when they are missing.
#   scripts/system-packages.sh run    redis-server and WeasyPrint's libraries
#   scripts/system-packages.sh test   the above plus Chromium (browser tests), poppler-utils and wrk (make bench)
set -euo pipefail
want=(redis-server libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core)
if [ "${1:-run}" = "test" ]; then
  want+=(chromium poppler-utils wrk)
fi
missing=()
for pkg in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if ! command -v apt-get >/dev/null; then
  echo "Herdbook needs these system packages, and this is not a Debian/Ubuntu system:" >&2
  echo "  ${missing[*]}" >&2
  echo "Install redis-server (Redis 6+), Pango 1.44+ with HarfBuzz (for WeasyPrint) and Chromium with your package manager." >&2
  exit 1
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null; then sudo="sudo"; else
    echo "Missing packages: ${missing[*]}. Run as root: apt-get install -y ${missing[*]}" >&2; exit 1
  fi
fi
echo "Installing system packages: ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
