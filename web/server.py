"""`python -m web.server`: the Rasa server with the web chat, the console and Rasa's HTTP API.

Configured from the environment only (runtime/settings.py, read and checked once at start; docs/
operations.md, "Configuration"); secrets come from the environment or from files under var/, never
from the command line (where `ps` would show them).
"""

from __future__ import annotations

import logging

import rasa.api
import rasa.utils.io
import rasa.utils.tensorflow.environment as tf_env
from rasa.utils.common import configure_logging_and_warnings
from rasa.utils.log_utils import configure_structlog

from runtime import PROJECT_ROOT, hand_back_the_gil_sooner
from runtime.logs import mask_all_logs
from runtime.metrics import serve_metrics
from runtime.settings import export_for_rasa, start
from web.settings import load_settings

LOG_LEVEL = logging.INFO  # never DEBUG in production: Rasa logs messages and slots at DEBUG


def configure_logging() -> None:
    """As `rasa run` does, at INFO."""
    configure_logging_and_warnings(LOG_LEVEL, warn_only_once=True, filter_repeated_logs=True)
    rasa.utils.io.configure_colored_logging(LOG_LEVEL)
    configure_structlog(LOG_LEVEL)
    tf_env.setup_tf_environment()


def main() -> None:
    config = start()  # a bad setting stops the server here, with a message in Chinese and English
    hand_back_the_gil_sooner()
    configure_logging()
    mask_all_logs(config.observability)
    serve_metrics(config.observability)
    web = load_settings(config)
    jwt_secret = config.server.jwt_secret.load()
    export_for_rasa(config)  # endpoints.yml reads the action server's address and token
    rasa.api.run(
        model=str(config.server.model),
        endpoints=str(PROJECT_ROOT / "endpoints.yml"),
        credentials=str(config.server.credentials),
        interface=config.server.interface,
        port=config.server.port,
        cors=list(web.site_origins),
        enable_api=True,
        jwt_secret=jwt_secret.decode(),
        jwt_method="HS256",
    )


if __name__ == "__main__":
    main()
