#!/usr/bin/env bash
# SpamAssassin for the preview's deliverability check (`spamd -L`, the rules Debian's package ships; nothing else
# downloads). Installs Debian's packages when missing, as root and non-interactively; anywhere else it says so in
# one line and succeeds: the stack then runs without the check and previews say it is off.
set -u
have_spamd() { command -v spamd >/dev/null 2>&1 || [ -x /usr/sbin/spamd ]; }

have_spamd && command -v spamc >/dev/null 2>&1 && exit 0
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "SpamAssassin is not installed (needs root and apt-get: apt-get install spamassassin spamc spamd);" \
       "previews will skip the deliverability check"
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
install() {
  # Debian 12 ships the daemon in its own package `spamd`; older releases have it inside `spamassassin`.
  local packages=(spamassassin spamc)
  apt-cache show spamd >/dev/null 2>&1 && packages+=(spamd)
  apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
}
echo "installing SpamAssassin (Debian packages spamassassin, spamc, spamd) for the deliverability check"
install || { apt-get update -qq >/dev/null && install; } || {
  echo "could not install SpamAssassin; previews will skip the deliverability check"
  exit 0
}
have_spamd || echo "SpamAssassin installed but no spamd found; previews will skip the deliverability check"
