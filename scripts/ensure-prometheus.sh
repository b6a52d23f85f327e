#!/bin/sh
# Makes sure Prometheus and promtool are at /usr/bin (Debian's `prometheus` package, 2.x), for the monitoring
# tests that start a real server over a fixture history. Needs root or password-less sudo; exits non-zero and
# says why when it cannot install.
set -eu
if [ -x /usr/bin/prometheus ] && [ -x /usr/bin/promtool ]; then
  /usr/bin/prometheus --version 2>&1 | head -n 1
  exit 0
fi
if [ "$(id -u)" = 0 ]; then
  SUDO=
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  SUDO='sudo -n'
else
  echo "ensure-prometheus: /usr/bin/prometheus is missing and this user cannot install packages (no root, no sudo -n)" >&2
  exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure-prometheus: no apt-get on this machine; install Prometheus 2.x by hand (prometheus and promtool in /usr/bin)" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
# The package's service is never started here: the tests run their own server on a free port.
$SUDO apt-get install -y -q --no-install-recommends prometheus
/usr/bin/prometheus --version 2>&1 | head -n 1
