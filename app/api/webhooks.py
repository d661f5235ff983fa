"""Outbound webhooks: a user's own (an admin sees, disables, tests and deletes anyone's)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, status

from app.domain import webhooks
from app.http.deps import (
    ConnectionDep,
    CurrentUser,
    IdPath,
    IdQuery,
    PagingDep,
    SessionDep,
    SettingsDep,
    page_of,
)
from app.outbound.sender import Policy
from app.schemas.common import Page
from app.schemas.webhooks import (
    WebhookCreate,
    WebhookCreated,
    WebhookDeliveryRead,
    WebhookRead,
    WebhookTestResult,
    WebhookUpdate,
)

router = APIRouter(prefix="/v1/webhooks", tags=["webhooks"])
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"description": "No such webhook, or another user's (to anyone but an admin)."}
}


def get_policy(settings: SettingsDep) -> Policy:
    return webhooks.policy_of(settings)


PolicyDep = Annotated[Policy, Depends(get_policy)]


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses={409: {"description": "You have as many webhooks as one user may."}},
)
def create_webhook(
    data: WebhookCreate,
    session: SessionDep,
    settings: SettingsDep,
    policy: PolicyDep,
    user: CurrentUser,
) -> WebhookCreated:
    """A webhook of yours: `url` is sent the `events` you name, each rendered for you when
    sent (a note you may not read is never sent), signed per the Standard Webhooks spec with
    the `secret` in this response, shown once."""
    webhook, secret = webhooks.create_webhook(
        session, user, data, policy=policy, key=settings.webhook_secret_key
    )
    return WebhookCreated(**WebhookRead.model_validate(webhook).model_dump(), secret=secret)


@router.get("")
def list_webhooks(
    session: SessionDep, user: CurrentUser, user_id: IdQuery = None
) -> list[WebhookRead]:
    """Your webhooks, or (admins) another user's with `user_id`; a disabled one says why."""
    found = webhooks.list_webhooks(session, user, user_id=user_id)
    return [WebhookRead.model_validate(w) for w in found]


@router.get("/{webhook_id}", responses=NOT_FOUND)
def get_webhook(webhook_id: IdPath, session: SessionDep, user: CurrentUser) -> WebhookRead:
    """One of your webhooks (admins: anyone's), without its secret."""
    return WebhookRead.model_validate(webhooks.get_webhook(session, user, webhook_id))


@router.patch(
    "/{webhook_id}",
    responses={**NOT_FOUND, 403: {"description": "Only the owner changes url or events."}},
)
def update_webhook(
    webhook_id: IdPath,
    data: WebhookUpdate,
    session: SessionDep,
    policy: PolicyDep,
    user: CurrentUser,
) -> WebhookRead:
    """Change `url` or `events` (the owner), or `status`: `active` enables a disabled
    webhook again, `disabled` stops it (the owner or an admin)."""
    webhook = webhooks.update_webhook(session, user, webhook_id, data, policy=policy)
    return WebhookRead.model_validate(webhook)


@router.delete("/{webhook_id}", status_code=status.HTTP_204_NO_CONTENT, responses=NOT_FOUND)
def delete_webhook(webhook_id: IdPath, session: SessionDep, user: CurrentUser) -> None:
    """Removes the webhook and its delivery log; audited."""
    webhooks.delete_webhook(session, user, webhook_id)


@router.get("/{webhook_id}/deliveries", responses=NOT_FOUND)
def list_webhook_deliveries(
    webhook_id: IdPath, session: SessionDep, user: CurrentUser, paging: PagingDep
) -> Page[WebhookDeliveryRead]:
    """The delivery log, newest first: each event's attempts, last status code, error and
    the start of the receiver's answer."""
    page = webhooks.list_deliveries(
        session, user, webhook_id, limit=paging.limit, cursor=paging.cursor
    )
    return page_of(WebhookDeliveryRead, page)


@router.post(
    "/{webhook_id}/test",
    responses={**NOT_FOUND, 409: {"description": "The secret cannot be read (key changed)."}},
)
def test_webhook(
    webhook_id: IdPath,
    conn: ConnectionDep,
    settings: SettingsDep,
    policy: PolicyDep,
    user: CurrentUser,
) -> WebhookTestResult:
    """Send a signed `webhook.test` message now and say how the receiver answered. It goes to
    a disabled webhook too, and changes neither the log nor the failure count."""
    sent = webhooks.send_test(
        conn, user, webhook_id, policy=policy, key=settings.webhook_secret_key
    )
    outcome = sent.outcome
    return WebhookTestResult(
        message_id=sent.message_id,
        delivered=outcome.delivered,
        status_code=outcome.status_code,
        response_excerpt=outcome.excerpt,
        error=outcome.error,
    )
