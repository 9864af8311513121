#!/usr/bin/env bash
# Prints the path of a working Python 3.10 (Rasa Open Source 3.6 does not run on 3.11+).
# `python3.10` may be a pyenv shim that fails outside its version, so each candidate is tried.
set -u
for candidate in "${PYTHON310:-}" python3.10 "$HOME"/.pyenv/versions/3.10*/bin/python3.10 \
                 /usr/local/bin/python3.10 /usr/bin/python3.10; do
  [ -n "$candidate" ] || continue
  if "$candidate" -c 'import sys; assert sys.version_info[:2] == (3, 10)' >/dev/null 2>&1; then
    "$candidate" -c 'import sys; print(sys.executable)'
    exit 0
  fi
done
echo "Python 3.10 not found: install it (e.g. apt-get install python3.10 or pyenv install 3.10) or set PYTHON310" >&2
exit 1
