"""What the support lead sees: how the assistant and the desk are doing over a period.

Every figure is one indexed SQL query over turn_facts (one row per merchant message, written with
its events), the tickets and cases, and their history — never a whole tracker loaded in Python.
Days are Shanghai days. Texts shown are masked when written.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from statistics import median
from typing import Any, Callable, Dict, List, Optional, Tuple

from sqlalchemy import and_, distinct, func, select
from sqlalchemy.sql.elements import ColumnElement

from dialogue.names import TurnOutcome
from runtime.clock import SHANGHAI
from tickets import models as m
from tickets.db import Database
from tickets.statuses import HandoffReason, HandoffStatus, Status

# What became of a merchant message (web/turn_facts.py), as the lead reads it.
OUTCOME_LABELS = {
    TurnOutcome.ANSWERED: "已回答",
    TurnOutcome.NOT_COVERED: "政策未涉及",
    TurnOutcome.ASK_BACK: "反问确认",
    TurnOutcome.FALLBACK: "未理解",
    TurnOutcome.NOT_UNDERSTOOD: "未理解并转人工",
    TurnOutcome.HANDOFF: "转人工",
    TurnOutcome.OUT_OF_SCOPE: "超出服务范围",
    TurnOutcome.OTHER: "办理与闲聊",
    TurnOutcome.TO_AGENT: "与人工客服对话",
    TurnOutcome.HELPFUL: "评价：有帮助",
    TurnOutcome.UNHELPFUL: "评价：没帮助",
}
# Outcomes of a message that mean the merchant did not get an answer.
UNANSWERED = (TurnOutcome.NOT_UNDERSTOOD, TurnOutcome.ASK_BACK, TurnOutcome.FALLBACK, TurnOutcome.NOT_COVERED)
NOT_A_QUESTION = (TurnOutcome.TO_AGENT, TurnOutcome.HELPFUL, TurnOutcome.UNHELPFUL)  # said to a person, or feedback
FEEDBACK = (TurnOutcome.HELPFUL, TurnOutcome.UNHELPFUL)  # the 有帮助 / 没帮助 buttons; feedback()'s row keys
MAX_UNANSWERED = 500  # the newest, grouped for the lead; the total is counted apart
MAX_PERIOD_DAYS = 366


@dataclass(frozen=True)
class Period:
    """From the start of `first` to the end of `last`, Shanghai days."""

    first: date
    last: date

    def __post_init__(self) -> None:
        if self.last < self.first or (self.last - self.first).days >= MAX_PERIOD_DAYS:
            raise ValueError("时间范围不正确（最长一年）")

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first, time(), SHANGHAI)

    @property
    def end(self) -> datetime:
        return datetime.combine(self.last + timedelta(days=1), time(), SHANGHAI)

    def days(self) -> List[date]:
        return [self.first + timedelta(days=n) for n in range((self.last - self.first).days + 1)]

    @classmethod
    def last_days(cls, days: int, today: date) -> "Period":
        return cls(today - timedelta(days=days - 1), today)


def _percentiles(values: List[float]) -> Dict[str, Optional[float]]:
    if not values:
        return {"p50": None, "p90": None}
    ordered = sorted(values)
    pick = lambda p: ordered[min(len(ordered) - 1, int(round(p * (len(ordered) - 1))))]  # noqa: E731
    return {"p50": round(pick(0.5), 1), "p90": round(pick(0.9), 1)}


class Insights:
    """Read-only figures on a Database (synchronous; call through BackOffice.run from async code)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def _in(self, column: Any, period: Period) -> ColumnElement:
        return and_(column >= period.start, column < period.end)

    # -- conversations and answers -----------------------------------------------------------

    def _days(self, period: Period) -> ColumnElement:
        return m.TurnFact.day.between(period.first, period.last)

    def conversations(self, period: Period) -> Dict[str, Any]:
        """Conversations (sessions) begun per day, containment, and the handoff rate by reason."""
        with self.db.transaction(write=False) as session:
            per_day = dict(
                session.execute(
                    select(m.TurnFact.day, func.count())
                    .where(m.TurnFact.opens_conversation.is_(True), self._days(period))
                    .group_by(m.TurnFact.day)
                ).all()
            )
            by_reason = dict(
                session.execute(
                    select(m.Case.reason, func.count(distinct(m.Case.conversation_id)))
                    .where(self._in(m.Case.created_at, period))
                    .group_by(m.Case.reason)
                ).all()
            )
        total = sum(per_day.values())
        handed_off = sum(by_reason.values())
        return {
            "per_day": [{"day": d.isoformat(), "conversations": per_day.get(d, 0)} for d in period.days()],
            "total": total,
            "containment": round(1 - handed_off / total, 3) if total else None,
            "handoff_rate": {
                reason.label: round(by_reason.get(reason.value, 0) / total, 3) if total else None
                for reason in HandoffReason
            },
            "handoffs": {reason.label: by_reason.get(reason.value, 0) for reason in HandoffReason},
        }

    def answers(self, period: Period) -> Dict[str, Any]:
        """Messages by outcome, the fallback and ask-back rates, top topics and their trend."""
        with self.db.transaction(write=False) as session:
            outcomes = dict(
                session.execute(
                    select(m.TurnFact.outcome, func.count()).where(self._days(period)).group_by(m.TurnFact.outcome)
                ).all()
            )
            answered = [m.TurnFact.outcome == TurnOutcome.ANSWERED, self._days(period)]
            topics = session.execute(
                select(m.TurnFact.topic, func.count())
                .where(*answered)
                .group_by(m.TurnFact.topic)
                .order_by(func.count().desc())
                .limit(10)
            ).all()
            top = [topic for topic, _ in topics[:5]]
            trend_rows = session.execute(
                select(m.TurnFact.topic, m.TurnFact.day, func.count())
                .where(*answered, m.TurnFact.topic.in_(top))
                .group_by(m.TurnFact.topic, m.TurnFact.day)
            ).all()
        questions = sum(n for outcome, n in outcomes.items() if outcome not in NOT_A_QUESTION)
        rate = lambda *names: round(sum(outcomes.get(n, 0) for n in names) / questions, 3) if questions else None  # noqa: E731
        trend: Dict[str, Dict[date, int]] = defaultdict(dict)
        for topic, day, count in trend_rows:
            trend[topic][day] = count
        return {
            "messages": questions,
            "outcomes": outcomes,
            "fallback_rate": rate(TurnOutcome.NOT_UNDERSTOOD, TurnOutcome.FALLBACK),
            "ask_back_rate": rate(TurnOutcome.ASK_BACK),
            "not_covered_rate": rate(TurnOutcome.NOT_COVERED),
            "top_topics": [{"topic": topic, "answers": count} for topic, count in topics],
            "trend": {
                topic: [{"day": d.isoformat(), "answers": trend[topic].get(d, 0)} for d in period.days()]
                for topic in top
            },
        }

    def feedback(self, period: Period) -> List[Dict[str, Any]]:
        """有帮助 / 没帮助 per topic."""
        with self.db.transaction(write=False) as session:
            rows = session.execute(
                select(m.TurnFact.topic, m.TurnFact.outcome, func.count())
                .where(m.TurnFact.outcome.in_(FEEDBACK), self._days(period))
                .group_by(m.TurnFact.topic, m.TurnFact.outcome)
            ).all()
        per_topic: Dict[str, Dict[str, int]] = defaultdict(lambda: dict.fromkeys(FEEDBACK, 0))
        for topic, outcome, count in rows:
            per_topic[topic or "?"][outcome] += count
        return sorted(
            (
                {"topic": topic, **counts, "helpful_rate": round(counts[TurnOutcome.HELPFUL] / sum(counts.values()), 3)}
                for topic, counts in per_topic.items()
            ),
            key=lambda row: -sum(row[outcome] for outcome in FEEDBACK),
        )

    def unanswered(self, period: Period) -> Tuple[List[Tuple[str, str, Optional[str], datetime]], int]:
        """(text, outcome, topic guessed, when) of the newest messages that got no answer, and
        how many there were in all."""
        where = (m.TurnFact.outcome.in_(UNANSWERED), self._days(period))
        with self.db.transaction(write=False) as session:
            rows = session.execute(
                select(m.TurnFact.text, m.TurnFact.outcome, m.TurnFact.topic, m.TurnFact.at)
                .where(*where)
                .order_by(m.TurnFact.id.desc())  # newest first, walking the primary key back
                .limit(MAX_UNANSWERED)
            ).all()
            total = session.execute(select(func.count()).select_from(m.TurnFact).where(*where)).scalar_one()
        return [tuple(row) for row in rows], total

    # -- applications and the desk -------------------------------------------------------------

    def funnel(self, period: Period) -> Dict[str, Any]:
        """Applications made in the period: how many reached each status, and the median hours
        spent in each status before the next move."""
        with self.db.transaction(write=False) as session:
            rows = session.execute(
                select(m.TicketHistory.ticket_id, m.TicketHistory.to_status, m.TicketHistory.at)
                .join(m.Deregistration, m.Deregistration.id == m.TicketHistory.ticket_id)
                .where(self._in(m.Deregistration.created_at, period))
                .order_by(m.TicketHistory.ticket_id, m.TicketHistory.at, m.TicketHistory.id)
            ).all()
        reached: Dict[str, set] = defaultdict(set)
        stays: Dict[str, List[float]] = defaultdict(list)
        previous: Dict[int, Tuple[str, datetime]] = {}
        for ticket_id, status, at in rows:
            reached[status].add(ticket_id)
            if ticket_id in previous:
                earlier, since = previous[ticket_id]
                stays[earlier].append((at - since).total_seconds() / 3600)
            previous[ticket_id] = (status, at)
        return {
            "statuses": [
                {
                    "status": s.value,
                    "label": s.label,
                    "tickets": len(reached.get(s.value, ())),
                    "median_hours": round(median(stays[s.value]), 1) if stays.get(s.value) else None,
                }
                for s in Status
            ]
        }

    def desk(self, period: Period) -> Dict[str, Any]:
        """Waiting before an agent claims, time to the first reply, cases per agent, call backs."""
        with self.db.transaction(write=False) as session:
            cases = session.execute(
                select(
                    m.Case.id,
                    m.Case.created_at,
                    m.Case.assignee,
                    m.Case.first_reply_at,
                    m.Case.callback_requested,
                    m.Case.callback_done_at,
                ).where(self._in(m.Case.created_at, period))
            ).all()
            claimed = dict(
                session.execute(
                    select(m.TicketHistory.ticket_id, func.min(m.TicketHistory.at))
                    .join(m.Case, m.Case.id == m.TicketHistory.ticket_id)
                    .where(
                        m.TicketHistory.to_status == HandoffStatus.CLAIMED.value, self._in(m.Case.created_at, period)
                    )
                    .group_by(m.TicketHistory.ticket_id)
                ).all()
            )
        served = [c for c in cases if c.id in claimed]
        waits = [(claimed[c.id] - c.created_at).total_seconds() for c in served]
        replies = [(c.first_reply_at - claimed[c.id]).total_seconds() for c in served if c.first_reply_at]
        per_agent: Dict[str, int] = defaultdict(int)
        for case in served:
            if case.assignee:
                per_agent[case.assignee] += 1
        return {
            "cases": len(cases),
            "claimed": len(claimed),
            "wait_to_claim_s": _percentiles(waits),
            "first_reply_s": _percentiles(replies),
            "cases_per_agent": sorted(
                ({"agent": a, "cases": n} for a, n in per_agent.items()), key=lambda r: -r["cases"]
            ),
            "callbacks_requested": sum(1 for c in cases if c.callback_requested),
            "callbacks_done": sum(1 for c in cases if c.callback_done_at),
        }


