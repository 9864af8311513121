#!/usr/bin/env bash
# `make run`: the action server and the Rasa server (chat page, console, socket.io and Rasa's API
# on one port). Stopping this script (Ctrl-C) stops both. Settings come from the environment
# (README, "Configuration"); secrets not given there are generated once into var/.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${ZX_PORT:=8080}"
: "${ZX_SITE_ORIGINS:=http://localhost:${ZX_PORT},http://127.0.0.1:${ZX_PORT}}"
export ZX_PORT ZX_SITE_ORIGINS

# The back office's schema is brought up to date on every start (DATABASE_URL, default var/zhuxiao.db).
.venv/bin/python -m tickets migrate

.venv/bin/python -m action_server &
action_pid=$!
trap 'kill "$action_pid" 2>/dev/null || true' EXIT INT TERM

echo "注销助手: chat page http://localhost:${ZX_PORT}/  ·  agents' console http://localhost:${ZX_PORT}/console"
.venv/bin/python -m web.server
