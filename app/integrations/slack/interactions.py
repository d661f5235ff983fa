"""Interactions: the "Save to Tacit" message shortcut, the account suggestions of its form, and
the form's submission.

1. ``message_action``: acknowledged at once; a background task asks Slack for the message's
   permalink and opens the form (``views.open``, with the bot token) within the three seconds
   the shortcut's trigger lives. An unlinked user is told how to link instead.
2. ``block_suggestion``: the accounts whose names match what the person typed.
3. ``view_submission``: the note is captured in the request's unit of work (a dedupe key per
   message and author makes a double submission one note); the form closes, and once the note
   is committed the confirmation, with any sensitive-fact warning, is posted ephemerally to
   the shortcut's ``response_url``. A refusal is shown beside its field in the form.
"""

from __future__ import annotations

import logging

from fastapi import APIRouter, BackgroundTasks, Request, Response
from fastapi.responses import JSONResponse
from slack_sdk.errors import SlackApiError

from app.config import Settings
from app.db.request import RequestConnection
from app.domain import accounts, slack
from app.errors import AppError, Invalid
from app.http.deps import ConnectionDep, SettingsDep
from app.integrations.slack import messages, replies, save_form
from app.integrations.slack.messages import Answer, links_for
from app.integrations.slack.payloads import (
    BlockSuggestion,
    MessageAction,
    ViewSubmission,
    interaction_payload,
    parse,
)
from app.integrations.slack.verify import VerifiedForm

log = logging.getLogger("tacit.slack")
router = APIRouter()

SUGGESTIONS = 20


@router.post("/interactions")
def slack_interaction(
    form: VerifiedForm,
    conn: ConnectionDep,
    settings: SettingsDep,
    background: BackgroundTasks,
    request: Request,
) -> Response:
    """Slack's interactivity request URL: shortcuts, menus and forms of this app."""
    payload = interaction_payload(form.get("payload"))
    kind = payload.get("type")
    if kind == "message_action":
        action = parse(MessageAction, payload)
        if action.callback_id != save_form.CALLBACK_ID:
            return Response()
        reply_to = replies.response_url(action.response_url, settings.slack_response_hosts)
        with conn.unit_of_work(write=False) as session:
            linked = slack.linked_user(session, action.who) is not None
        if not linked:
            background.add_task(replies.post, reply_to, messages.unlinked().body())
        else:
            background.add_task(open_save_form, settings, action, reply_to)
        return Response()
    if kind == "block_suggestion":
        suggestion = parse(BlockSuggestion, payload)
        with conn.unit_of_work(write=False) as session:
            if slack.linked_user(session, suggestion.who) is None:
                return JSONResponse({"options": []})  # nothing for someone Tacit does not know
            found = accounts.list_accounts(
                session,
                q=suggestion.value.strip()[:200],
                external_id=None,
                domain=None,
                limit=SUGGESTIONS,
                cursor=None,
            )
            return JSONResponse(save_form.account_options(found.items))
    if kind == "view_submission":
        submission = parse(ViewSubmission, payload)
        if submission.view.callback_id != save_form.CALLBACK_ID:
            return Response()
        links = links_for(settings.public_url, str(request.base_url))
        return _save(conn, settings, background, submission, links)
    return Response()  # other interactions (a form closed...) need no answer


def _save(
    conn: RequestConnection,
    settings: Settings,
    background: BackgroundTasks,
    submission: ViewSubmission,
    links: messages.Links,
) -> Response:
    state = submission.view.state
    meta = parse_metadata(submission.view.private_metadata)
    reply_to = replies.response_url(meta.response_url, settings.slack_response_hosts)
    account = state.choice(save_form.ACCOUNT)
    if not account.isdigit():
        return _refused(save_form.ACCOUNT, "Choose the account.")
    session = conn.session(write=True)
    user = slack.linked_user(session, submission.who)
    if user is None:
        return _refused(save_form.BODY, messages.unlinked().text)
    message = slack.SlackMessage(
        team_id=submission.who.team_id,
        channel_id=meta.channel_id,
        ts=meta.ts,
        permalink=meta.permalink,
    )
    try:
        saved = slack.save_message(
            session,
            user,
            message,
            account_id=int(account),
            body=state.text(save_form.BODY),
            visibility=save_form.visibility_of(state.choice(save_form.VISIBILITY)),
            sensitive_categories=settings.sensitive_categories,
        )
    except AppError as exc:
        session.rollback()
        field = exc.extensions.get("field", save_form.BODY)
        return _refused(str(field), exc.detail[:1].upper() + exc.detail[1:])
    # Posted after the response, so after the unit of work has committed the note.
    background.add_task(replies.post, reply_to, messages.saved(saved, links).body())
    return Response()


def parse_metadata(text: str) -> save_form.SaveMetadata:
    try:
        return save_form.SaveMetadata.model_validate_json(text)
    except ValueError:
        raise Invalid("the form's metadata is not Tacit's: open the form again") from None


def _refused(block: str, message: str) -> JSONResponse:
    return JSONResponse({"response_action": "errors", "errors": {block: message}})


def open_save_form(
    settings: Settings, action: MessageAction, reply_to: replies.ResponseUrl
) -> None:
    """Ask Slack for the message's permalink, then open the form. Runs in the background, with
    no database connection: what it needs came in the shortcut."""
    client = replies.web_client(settings)
    if client is None:
        answer = messages.problem(
            "the Save to Tacit form needs the app's bot token, which is not set up; "
            "ask your Tacit admin (TACIT_SLACK_BOT_TOKEN)"
        )
        replies.post(reply_to, answer.body())
        return
    try:
        found = client.chat_getPermalink(channel=action.channel.id, message_ts=action.message.ts)
        meta = save_form.SaveMetadata(
            channel_id=action.channel.id,
            ts=action.message.ts,
            permalink=str(found["permalink"]),
            response_url=reply_to.url,
        )
        view = save_form.form(
            text=action.message.text, channel_name=action.channel.name, metadata=meta
        )
        client.views_open(trigger_id=action.trigger_id, view=view)
    except SlackApiError as exc:
        error = str(exc.response.get("error") or "an error")
        log.warning("Slack refused to open the Save to Tacit form: %s", error)
        replies.post(reply_to, _could_not_open(error).body())
    except Exception:
        log.exception("could not open the Save to Tacit form")
        replies.post(reply_to, _could_not_open("Slack could not be reached").body())


def _could_not_open(error: str) -> Answer:
    return messages.problem(f"Tacit could not open the form ({error}); try again")
