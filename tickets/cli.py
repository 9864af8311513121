"""Staff command line: `python -m tickets --help`.

Every change goes through TicketStore.move as a staff actor, so it is audited like any other.
Phone and merchant numbers are shown masked. Errors print a Chinese message and exit with 2.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import Callable, List, Optional, Sequence, Type

import shapes
from runtime.clock import SHANGHAI
from shapes.masking import redact
from tickets.db import database_url, migrate
from tickets.errors import TicketError, TicketNotFound
from tickets.office import BackOffice
from tickets.statuses import Actor, AgentRole, HandoffStatus, LabelledEnum, Status
from tickets.views import HandoffCase, HistoryEntry, TicketView

EXIT_ERROR = 2


def _local(moment) -> str:
    return moment.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S")


def _enum_arg(enum: Type[LabelledEnum]) -> Callable[[str], LabelledEnum]:
    """An argparse type accepting the stored value or the Chinese label of `enum`'s members."""

    def parse(text: str) -> LabelledEnum:
        try:
            return enum.parse(text)
        except ValueError as error:
            raise argparse.ArgumentTypeError(str(error)) from None

    return parse


def _ticket_line(ticket: TicketView) -> str:
    return "  ".join(
        [
            ticket.ticket_no,
            ticket.status_label,
            f"终端 {ticket.terminal_sn or '-'}",
            f"手机 {ticket.masked_phone or '-'}",
            f"提交于 {_local(ticket.created_at)}",
        ]
    )


def _ticket_details(ticket: TicketView) -> List[str]:
    yes_no = {True: "是", False: "否", None: "-"}
    return [
        f"工单号：{ticket.ticket_no}",
        f"状态：{ticket.status_label}",
        f"商户编号：{ticket.masked_merchant_no or '-'}",
        f"终端序列号：{ticket.terminal_sn or '-'}",
        f"联系手机：{ticket.masked_phone or '-'}",
        f"注销原因：{ticket.reason.label if ticket.reason else '-'}",
        f"原因说明：{redact(ticket.reason_detail or '-')}",  # merchant's free text
        f"余额已结清：{yes_no[ticket.balance_cleared]}",
        f"提交时间：{_local(ticket.created_at)}",
        f"更新时间：{_local(ticket.updated_at)}",
    ]


def _history_line(entry: HistoryEntry) -> str:
    change = f"{entry.from_status.label} → {entry.to_status.label}" if entry.from_status else entry.to_status.label
    note = f"（{redact(entry.note)}）" if entry.note else ""
    return f"  {_local(entry.at)}  {entry.actor_kind.label} {entry.actor_name}  {change}{note}"


def _cmd_migrate(args: argparse.Namespace) -> List[str]:
    migrate(args.database_url)
    return ["数据库已是最新结构"]


def _cmd_list(args: argparse.Namespace) -> List[str]:
    tickets = _office(args).tickets.list_tickets(status=args.status, terminal_sn=args.terminal, limit=args.limit)
    return [_ticket_line(t) for t in tickets] or ["没有符合条件的工单"]


def _cmd_show(args: argparse.Namespace) -> List[str]:
    store = _office(args).tickets
    ticket = store.get(args.ticket_no)
    if ticket is None:
        raise TicketNotFound(shapes.TICKET_NO.checked(args.ticket_no))
    return _ticket_details(ticket) + ["处理记录："] + [_history_line(e) for e in store.history(args.ticket_no)]


def _cmd_move(args: argparse.Namespace) -> List[str]:
    ticket = _office(args).tickets.move(
        args.ticket_no, args.status, actor_kind=Actor.STAFF, actor_name=args.staff, note=args.note
    )
    return [f"工单 {ticket.ticket_no} 已改为「{ticket.status_label}」"]


def _case_line(case: HandoffCase) -> str:
    return "  ".join(
        [
            case.case_no,
            case.status.label,
            case.reason.label,
            f"客服 {case.assignee or '-'}",
            f"手机 {case.masked_phone or '-'}",
            f"转人工于 {_local(case.created_at)}",
        ]
    )


def _cmd_cases(args: argparse.Namespace) -> List[str]:
    cases = _office(args).queue.list_cases(status=args.status, limit=args.limit)
    return [_case_line(c) for c in cases] or ["没有符合条件的会话"]


def _cmd_close_cases(args: argparse.Namespace) -> List[str]:
    queue = _office(args).queue
    numbers = [c.case_no for c in queue.waiting_cases()] if args.all_waiting else args.case_nos
    closed = queue.close_waiting(numbers, actor_kind=Actor.STAFF, actor_name=args.staff, note=args.note)
    skipped = sorted({n.upper() for n in numbers} - {c.case_no for c in closed})
    lines = [f"已关闭 {len(closed)} 个等待中的会话"]
    if skipped:
        lines.append(f"未关闭（不存在或不在等待中）：{'、'.join(skipped)}")
    return lines


def _new_password(args: argparse.Namespace) -> str:
    """From stdin with --password-stdin (scripts), else asked twice without echo."""
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("密码（至少 8 位）：")
    if getpass.getpass("再输入一次：") != first:
        raise ValueError("两次输入的密码不一致")
    return first


