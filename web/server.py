"""`python -m web.server`: the Rasa server with the web chat, the console and Rasa's HTTP API.

Configured from the environment only (README, "Configuration"); secrets come from the
environment or from files under var/, never from the command line (where `ps` would show them).
"""

from __future__ import annotations

import logging
import os

import rasa.api
import rasa.utils.io
import rasa.utils.tensorflow.environment as tf_env
from rasa.utils.common import configure_logging_and_warnings
from rasa.utils.log_utils import configure_structlog

from runtime import PROJECT_ROOT, hand_back_the_gil_sooner, secret
from runtime.logs import mask_all_logs
from runtime.metrics import serve_metrics
from web.settings import load_settings

MODEL = PROJECT_ROOT / "models" / "current.tar.gz"


ACTION_URL = "http://127.0.0.1:5055/webhook"  # the action server's default address


LOG_LEVEL = logging.INFO  # never DEBUG in production: Rasa logs messages and slots at DEBUG


def configure_logging() -> None:
    """As `rasa run` does, at INFO."""
    configure_logging_and_warnings(LOG_LEVEL, warn_only_once=True, filter_repeated_logs=True)
    rasa.utils.io.configure_colored_logging(LOG_LEVEL)
    configure_structlog(LOG_LEVEL)
    tf_env.setup_tf_environment()


def main() -> None:
    hand_back_the_gil_sooner()
    configure_logging()
    mask_all_logs()
    serve_metrics()
    settings = load_settings()
    jwt_secret = secret("RASA_JWT_SECRET", "rasa_jwt.key")
    # endpoints.yml reads these; our own environment is not visible to other users (unlike argv).
    os.environ.setdefault("ZX_ACTION_URL", ACTION_URL)
    os.environ.setdefault("ZX_ACTION_TOKEN", secret("ZX_ACTION_TOKEN", "action_token.key").decode())
    rasa.api.run(
        model=os.environ.get("ZX_MODEL", str(MODEL)),
        endpoints=str(PROJECT_ROOT / "endpoints.yml"),
        credentials=os.environ.get("ZX_CREDENTIALS", str(PROJECT_ROOT / "credentials.yml")),
        interface=os.environ.get("ZX_INTERFACE", "127.0.0.1"),
        port=int(os.environ.get("ZX_PORT", "8080")),
        cors=list(settings.site_origins),
        enable_api=True,
        jwt_secret=jwt_secret.decode(),
        jwt_method="HS256",
    )


if __name__ == "__main__":
    main()
