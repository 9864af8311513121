"""Training data validates cleanly and the dialogue follows every test story."""

import re
import subprocess
import sys
import uuid
from pathlib import Path

import requests
import yaml

from devtools.stack import MODEL, PROJECT, jwt_headers, rasa_env
from dialogue.names import Response
from web.feedback import FEEDBACK_INTENTS

RASA = str(Path(sys.executable).parent / "rasa")
# Responses Rasa's own default actions utter; its validator only looks for them in stories.
DEFAULT_ACTION_RESPONSES = {"utter_default", "utter_ask_rephrase"}
UNUSED_UTTERANCE = re.compile(r"UserWarning: The utterance '([^']+)' is not used in any story or rule\.")
BUTTON_ONLY_INTENT = re.compile(
    r"UserWarning: The intent '([^']+)' is listed in the domain file, but is not found in the NLU"
)
DUPLICATED_INTENTS = re.compile(
    r"UserWarning: The following duplicated intents have been found across multiple domain files: (.+)"
)


def _retrieval_intents() -> set:
    rules = yaml.safe_load((PROJECT / "data" / "rules" / "faq.yml").read_text(encoding="utf-8"))
    return {
        step["intent"]
        for rule in rules["rules"]
        for step in rule["steps"]
        if "intent" in step and {"action": f"utter_{step['intent']}"} in rule["steps"]
    }


def _used_by_actions_or_forms(utterance: str) -> bool:
    """Named in a custom action (as its dialogue.names constant, `Response.<NAME>`), or a form's
    question for one of its slots (utter_ask_<slot>)."""
    domain = yaml.safe_load((PROJECT / "domain.yml").read_text(encoding="utf-8"))
    form_slots = {slot for form in domain.get("forms", {}).values() for slot in form["required_slots"]}
    if utterance.startswith("utter_ask_") and utterance[len("utter_ask_") :] in form_slots:
        return True
    constants = [name for name, value in vars(Response).items() if value == utterance]
    sources = [*(PROJECT / "actions").glob("*.py"), *(PROJECT / "action_server").glob("*.py")]
    return any(
        re.search(rf"\bResponse\.{constant}\b", source.read_text(encoding="utf-8"))
        for constant in constants
        for source in sources
    )


def test_rasa_data_validate_has_no_warnings():
    """`rasa data validate` passes; the only warnings allowed are its known blind spots, each checked:
    responses uttered by default actions, custom actions or forms (it only searches stories), retrieval intents
    declared in domain.yml as Rasa requires (it merges them in a second time), and the feedback intents that
    only buttons send (no one types them, so they have no NLU examples)."""
    result = subprocess.run(
        [RASA, "data", "validate"],
        cwd=PROJECT,
        env=rasa_env(),
        capture_output=True,
        text=True,
        timeout=600,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-4000:]
    warnings = [line for line in output.splitlines() if "UserWarning" in line]
    unexplained = []
    for line in warnings:
        unused = UNUSED_UTTERANCE.search(line)
        duplicated = DUPLICATED_INTENTS.search(line)
        button_only = BUTTON_ONLY_INTENT.search(line)
        if button_only and button_only.group(1) in FEEDBACK_INTENTS:
            continue
        if unused and (unused.group(1) in DEFAULT_ACTION_RESPONSES or _used_by_actions_or_forms(unused.group(1))):
            continue
        if duplicated and set(map(str.strip, duplicated.group(1).split(","))) <= _retrieval_intents():
            continue
        unexplained.append(line)
    assert unexplained == [], output[-4000:]


def test_every_test_story_is_followed(rasa_stack, tmp_path):
    result = subprocess.run(
        [
            RASA,
            "test",
            "core",
            "--e2e",
            "--model",
            str(MODEL),
            "--stories",
            "tests/stories",
            "--endpoints",
            str(PROJECT / "endpoints.yml"),
            "--out",
            str(tmp_path),
            "--fail-on-prediction-errors",
        ],
        cwd=PROJECT,
        env=rasa_stack.env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    failed = tmp_path / "failed_test_stories.yml"
    details = failed.read_text(encoding="utf-8") if failed.exists() else ""
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:] + details[-3000:]


def test_after_the_core_fallback_the_bot_waits_for_the_merchant(rasa_stack):
    """A state no rule or story covers gets utter_default from the RulePolicy — once: there is no
    TED to predict anything after it, so a rule makes the bot listen (else it repeats itself)."""
    url = f"{rasa_stack.rasa_url}/conversations/fallback-{uuid.uuid4().hex}"
    events = [
        {"event": "action", "name": "action_session_start"},
        {"event": "session_started"},
        {"event": "action", "name": "action_listen"},
        {"event": "user", "text": "好的", "parse_data": {"intent": {"name": "affirm", "confidence": 1.0}}},
        {"event": "action", "name": "utter_default"},
    ]
    requests.put(f"{url}/tracker/events", json=events, headers=jwt_headers(), timeout=30).raise_for_status()
    predicted = requests.post(f"{url}/predict", headers=jwt_headers(), timeout=30)
    predicted.raise_for_status()
    best = max(predicted.json()["scores"], key=lambda score: score["score"])
    assert best["action"] == "action_listen"
