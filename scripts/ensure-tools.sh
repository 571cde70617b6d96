#!/usr/bin/env bash
# The conformance tests compare our parser with bcftools and our region reads with tabix;
# the dashboard test drives headless Chromium: install the Debian packages when they are
# missing (as root, or through sudo).
set -euo pipefail
need=()
command -v bcftools >/dev/null 2>&1 || need+=(bcftools)
command -v tabix >/dev/null 2>&1 || need+=(tabix)
command -v bgzip >/dev/null 2>&1 || need+=(tabix)
[ -x /usr/bin/chromium ] || need+=(chromium)
[ ${#need[@]} -eq 0 ] && exit 0
echo "installing Debian packages for the tests: ${need[*]}" >&2
SUDO=""
[ "$(id -u)" = 0 ] || SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
