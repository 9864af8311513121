#!/usr/bin/env bash
# Debian packages the project needs beyond Python: chromium for the browser tests (Playwright
# launches it by path; a browser download does not work on these offline machines).
set -euo pipefail
if command -v chromium >/dev/null; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
  echo "chromium is missing: install Debian's 'chromium' package (as root: apt-get install chromium)" >&2
  exit 0  # browser tests then skip, saying why
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends chromium >/dev/null
