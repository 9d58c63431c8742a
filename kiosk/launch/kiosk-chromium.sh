#!/usr/bin/env bash
# Kios Aduan: start a kiosk PC's screen — Chromium full screen, printing
# receipts without a dialog. Usually started at login by the autostart entry
# kios-aduan-kiosk.desktop (see README.md beside this file).
#
#   KIOS_URL=https://aduan.example.go.id/k/tebet-timur/ kiosk-chromium.sh
#
# Settings (environment, or /etc/kios-aduan/kiosk.env):
#   KIOS_URL        the kiosk's start page (required): <server>/k/<kiosk code>/
#   KIOS_CHROMIUM   the browser (default: chromium, else chromium-browser, google-chrome)
#   KIOS_PROFILE    a profile folder kept between restarts only for the pairing
#                   token (default: ~/.local/share/kios-aduan/chromium); with
#                   KIOS_INCOGNITO=1 nothing is kept at all (the kiosk must then
#                   be paired again after every restart)
#   KIOS_EXTRA_FLAGS more Chromium flags, e.g. --force-device-scale-factor=1.25
set -euo pipefail

[ -r /etc/kios-aduan/kiosk.env ] && . /etc/kios-aduan/kiosk.env
: "${KIOS_URL:?set KIOS_URL to the kiosk page, e.g. https://aduan.example.go.id/k/tebet-timur/}"

browser="${KIOS_CHROMIUM:-}"
if [ -z "$browser" ]; then
  for candidate in chromium chromium-browser google-chrome; do
    if command -v "$candidate" >/dev/null 2>&1; then browser="$candidate"; break; fi
  done
fi
[ -n "$browser" ] || { echo "kiosk-chromium.sh: no Chromium found (apt-get install chromium)" >&2; exit 1; }

profile="${KIOS_PROFILE:-$HOME/.local/share/kios-aduan/chromium}"
mkdir -p "$profile"
# A crash or power cut must not bring up "Restore pages?" on the next start.
prefs="$profile/Default/Preferences"
if [ -f "$prefs" ]; then
  sed -i -e 's/"exited_cleanly":false/"exited_cleanly":true/' -e 's/"exit_type":"[^"]*"/"exit_type":"Normal"/' "$prefs"
fi

flags=(
  --kiosk                              # full screen, no address bar, no way out by the mouse
  --kiosk-printing                     # window.print() prints at once on the default printer
  --noerrdialogs                       # no crash or error dialogs on a public screen
  --disable-pinch                      # no pinch zoom on the touch screen
  --overscroll-history-navigation=0    # no swipe back/forward
  --disable-translate                  # no "translate this page?" bar
  --no-first-run
  --no-default-browser-check
  --disable-session-crashed-bubble
  --disable-infobars
  --disable-features=Translate,TranslateUI,OverscrollHistoryNavigation,TouchpadOverscrollHistoryNavigation,PrintPreviewRemoval
  --autoplay-policy=no-user-gesture-required
  --check-for-update-interval=31536000
  --password-store=basic
  --user-data-dir="$profile"
)
if [ "${KIOS_INCOGNITO:-0}" = "1" ]; then
  flags+=(--incognito)
fi
# shellcheck disable=SC2206  # extra flags are split on purpose
extra=(${KIOS_EXTRA_FLAGS:-})

# Keep the screen on: no blanking, no power saving (X11 sessions).
if command -v xset >/dev/null 2>&1 && [ -n "${DISPLAY:-}" ]; then
  xset s off -dpms s noblank || true
fi

# Chromium may exit (a crash, an update): start it again, never leave the desktop showing.
while true; do
  "$browser" "${flags[@]}" "${extra[@]}" "$KIOS_URL" || true
  sleep 3
done
