#!/usr/bin/env bash
# Debian packages the project needs beyond Python: chromium for the browser tests (Playwright
# launches it by path; a browser download does not work on these offline machines), a Chinese font
# (without one the pages' screenshots show boxes), nginx, the load balancer of `make cluster`, and
# npm (with Node.js), which fetches the pages' front-end libraries at setup.
# Installed without starting any system service.
set -euo pipefail
PACKAGES=(chromium fonts-wqy-microhei nginx-light npm)
missing=()
command -v chromium >/dev/null || missing+=(chromium)
[ -e /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ] || missing+=(fonts-wqy-microhei)
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || missing+=(nginx-light)
command -v npm >/dev/null || missing+=(npm)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
  echo "missing Debian packages: ${missing[*]} (as root: apt-get install ${PACKAGES[*]})" >&2
  exit 0  # the tests that need them then skip, saying why
fi
export DEBIAN_FRONTEND=noninteractive
# No service may start during the install (nginx's package would start one on port 80).
policy=/usr/sbin/policy-rc.d
created_policy=0
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' > "$policy" && chmod +x "$policy" && created_policy=1
fi
trap '[ "$created_policy" = 1 ] && rm -f "$policy"' EXIT
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
