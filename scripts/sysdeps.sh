#!/usr/bin/env bash
# Install the Debian packages the project needs, when run as root and missing.
#   scripts/sysdeps.sh run    WeasyPrint's libraries and fonts; libusb for USB receipt printers
#   scripts/sysdeps.sh test   the above, plus Chromium, poppler and zbar for tests, and
#                             Node.js (when no `node` is on PATH) to parse the minified scripts
set -euo pipefail
want=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core libusb-1.0-0)
if [ "${1:-run}" = "test" ]; then
  want+=(chromium poppler-utils libzbar0)
  command -v node >/dev/null 2>&1 || want+=(nodejs)
fi
missing=()
for pkg in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "Missing system packages: ${missing[*]}" >&2
  echo "Install them with: sudo apt-get install ${missing[*]}" >&2
  exit 1
fi
echo "Installing system packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
