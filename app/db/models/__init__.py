"""The schema, as typed SQLAlchemy models, one module per part of the product. Alembic
migrations are generated from and checked against it (``tests/integration/test_migrations.py``
fails when they drift).

Import models from here (``from app.db.models import Note``): importing this package puts
every table on ``Base.metadata``, which migrations and tests rely on."""

from app.db.models.accounts import Account, AccountDomain, Contact, RoleDecision
from app.db.models.activity import (
    AuditEvent,
    HelpersDaily,
    HelpfulMark,
    NoteView,
    ReuseDaily,
    ReuseRollup,
    Search,
    SearchImpression,
)
from app.db.models.calendar import (
    BriefDelivery,
    BriefKind,
    BriefStatus,
    CalendarFeed,
    MeetingOccurrence,
)
from app.db.models.capture import IdempotencyKey, InboundMessage
from app.db.models.columns import BuyingRole, Role, TokenScope, Visibility
from app.db.models.handover import DigestDelivery, HandoverRequest, HandoverSuccession
from app.db.models.influence import (
    InfluenceCitation,
    InfluenceDecision,
    InfluenceRecord,
    InfluenceReview,
)
from app.db.models.notes import Note, NoteFlag, NoteRevision, NoteVerification, note_contacts
from app.db.models.people import ApiToken, Team, User, WebSession
from app.db.models.privacy import Suppression
from app.db.models.retention import RetentionDecision
from app.db.models.search import EmbeddingJob, Mention, Passage
from app.db.models.slack import SlackLinkRequest
from app.db.models.webhooks import DeliveryStatus, Webhook, WebhookDelivery, WebhookStatus
from app.db.outbox import Event, EventConsumer, EventDelivery

__all__ = [
    "Account",
    "AccountDomain",
    "ApiToken",
    "AuditEvent",
    "BriefDelivery",
    "BriefKind",
    "BriefStatus",
    "BuyingRole",
    "CalendarFeed",
    "Contact",
    "DeliveryStatus",
    "DigestDelivery",
    "EmbeddingJob",
    "Event",
    "EventConsumer",
    "EventDelivery",
    "HandoverRequest",
    "HandoverSuccession",
    "HelpersDaily",
    "HelpfulMark",
    "IdempotencyKey",
    "InboundMessage",
    "InfluenceCitation",
    "InfluenceDecision",
    "InfluenceRecord",
    "InfluenceReview",
    "MeetingOccurrence",
    "Mention",
    "Note",
    "NoteFlag",
    "NoteRevision",
    "NoteVerification",
    "NoteView",
    "Passage",
    "RetentionDecision",
    "ReuseDaily",
    "ReuseRollup",
    "Role",
    "RoleDecision",
    "Search",
    "SearchImpression",
    "SlackLinkRequest",
    "Suppression",
    "Team",
    "TokenScope",
    "User",
    "Visibility",
    "WebSession",
    "Webhook",
    "WebhookDelivery",
    "WebhookStatus",
    "note_contacts",
]
