"""``/tacit``: ``/tacit <question>`` (the notes that answer it), ``/tacit brief <account>``,
``/tacit link`` and ``/tacit help``.

Slack waits three seconds for an answer. A question or a brief may take longer (the first
question loads the model), so the command is acknowledged at once with an ephemeral "Looking…"
and answered through the command's ``response_url`` by a background task, which runs after
the response has been sent and so after the request's database connection has gone back to
the pool; it takes one of its own (``RequestConnection``), lets it go, and only then posts.
Help, linking and the answer to an unlinked user are immediate."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta

from fastapi import APIRouter, BackgroundTasks, Request
from sqlalchemy.orm import Session

from app.db.base import utcnow
from app.db.models import User
from app.db.request import RequestConnection
from app.domain import accounts, brief, retrieval, reuse, slack
from app.errors import AppError
from app.http.deps import ConnectionDep, ServicesDep, SettingsDep
from app.integrations.slack import messages, replies
from app.integrations.slack.messages import Answer, Links, links_for
from app.integrations.slack.payloads import SlashCommand, parse
from app.integrations.slack.verify import VerifiedForm
from app.services import Services

log = logging.getLogger("tacit.slack")
router = APIRouter()

ANSWER_HITS = 5
MAX_QUESTION = 1000  # as POST /v1/search's q


@router.post("/commands")
def slack_command(
    form: VerifiedForm,
    conn: ConnectionDep,
    services: ServicesDep,
    settings: SettingsDep,
    background: BackgroundTasks,
    request: Request,
) -> dict[str, object]:
    """Answer ``/tacit ...``, ephemerally, as the Tacit user linked to the Slack user."""
    command = parse(SlashCommand, form.fields)
    reply_to = replies.response_url(command.response_url, settings.slack_response_hosts)
    verb, _, rest = command.text.strip().partition(" ")
    verb, rest = verb.lower(), rest.strip()
    if verb in ("", "help"):
        return messages.help_text().body()
    links = links_for(settings.public_url, str(request.base_url))
    if verb == "link":
        return _link(conn, command, links, minutes=settings.slack_link_minutes).body()
    with conn.unit_of_work(write=False) as session:
        user = slack.linked_user(session, command.who)
    if user is None:
        return messages.unlinked().body()
    if verb == "brief":
        if not rest:
            return messages.problem("name the account: /tacit brief Harbor Freightways").body()
        background.add_task(
            answer_brief, services, user_id=user.id, ref=rest, reply_to=reply_to, links=links
        )
        return messages.looking(f"a brief of {rest}").body()
    question = command.text.strip()
    if len(question) > MAX_QUESTION:
        return messages.problem(f"ask in at most {MAX_QUESTION:,} characters").body()
    background.add_task(
        answer_search, services, user_id=user.id, question=question, reply_to=reply_to, links=links
    )
    return messages.looking(question).body()


def _link(conn: RequestConnection, command: SlashCommand, links: Links, *, minutes: int) -> Answer:
    session = conn.session(write=True)  # the request's unit of work, committed before the answer
    user = slack.linked_user(session, command.who)
    if user is not None:
        return messages.already_linked(user.name)
    new = slack.start_link(
        session,
        command.who,
        user_name=command.user_name,
        team_domain=command.team_domain,
        lifetime=timedelta(minutes=minutes),
        now=utcnow(),
    )
    return messages.link_offer(links.slack_link(new.token), minutes=minutes)


# --- answered later, through response_url --------------------------------------------------


Work = Callable[[RequestConnection, Session, User], Answer]


def answer_search(
    services: Services,
    *,
    user_id: int,
    question: str,
    reply_to: replies.ResponseUrl,
    links: Links,
) -> None:
    """The notes the user may read that answer ``question``; the search is logged like the
    API's, so the notes shown count as reuse."""

    def work(conn: RequestConnection, session: Session, user: User) -> Answer:
        params = retrieval.SearchRequest(q=question, limit=ANSWER_HITS)
        result = retrieval.search(session, services.search, user, params)
        retrieval.record(conn, user, params, result)
        return messages.search_answer(question, result, links, now=utcnow())

    _answer(services, user_id, reply_to, work)


def answer_brief(
    services: Services,
    *,
    user_id: int,
    ref: str,
    reply_to: replies.ResponseUrl,
    links: Links,
) -> None:
    """The account's brief from the notes the user may read; the notes shown are recorded as
    the API's brief records them."""

    def work(conn: RequestConnection, session: Session, user: User) -> Answer:
        account = accounts.resolve_account(session, ref[:320])
        result = brief.account_brief(session, user, account.id)
        reuse.record_views(conn, user, result.quoted(), kind="shown", source="slack")
        return messages.brief_answer(result, links)

    _answer(services, user_id, reply_to, work)


def _answer(services: Services, user_id: int, reply_to: replies.ResponseUrl, work: Work) -> None:
    conn = RequestConnection(services.database)
    try:
        session = conn.session(write=False)
        user = session.get(User, user_id)
        if user is None or not user.is_active:
            answer = messages.unlinked()
        else:
            answer = work(conn, session, user)
        conn.write_deferred()
    except AppError as exc:  # an expected refusal: "no account matches ..."
        conn.abort()
        answer = messages.problem(exc.detail)
    except Exception:
        log.exception("a Slack answer failed")
        conn.abort()
        answer = messages.failed()
    finally:
        conn.close()
    replies.post(reply_to, answer.body())
