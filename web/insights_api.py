"""The support lead's insights: /console/insights (page) and /console/api/insights/* (figures,
CSV, NLU export). Leads only: an agent gets 403, no session 401 — the console's own sessions."""

from __future__ import annotations

import asyncio
import csv
import functools
import io
from datetime import date
from typing import Any, Callable, Dict, List, Text

from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLWriter
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from chinese_nlp.normalizer import normalize_text
from dialogue.names import TurnOutcome, faq_label
from dialogue.topics import FAQ_TOPICS
from runtime.clock import shanghai_today
from shapes import InvalidValue
from tickets.insights import MAX_UNANSWERED, OUTCOME_LABELS, Insights, Period, group_similar
from tickets.views import AgentView
from web.console_api import answer_errors_in_chinese, as_agent
from web.desk import SupportDesk
from web.http_util import json_reply
from web.pages import page_reply

insights = Blueprint("web_insights", url_prefix="/console")
PRESETS = {"today": 1, "7d": 7, "30d": 30}
TABLES = ("conversations", "outcomes", "topics", "feedback", "unanswered", "funnel", "agents")
NEW_TOPIC = faq_label("")  # an export label: faq/<existing key> or faq/<new name>
LEADS_ONLY = "仅客服组长可以查看数据看板"
UNRECOGNISED_TOPIC = "（未识别）"
MAX_EXPORT_GROUPS = MAX_UNANSWERED  # groups of the questions the board lists, at most one each
answer_errors_in_chinese(insights)


def as_lead(handler: Callable) -> Callable:
    @as_agent
    @functools.wraps(handler)
    async def wrapped(request: Request, desk: SupportDesk, agent: AgentView, **kwargs: Any) -> HTTPResponse:
        if not agent.is_lead:
            return json_reply({"error": LEADS_ONLY}, 403)
        return await handler(request, desk, agent, **kwargs)

    return wrapped


def period_of(request: Request) -> Period:
    """?period=today|7d|30d (7d when nothing is asked), or ?from=YYYY-MM-DD&to=YYYY-MM-DD (Shanghai days)."""
    if "from" not in request.args and "to" not in request.args:
        preset = request.args.get("period", "7d")
        if preset not in PRESETS:
            raise InvalidValue("请选择有效的时间范围：今天、近 7 天或近 30 天")
        return Period.last_days(PRESETS[preset], shanghai_today())
    try:
        return Period(date.fromisoformat(request.args.get("from", "")), date.fromisoformat(request.args.get("to", "")))
    except ValueError:
        raise InvalidValue("请选择有效的时间范围（开始日期不晚于结束日期，最长一年）") from None


async def _figures(desk: SupportDesk, period: Period) -> Dict[str, Any]:
    """Every figure of the page, the queries side by side on the back office's pool."""
    office = desk.office
    figures = Insights(office.db)
    names = ("conversations", "answers", "feedback", "unanswered", "funnel", "desk")
    results = dict(
        zip(names, await asyncio.gather(*(office.run(getattr(figures, n), period) for n in names)), strict=True)
    )
    unanswered, unanswered_total = results.pop("unanswered")
    return {
        "period": {"from": period.first.isoformat(), "to": period.last.isoformat()},
        **results,
        "unanswered": await office.run(group_similar, [text for text, *_ in unanswered], key=normalize_text),
        "unanswered_total": unanswered_total,
        # "" is a policy question whose topic was not recognised (the page and the CSV name it so).
        "topics": {"": UNRECOGNISED_TOPIC, **{key: topic.title for key, topic in FAQ_TOPICS.items()}},
        "outcome_labels": OUTCOME_LABELS,
    }


@insights.get("/insights")
async def page(request: Request) -> HTTPResponse:
    """The page itself; its figures come from the API, which checks the role."""
    return page_reply("insights.html")


@insights.get("/api/insights")
@as_lead
async def figures(request: Request, desk: SupportDesk, agent: AgentView) -> HTTPResponse:
    return json_reply(await _figures(desk, period_of(request)))


