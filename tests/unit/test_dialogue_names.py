"""Every name dialogue.names declares exists where Rasa looks for it (domain.yml, data/), and the
product code says dialogue names only through it: a renamed response fails here instead of
silencing the bot."""

import ast
import importlib
import inspect
import pkgutil
import subprocess
import sys
from pathlib import Path
from typing import Iterator, Set, Tuple

import pytest
import yaml

from dialogue.names import (
    ACCESS_SLOTS,
    APPLICATION_ANSWERS,
    APPLICATION_SLOTS,
    BUTTON_ONLY_INTENTS,
    MAY_HAVE_QUEUED_A_CASE,
    NOT_COVERED,
    POLICY_ANSWER_PREFIX,
    RESPONSE_PREFIX,
    CustomAction,
    Entity,
    FaqTopic,
    Form,
    Intent,
    Response,
    Slot,
    TurnOutcome,
    faq_label,
    response_for,
)
from dialogue.topics import FAQ_TOPICS, INTENT_TOPICS

PROJECT = Path(__file__).resolve().parents[2]
DOMAIN = yaml.safe_load((PROJECT / "domain.yml").read_text(encoding="utf-8"))
# The packages that run in production (tests, devtools and bench are not among them).
PRODUCT_PACKAGES = ("actions", "action_server", "chinese_nlp", "dialogue", "runtime", "shapes", "tickets", "web")
# Rasa's key, in a bot message's metadata, for the response it said: no response of ours.
RASA_UTTER_ACTION_KEY = "utter_action"


def declared(namespace: type) -> Set[str]:
    return {value for key, value in vars(namespace).items() if key.isupper() and isinstance(value, str)}


def _domain_names(section: str) -> Set[str]:
    items = DOMAIN.get(section) or []
    return {item if isinstance(item, str) else next(iter(item)) for item in items}


def _data(folder: str) -> list:
    """The items of every data/<folder>/*.yml (its `nlu:` or `rules:` list)."""
    return [
        item
        for path in sorted((PROJECT / "data" / folder).glob("*.yml"))
        for item in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get(folder, [])
    ]


NLU_LABELS = {item["intent"] for item in _data("nlu") if "intent" in item}  # intents, and faq/<topic>
RULE_INTENTS = {step["intent"] for rule in _data("rules") for step in rule.get("steps", []) if "intent" in step}


@pytest.mark.parametrize("response", sorted(declared(Response)))
def test_every_response_is_in_the_domain(response):
    assert response in set(DOMAIN["responses"]), f"{response} is not a response of domain.yml"


@pytest.mark.parametrize("intent", sorted(declared(Intent)))
def test_every_intent_is_in_the_domain_and_the_training_data(intent):
    assert intent in _domain_names("intents")
    trained = intent in NLU_LABELS or any(label.startswith(f"{intent}/") for label in NLU_LABELS)
    if intent in BUTTON_ONLY_INTENTS:
        assert not trained, f"{intent} is sent by buttons only: no NLU examples"
        assert intent in RULE_INTENTS, f"no rule answers the button-only intent {intent}"
    else:
        assert trained, f"{intent} has no examples in data/nlu"


@pytest.mark.parametrize("entity", sorted(declared(Entity)))
def test_every_entity_is_in_the_domain(entity):
    assert entity in _domain_names("entities")


@pytest.mark.parametrize("slot", sorted(declared(Slot)))
def test_every_slot_is_in_the_domain(slot):
    assert slot in set(DOMAIN["slots"])


@pytest.mark.parametrize("form", sorted(declared(Form)))
def test_every_form_is_in_the_domain(form):
    assert form in DOMAIN["forms"]


def test_the_custom_actions_are_the_domains_actions():
    assert declared(CustomAction) == _domain_names("actions")


def test_every_action_class_is_named_by_a_declared_name():
    from rasa_sdk import Action

    for module in pkgutil.iter_modules([str(PROJECT / "actions")]):  # as the action server loads them
        importlib.import_module(f"actions.{module.name}")

    def concrete(cls: type) -> Iterator[type]:
        for sub in cls.__subclasses__():
            if not inspect.isabstract(sub) and sub.__module__.startswith("actions."):
                yield sub
            yield from concrete(sub)

    assert {cls().name() for cls in concrete(Action)} == declared(CustomAction)


def test_name_groups_hold_declared_names_only():
    assert set(APPLICATION_ANSWERS) | set(APPLICATION_SLOTS) | set(ACCESS_SLOTS) <= declared(Slot)
    assert MAY_HAVE_QUEUED_A_CASE <= declared(Response)
    assert BUTTON_ONLY_INTENTS <= declared(Intent)
    assert set(INTENT_TOPICS) <= declared(Intent)


@pytest.mark.parametrize("topic", sorted(declared(FaqTopic) | {NOT_COVERED}))
def test_every_topic_is_answered_and_trained(topic):
    assert response_for(faq_label(topic)) in set(DOMAIN["responses"])
    assert faq_label(topic) in NLU_LABELS


def test_the_topics_are_every_policy_answer_but_the_honest_one():
    answers = {
        name[len(POLICY_ANSWER_PREFIX) :] for name in DOMAIN["responses"] if name.startswith(POLICY_ANSWER_PREFIX)
    }
    assert declared(FaqTopic) == answers - {NOT_COVERED}
    assert set(FAQ_TOPICS) == declared(FaqTopic)
    assert Response.NOT_COVERED == response_for(faq_label(NOT_COVERED))


def test_every_turn_outcome_has_a_label_for_the_lead():
    from tickets.insights import OUTCOME_LABELS

    assert set(OUTCOME_LABELS) == declared(TurnOutcome)


def test_the_names_package_imports_nothing_of_the_project_and_no_rasa():
    script = (
        "import sys, dialogue.names, dialogue.topics; print(' '.join(sorted({m.split('.')[0] for m in sys.modules})))"
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=PROJECT, capture_output=True, text=True, check=True)
    loaded = set(result.stdout.split())
    forbidden = (set(PRODUCT_PACKAGES) - {"dialogue"}) | {"rasa", "rasa_sdk", "devtools", "bench", "tests"}
    assert loaded & forbidden == set()


def _python_files(*packages: str) -> Iterator[Path]:
    for package in packages:
        for path in sorted((PROJECT / package).rglob("*.py")):
            if "node_modules" not in path.parts:
                yield path


def _utter_literals(path: Path) -> Iterator[Tuple[int, str]]:
    """String constants (f-strings' literal parts too) that start like a response name."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            if node.value.startswith(RESPONSE_PREFIX) and node.value != RASA_UTTER_ACTION_KEY:
                yield node.lineno, node.value


def test_the_code_names_responses_only_through_dialogue_names():
    found = [
        f"{path.relative_to(PROJECT)}:{line}: {value!r}"
        for path in _python_files(*(p for p in PRODUCT_PACKAGES if p != "dialogue"))
        for line, value in _utter_literals(path)
    ]
    assert found == [], "use dialogue.names.Response (or response_for) instead:\n" + "\n".join(found)


def test_the_check_finds_a_response_literal(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text('A = "utter_greet"\nB = f"utter_{x}"\nC = meta.get("utter_action")\n', encoding="utf-8")
    assert [value for _, value in _utter_literals(sample)] == ["utter_greet", "utter_"]


def test_the_web_side_imports_nothing_from_actions():
    imports = []
    for path in _python_files("web"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            modules = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and node.module:
                modules = [node.module]
            imports += [
                f"{path.relative_to(PROJECT)}: {m}" for m in modules if m == "actions" or m.startswith("actions.")
            ]
    assert imports == []
