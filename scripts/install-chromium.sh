#!/usr/bin/env bash
# Chromium for the dashboard's browser tests (tests/e2e/test_dashboard.py drives it headless through the Python
# package `playwright`): Debian's packages `chromium` and `chromium-driver`, never a downloaded browser build
# (`playwright install` is not used). Installs them when missing, as root and non-interactively; anywhere else it
# says so in one line and succeeds: the browser tests are then skipped with that reason.
set -u
have_chromium() { command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; }

have_chromium && exit 0
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "Chromium is not installed (needs root and apt-get: apt-get install chromium chromium-driver);" \
       "the dashboard's browser tests will be skipped"
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
# Other installs may hold the dpkg lock for a while (parallel set-ups): wait for it rather than fail.
install() { apt-get install -y -qq --no-install-recommends -o DPkg::Lock::Timeout=300 chromium chromium-driver >/dev/null; }
echo "installing Chromium (Debian packages chromium, chromium-driver) for the dashboard's browser tests"
started=$(date +%s)
install || { apt-get update -qq -o DPkg::Lock::Timeout=300 >/dev/null && install; } || {
  echo "could not install Chromium; the dashboard's browser tests will be skipped"
  exit 0
}
echo "Chromium installed in $(( $(date +%s) - started )) s"
