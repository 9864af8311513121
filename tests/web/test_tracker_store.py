"""The project's SQL tracker store reads back exactly what it wrote, as Rasa's own reading would."""

import asyncio
import os

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActiveLoop,
    AllSlotsReset,
    BotUttered,
    Event,
    Restarted,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.events import (
    deserialise_events as rasa_deserialise_events,
)
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.utils.common import all_subclasses
from sqlalchemy.engine import make_url

from devtools.stack import PROJECT, free_port, fresh_postgres_database
from devtools.tcp_proxy import TcpProxy
from dialogue.names import Slot
from tests.conftest import requires
from tickets.db import migrate
from tickets.errors import StoreUnavailable
from web.tracker_store import ProjectSQLTrackerStore, _event_classes, deserialise_events

SERVER = os.environ.get("TEST_DATABASE_URL")


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.load(str(PROJECT / "domain.yml"))


def test_every_event_type_resolves_to_the_class_rasa_would_choose():
    for cls in all_subclasses(Event):
        assert _event_classes()[cls.type_name] is Event.resolve_by_type(cls.type_name)


def _conversation() -> list:
    faq = {"name": "faq", "confidence": 0.93, "full_retrieval_intent_name": "faq/fee"}
    return [
        SessionStarted(),
        ActionExecuted("action_listen"),
        UserUttered("注销要收费吗", intent=faq, parse_data={"intent": faq, "entities": [], "text": "注销要收费吗"}),
        BotUttered("注销不收取费用……", metadata={"utter_action": "utter_faq/fee"}),
        ActionExecuted("action_listen"),
        UserUttered("我要注销 SN12345678", intent={"name": "apply_deregistration", "confidence": 0.9}),
        ActiveLoop("deregistration_form"),
        SlotSet(Slot.TERMINAL_SN, "SN12345678"),
        BotUttered("请提供您的手机号", data={"buttons": [{"title": "取消", "payload": "/stop"}]}),
        ActionExecuted("action_listen"),
        AllSlotsReset(),
        Restarted(),
    ]


def test_a_tracker_reads_back_as_written(domain, tmp_path):
    url = f"sqlite:///{tmp_path / 'trackers.db'}"
    migrate(url)  # the turn_facts table is the back office's
    store = ProjectSQLTrackerStore(domain, host=url)
    written = DialogueStateTracker.from_events("conversation-1", _conversation(), domain.slots)
    asyncio.run(store.save(written))
    read = asyncio.run(store.retrieve("conversation-1"))
    assert list(read.events) == list(written.events)
    assert read.current_slot_values() == written.current_slot_values()
    assert read.active_loop_name == written.active_loop_name


def test_reading_matches_rasas_own_deserialisation():
    serialised = [event.as_dict() for event in _conversation()] + [{"no": "event key"}]
    assert deserialise_events(serialised) == rasa_deserialise_events(serialised)


def test_saving_again_adds_only_the_new_events_and_reading_starts_at_the_latest_session(domain, tmp_path):
    url = f"sqlite:///{tmp_path / 'trackers.db'}"
    migrate(url)
    store = ProjectSQLTrackerStore(domain, host=url)
    tracker = DialogueStateTracker.from_events("conversation-2", _conversation(), domain.slots)
    asyncio.run(store.save(tracker))
    first_session = list(tracker.events)
    later = [SessionStarted(), ActionExecuted("action_listen"), UserUttered("你好", intent={"name": "greet"})]
    tracker = asyncio.run(store.retrieve("conversation-2"))  # a turn: read, add, save (twice, as Rasa may)
    for event in later:
        tracker.update(event)
    asyncio.run(store.save(tracker))
    tracker = asyncio.run(store.retrieve("conversation-2"))
    asyncio.run(store.save(tracker))  # nothing new: nothing written
    assert list(asyncio.run(store.retrieve("conversation-2")).events) == later
    assert list(asyncio.run(store.retrieve_full_tracker("conversation-2")).events) == first_session + later


@requires(bool(SERVER), "TEST_DATABASE_URL not set: the refused database is a PostgreSQL, on CI")
def test_a_refused_database_is_a_store_error_with_a_chinese_message(domain):
    """Not a raw driver error: the chat, the console and the pages answer StoreUnavailable in Chinese."""
    with fresh_postgres_database(SERVER) as url:
        migrate(url)
        real = make_url(url)
        proxy = TcpProxy(free_port(), real.host or "127.0.0.1", real.port or 5432)
        try:
            store = ProjectSQLTrackerStore(
                domain, host=real.set(host="127.0.0.1", port=proxy.listen_port).render_as_string(hide_password=False)
            )
            asyncio.run(store.save(DialogueStateTracker.from_events("conversation-3", _conversation(), domain.slots)))
            proxy.refuse()
            with pytest.raises(StoreUnavailable, match="暂时无法访问"):
                asyncio.run(store.retrieve("conversation-3"))
            store.engine.dispose()
        finally:
            proxy.close()
