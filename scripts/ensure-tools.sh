#!/usr/bin/env bash
# The conformance tests compare our parser with bcftools and our region reads with tabix;
# the dashboard test drives headless Chromium; the object-storage tests run against a real
# S3 (Ceph RGW, one node on 127.0.0.1, started by test/global-setup.ts with scripts/rgw.sh);
# the queue tests run Redis (redis-server on 127.0.0.1, started by test/queue.test.ts):
# install the Debian packages when they are missing (as root, or through sudo).
set -euo pipefail
need=()
command -v bcftools >/dev/null 2>&1 || need+=(bcftools)
command -v tabix >/dev/null 2>&1 || need+=(tabix)
command -v bgzip >/dev/null 2>&1 || need+=(tabix)
[ -x /usr/bin/chromium ] || need+=(chromium)
command -v curl >/dev/null 2>&1 || need+=(curl)
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
command -v redis-cli >/dev/null 2>&1 || need+=(redis-tools)
ceph=()
command -v radosgw >/dev/null 2>&1 || ceph+=(radosgw)
command -v ceph-mon >/dev/null 2>&1 || ceph+=(ceph-mon)
command -v ceph-osd >/dev/null 2>&1 || ceph+=(ceph-osd)
[ ${#need[@]} -eq 0 ] && [ ${#ceph[@]} -eq 0 ] && exit 0
echo "installing Debian packages for the tests: ${need[*]} ${ceph[*]}" >&2
SUDO=""
[ "$(id -u)" = 0 ] || SUDO="sudo"
$SUDO apt-get update -qq
[ ${#need[@]} -eq 0 ] || DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
[ ${#ceph[@]} -eq 0 ] || DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${ceph[@]}" >/dev/null
for tool in bcftools tabix bgzip radosgw ceph-mon ceph-osd redis-server redis-cli; do
  command -v "$tool" >/dev/null 2>&1 || { echo "ensure-tools: $tool is still missing after apt-get install" >&2; exit 1; }
done
