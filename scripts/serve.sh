#!/usr/bin/env bash
# Starts the action server and the Rasa server (chat page, console and socket.io on one port);
# stopping this script (Ctrl-C) stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${ZX_PORT:=8080}"
: "${ZX_SITE_ORIGINS:=http://localhost:${ZX_PORT},http://127.0.0.1:${ZX_PORT}}"
export ZX_SITE_ORIGINS
ACTION_PORT=5055  # endpoints.yml points Rasa here
MODEL=models/current.tar.gz

# Rasa's HTTP API is on, behind JWT (HS256). The secret: RASA_JWT_SECRET, else one kept in var/.
if [ -z "${RASA_JWT_SECRET:-}" ]; then
  mkdir -p var
  [ -s var/rasa_jwt.key ] || (umask 077 && .venv/bin/python -c 'import secrets; print(secrets.token_hex(32))' > var/rasa_jwt.key)
  RASA_JWT_SECRET="$(cat var/rasa_jwt.key)"
fi

# The ticket store's schema is brought up to date on every start (DATABASE_URL, default var/zhuxiao.db).
.venv/bin/python -m tickets migrate

.venv/bin/rasa run actions --actions actions --port "$ACTION_PORT" &
action_pid=$!
trap 'kill "$action_pid" 2>/dev/null || true' EXIT INT TERM

IFS=',' read -r -a origins <<< "$ZX_SITE_ORIGINS"
echo "注销助手: chat page http://localhost:${ZX_PORT}/  ·  agents' console http://localhost:${ZX_PORT}/console"
.venv/bin/rasa run --model "$MODEL" --port "$ZX_PORT" --endpoints endpoints.yml \
  --credentials credentials.yml --enable-api --jwt-secret "$RASA_JWT_SECRET" --jwt-method HS256 \
  --cors "${origins[@]}"
