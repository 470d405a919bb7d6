#!/usr/bin/env bash
# Makes sure the Playwright suite has a browser: the one named by CHROMIUM_PATH, else Debian's chromium.
# When chromium is missing and this user may install packages (root, or passwordless sudo) it installs
# chromium and fonts-liberation through apt; otherwise it prints one line saying what to install and
# fails. On success it prints the browser's path on stdout (the caller exports it as CHROMIUM_PATH).
set -uo pipefail

say() { echo "$@" >&2; }

if [ -n "${CHROMIUM_PATH:-}" ]; then
  if [ -f "$CHROMIUM_PATH" ] && [ -x "$CHROMIUM_PATH" ]; then echo "$CHROMIUM_PATH"; exit 0; fi
  say "e2e needs a browser: CHROMIUM_PATH=$CHROMIUM_PATH is not an executable file (install Debian's chromium or point CHROMIUM_PATH at a Chromium binary)"
  exit 1
fi

found() { # bash's `command -v` also names a file that is not executable, hence the -x checks
  local candidate
  for candidate in "$(command -v chromium 2>/dev/null)" /usr/bin/chromium; do
    if [ -n "$candidate" ] && [ -f "$candidate" ] && [ -x "$candidate" ]; then echo "$candidate"; return 0; fi
  done
  return 1
}
if browser=$(found); then echo "$browser"; exit 0; fi

as_root=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then as_root=(sudo -n); else as_root=(none); fi
fi
if [ "${as_root[0]:-}" = none ] || ! command -v apt-get >/dev/null 2>&1; then
  say "e2e needs Chromium: install Debian's chromium and fonts-liberation (sudo apt-get install chromium fonts-liberation), or set CHROMIUM_PATH to a Chromium binary"
  exit 1
fi

say "Installing Debian's chromium and fonts-liberation for the e2e suite"
if ! "${as_root[@]}" apt-get update -qq >&2 ||
  ! "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    chromium fonts-liberation >&2; then
  say "e2e needs Chromium: apt-get could not install chromium and fonts-liberation; install them, or set CHROMIUM_PATH to a Chromium binary"
  exit 1
fi
if browser=$(found); then echo "$browser"; exit 0; fi
say "e2e needs Chromium: apt-get installed chromium but no chromium binary is on PATH; set CHROMIUM_PATH to it"
exit 1