SIMILAR = 0.3  # cosine similarity of character n-grams above which two questions are grouped


def group_similar(
    texts: List[str], limit: int = 50, *, key: Callable[[str], str] = lambda text: text
) -> List[Dict[str, Any]]:
    """Questions grouped by similarity (character 1–3-grams, TF-IDF, cosine), biggest groups
    first: each group's first question, its count, and examples. Leader clustering on one
    similarity matrix: a question joins the most similar group leader above SIMILAR.

    `key` is what is compared of each text: the web side passes the NLU's normaliser (Traditional,
    full width and typos read alike), which the back office does not import."""
    if not texts:
        return []
    from sklearn.feature_extraction.text import TfidfVectorizer  # only the insights need it

    vectors = TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 3)).fit_transform([key(t or "") for t in texts])
    similarity = (vectors @ vectors.T).toarray()
    leaders: List[int] = []
    groups: List[List[int]] = []
    for index in range(len(texts)):
        if leaders:
            scores = similarity[index, leaders]
            best = int(scores.argmax())
            if scores[best] >= SIMILAR:
                groups[best].append(index)
                continue
        leaders.append(index)
        groups.append([index])
    groups.sort(key=len, reverse=True)
    return [
        {"example": texts[members[0]], "count": len(members), "texts": [texts[i] for i in members[:20]]}
        for members in groups[:limit]
    ]
