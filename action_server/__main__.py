"""`python -m action_server`: the action server, configured from the environment (runtime/settings.py).

ZX_ACTIONS_HOST (default 127.0.0.1), ZX_ACTIONS_PORT (default 5055), and the shared secret in
ZX_ACTION_TOKEN, else a file var/action_token.key (created once).
"""

from __future__ import annotations

import logging

from rasa_sdk.utils import configure_colored_logging, update_sanic_log_level

from action_server.app import create_app
from runtime import hand_back_the_gil_sooner
from runtime.logs import mask_all_logs
from runtime.metrics import serve_metrics
from runtime.settings import start


def main() -> None:
    config = start()  # a bad setting stops the server here, with a message in Chinese and English
    hand_back_the_gil_sooner()
    configure_colored_logging(logging.INFO)
    update_sanic_log_level()
    mask_all_logs(config.observability)
    serve_metrics(config.observability)
    app = create_app(config.actions.token.load())
    host, port = config.actions.host, config.actions.port
    logging.getLogger(__name__).info("action server on http://%s:%s (token required)", host, port)
    app.run(host, port, workers=1, access_log=False)


if __name__ == "__main__":
    main()
