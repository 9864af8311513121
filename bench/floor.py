"""The floor: bare Rasa 3.6 (bench/floor/) with the product's FAQ data, served with Rasa's own
socket.io channel and the in-memory tracker store."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Optional, Tuple

import spacy
import yaml

from devtools.stack import PROJECT, VENV_BIN, free_port, rasa_env, stop, wait_until_ready

FLOOR = PROJECT / "bench" / "floor"


WORKDIR = PROJECT / "build" / "bench"  # kept between runs: the floor trains only when its data changes


def assemble(workdir: Path = WORKDIR) -> Path:
    """The floor project in `workdir`: its config and channel, the product's FAQ data and answers."""
    project = workdir / "floor"
    (project / "data").mkdir(parents=True, exist_ok=True)
    for name in ("config.yml", "credentials.yml"):
        shutil.copy(FLOOR / name, project / name)
    shutil.copy(FLOOR / "rules.yml", project / "data" / "rules.yml")
    shutil.copy(PROJECT / "data" / "nlu" / "faq.yml", project / "data" / "faq.yml")
    smalltalk = yaml.safe_load((PROJECT / "data" / "nlu" / "smalltalk.yml").read_text(encoding="utf-8"))
    greet = [item for item in smalltalk["nlu"] if item.get("intent") == "greet"]
    (project / "data" / "greet.yml").write_text(yaml.safe_dump({"version": "3.1", "nlu": greet}, allow_unicode=True))
    product = yaml.safe_load((PROJECT / "domain.yml").read_text(encoding="utf-8"))
    responses = {k: v for k, v in product["responses"].items() if k.startswith("utter_faq/") or k == "utter_greet"}
    domain = {"version": "3.1", "intents": ["faq", "greet"], "responses": responses}
    (project / "domain.yml").write_text(yaml.safe_dump(domain, allow_unicode=True), encoding="utf-8")
    # spaCy's own Chinese tokenizer with jieba, nothing else: bare Rasa needs no project code.
    spacy.blank("zh", config={"nlp": {"tokenizer": {"segmenter": "jieba"}}}).to_disk(project / "spacy_zh")
    return project


def _fingerprint(project: Path) -> str:
    """What the floor's model is trained from: its config, domain and data."""
    digest = hashlib.sha256()
    for path in [project / "config.yml", project / "domain.yml", *sorted((project / "data").glob("*.yml"))]:
        digest.update(path.read_bytes())
    return digest.hexdigest()


def train(project: Path) -> Tuple[Path, Optional[float]]:
    """The floor's model and its training time; None when the model of the same inputs was kept
    from an earlier run (DIET on the FAQ data takes about 25 minutes here)."""
    model, stamp = project / "models" / "floor.tar.gz", project / "models" / "floor.fingerprint"
    fingerprint = _fingerprint(project)
    if model.exists() and stamp.exists() and stamp.read_text() == fingerprint:
        return model, None
    start = time.perf_counter()
    subprocess.run(
        [str(VENV_BIN / "rasa"), "train", "--fixed-model-name", "floor", "--out", "models"],
        cwd=project,
        env=rasa_env(RASA_CACHE_DIRECTORY=str(project / ".cache")),
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    stamp.write_text(fingerprint)
    return model, time.perf_counter() - start


@contextmanager
def serving(project: Path, model: Path) -> Iterator[Tuple[str, int]]:
    port = free_port()
    log = project / "rasa.log"
    process = subprocess.Popen(
        [
            str(VENV_BIN / "rasa"),
            "run",
            "--model",
            str(model),
            "--port",
            str(port),
            "--interface",
            "127.0.0.1",
            "--credentials",
            "credentials.yml",
        ],
        cwd=project,
        env=rasa_env(),
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    try:
        wait_until_ready(f"http://127.0.0.1:{port}/", process, log, lambda r: r.ok)
        yield f"http://127.0.0.1:{port}", process.pid
    finally:
        stop(process)
