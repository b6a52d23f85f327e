#!/bin/sh
# Makes sure a headless Chromium is at /usr/bin/chromium (Debian's package), for the evidence report's
# rendering test. Needs root or password-less sudo; exits non-zero and says why when it cannot install.
set -eu
if [ -x /usr/bin/chromium ]; then
  echo "chromium: $(/usr/bin/chromium --version 2>/dev/null || echo present)"
  exit 0
fi
if [ "$(id -u)" = 0 ]; then
  SUDO=
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  SUDO='sudo -n'
else
  echo "ensure-chromium: /usr/bin/chromium is missing and this user cannot install packages (no root, no sudo -n)" >&2
  exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure-chromium: no apt-get on this machine; install Chromium by hand at /usr/bin/chromium" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends chromium
/usr/bin/chromium --version
