#!/usr/bin/env bash
# Starts the action server and the Rasa server; stopping this script (Ctrl-C) stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${RASA_PORT:=5005}"
ACTION_PORT=5055  # endpoints.yml points Rasa here
MODEL=models/current.tar.gz

# The ticket store's schema is brought up to date on every start (DATABASE_URL, default var/zhuxiao.db).
.venv/bin/python -m tickets migrate

.venv/bin/rasa run actions --actions actions --port "$ACTION_PORT" &
action_pid=$!
trap 'kill "$action_pid" 2>/dev/null || true' EXIT INT TERM

echo "注销助手: REST channel on http://localhost:${RASA_PORT}/webhooks/rest/webhook"
.venv/bin/rasa run --model "$MODEL" --port "$RASA_PORT" --endpoints endpoints.yml \
  --credentials credentials.yml