def _cmd_agent_add(args: argparse.Namespace) -> List[str]:
    agent = _office(args).agents.create_agent(args.username, args.name, _new_password(args), role=args.role)
    where = "/console 与 /console/insights" if agent.is_lead else "/console"
    return [f"{agent.role.label} {agent.username}（{agent.display_name}）已创建，可登录 {where}"]


def _cmd_agent_password(args: argparse.Namespace) -> List[str]:
    _office(args).agents.set_password(args.username, _new_password(args))
    return [f"客服 {args.username} 的密码已更新，原有登录已失效"]


def _cmd_agent_disable(args: argparse.Namespace) -> List[str]:
    _office(args).agents.set_active(args.username, False)
    return [f"客服 {args.username} 已停用"]


def _cmd_agents(args: argparse.Namespace) -> List[str]:
    agents = _office(args).agents.list_agents()
    lines = [f"{a.username}\t{a.display_name}\t{a.role.label}\t{'在用' if a.active else '已停用'}" for a in agents]
    return lines or ["还没有客服账号"]


def _office(args: argparse.Namespace) -> BackOffice:
    return BackOffice.open(args.database_url)


def build_parser() -> argparse.ArgumentParser:
    statuses = "、".join(f"{s.value}（{s.label}）" for s in Status)
    parser = argparse.ArgumentParser(prog="python -m tickets", description="注销工单管理（工作人员用）")
    parser.add_argument("--database-url", default=None, help="数据库地址，默认取环境变量 DATABASE_URL")
    commands = parser.add_subparsers(dest="command", required=True, metavar="命令")

    commands.add_parser("migrate", help="建立或升级数据库结构").set_defaults(run=_cmd_migrate)

    listing = commands.add_parser("list", help="列出工单（最新在前）")
    listing.add_argument("--status", type=_enum_arg(Status), help=f"按状态筛选：{statuses}")
    listing.add_argument("--terminal", help="按终端序列号筛选")
    listing.add_argument("--limit", type=int, default=50, help="最多显示条数（默认 50）")
    listing.set_defaults(run=_cmd_list)

    show = commands.add_parser("show", help="查看工单详情与处理记录")
    show.add_argument("ticket_no", help="工单号，如 ZX202611270001")
    show.set_defaults(run=_cmd_show)

    move = commands.add_parser("move", help="变更工单状态（记录为工作人员操作）")
    move.add_argument("ticket_no", help="工单号")
    move.add_argument("status", type=_enum_arg(Status), help=f"目标状态：{statuses}")
    move.add_argument("--staff", required=True, help="操作人姓名")
    move.add_argument("--note", help="备注")
    move.set_defaults(run=_cmd_move)

    add = commands.add_parser("agent-add", help="创建客服账号（登录客服工作台 /console）")
    add.add_argument("username", help="登录名：小写字母开头，字母、数字或 _ . -")
    add.add_argument("--name", required=True, help="显示名，如 张三")
    add.add_argument("--password-stdin", action="store_true", help="从标准输入读取密码（脚本用）")
    roles = "、".join(f"{r.value}（{r.label}）" for r in AgentRole)
    add.add_argument("--role", type=_enum_arg(AgentRole), default=AgentRole.AGENT, help=f"角色：{roles}，默认 agent")
    add.set_defaults(run=_cmd_agent_add)

    password = commands.add_parser("agent-password", help="重设客服密码（其登录随即失效）")
    password.add_argument("username")
    password.add_argument("--password-stdin", action="store_true", help="从标准输入读取密码（脚本用）")
    password.set_defaults(run=_cmd_agent_password)

    disable = commands.add_parser("agent-disable", help="停用客服账号")
    disable.add_argument("username")
    disable.set_defaults(run=_cmd_agent_disable)

    commands.add_parser("agents", help="列出客服账号").set_defaults(run=_cmd_agents)

    case_statuses = "、".join(f"{s.value}（{s.label}）" for s in HandoffStatus)
    cases = commands.add_parser("cases", help="列出转人工会话（最早在前）")
    cases.add_argument("--status", type=_enum_arg(HandoffStatus), help=f"按状态筛选：{case_statuses}")
    cases.add_argument("--limit", type=int, default=200, help="最多显示条数（默认 200）")
    cases.set_defaults(run=_cmd_cases)

    close = commands.add_parser("close-cases", help="关闭等待中的转人工会话（如骚扰、重复请求）")
    close.add_argument("case_nos", nargs="*", help="会话编号，如 RG202611270001")
    close.add_argument("--all-waiting", action="store_true", help="关闭所有等待中的会话")
    close.add_argument("--staff", required=True, help="操作人姓名")
    close.add_argument("--note", help="备注，如“骚扰请求”")
    close.set_defaults(run=_cmd_close_cases)
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = build_parser().parse_args(argv)
    args.database_url = args.database_url or database_url()
    run: Callable[[argparse.Namespace], List[str]] = args.run
    try:
        lines = run(args)
    except (TicketError, ValueError) as error:  # InvalidValue is a ValueError
        print(f"错误：{error}", file=sys.stderr)
        return EXIT_ERROR
    print("\n".join(lines))
    return 0