def _rows(table: Text, figures: Dict[str, Any]) -> List[List[Any]]:
    topic = lambda key: figures["topics"].get(key or "", key)  # noqa: E731
    if table == "conversations":
        return [["日期", "会话数"]] + [[d["day"], d["conversations"]] for d in figures["conversations"]["per_day"]]
    if table == "outcomes":
        return [["结果", "消息数"]] + [[OUTCOME_LABELS.get(k, k), v] for k, v in figures["answers"]["outcomes"].items()]
    if table == "topics":
        return [["主题", "回答次数"]] + [[topic(t["topic"]), t["answers"]] for t in figures["answers"]["top_topics"]]
    if table == "feedback":
        return [["主题", "有帮助", "没帮助", "有帮助比例"]] + [
            [topic(f["topic"]), f[TurnOutcome.HELPFUL], f[TurnOutcome.UNHELPFUL], f["helpful_rate"]]
            for f in figures["feedback"]
        ]
    if table == "unanswered":
        return [["示例问题", "次数", "同组问题"]] + [
            [g["example"], g["count"], " / ".join(g["texts"])] for g in figures["unanswered"]
        ]
    if table == "funnel":
        return [["状态", "工单数", "平均停留（小时，中位数）"]] + [
            [s["label"], s["tickets"], s["median_hours"]] for s in figures["funnel"]["statuses"]
        ]
    desk = figures["desk"]
    return [["客服", "接入会话数"]] + [[a["agent"], a["cases"]] for a in desk["cases_per_agent"]]


# A cell a spreadsheet would run as a formula (merchants type the unanswered questions): kept as
# text by a leading apostrophe, as OWASP's CSV-injection advice has it.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _as_text_in_spreadsheets(cell: Any) -> Any:
    return f"'{cell}" if isinstance(cell, str) and cell.startswith(FORMULA_STARTS) else cell


@insights.get("/api/insights/csv/<table>")
@as_lead
async def table_csv(request: Request, desk: SupportDesk, agent: AgentView, table: Text) -> HTTPResponse:
    if table not in TABLES:
        return json_reply({"error": "没有这张表"}, 404)
    buffer = io.StringIO()
    rows = _rows(table, await _figures(desk, period_of(request)))
    csv.writer(buffer).writerows([[_as_text_in_spreadsheets(cell) for cell in row] for row in rows])
    return response.text(
        "\ufeff" + buffer.getvalue(),  # a BOM, so that Excel reads the Chinese right
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{table}.csv"', "Cache-Control": "no-store"},
    )


@insights.post("/api/insights/export")
@as_lead
async def export_nlu(request: Request, desk: SupportDesk, agent: AgentView) -> HTTPResponse:
    """Rasa NLU YAML of questions the lead labelled, for review before training:
    {"items": [{"label": "faq/balance" or "faq/<new topic>", "texts": [...]}]}."""
    items = (request.json or {}).get("items") if isinstance(request.json, dict) else None
    if not isinstance(items, list) or not items:
        return json_reply({"error": "请先为问题选择主题"}, 400)
    if len(items) > MAX_EXPORT_GROUPS:  # the board shows at most that many groups
        return json_reply({"error": f"一次最多导出 {MAX_EXPORT_GROUPS} 组问题"}, 400)
    messages = []
    for item in items:
        label, texts = (item or {}).get("label"), (item or {}).get("texts")
        if not isinstance(label, str) or not label.startswith(NEW_TOPIC) or not label[len(NEW_TOPIC) :].isidentifier():
            return json_reply({"error": "主题须为 faq/ 加英文名，例如 faq/balance"}, 400)
        if not isinstance(texts, list) or not all(isinstance(t, str) and t.strip() for t in texts):
            return json_reply({"error": "问题不能为空"}, 400)
        messages += [Message.build(text=t.strip()[:200], intent=label) for t in texts[:200]]
    yaml_text = RasaYAMLWriter().dumps(TrainingData(training_examples=messages))
    header = "# 从数据看板导出，训练前请人工审核（文本中的号码已遮盖）。\n"
    return response.text(
        header + yaml_text,
        content_type="application/x-yaml; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="nlu-export.yml"'},
    )
