"""A subject-access dossier (``app.domain.subject_access``) as the API's JSON, and as the zip
archive handed to the person: the same JSON, a Markdown file per note, and a README.txt that
says what the archive is without needing Tacit to read it."""

from __future__ import annotations

import io
import re
import textwrap
import zipfile

from app.db.models import User
from app.domain.subject_access import Dossier, HeldNote
from app.schemas.common import Ref
from app.schemas.subject_access import (
    SubjectAccessRead,
    SubjectAuditEvent,
    SubjectContact,
    SubjectEmail,
    SubjectFlag,
    SubjectInfluenceCitation,
    SubjectInfluenceDecision,
    SubjectInfluenceRecord,
    SubjectNote,
    SubjectRead,
    SubjectRetention,
    SubjectRevision,
    SubjectRoleDecision,
    SubjectRoleSuggestion,
    SubjectSearch,
)
from app.search.naming import RULE

JSON_NAME = "subject-access.json"
OPERATOR = "the operator (the tacit command)"


def _ref(user: User | None) -> Ref | None:
    return Ref.model_validate(user) if user is not None else None


def _note(held: HeldNote, dossier: Dossier) -> SubjectNote:
    note = held.note
    kept = held.retention
    return SubjectNote(
        id=note.id,
        account=Ref.model_validate(note.account),
        author=Ref.model_validate(note.author),
        visibility=note.visibility,
        source=note.source,
        external_id=note.external_id,
        message_id=held.message_id,
        observed_at=note.observed_at,
        created_at=note.created_at,
        updated_at=note.updated_at,
        deleted_at=note.deleted_at,
        version=note.version,
        topics=note.sections,
        personal_context=held.personal,
        found_by=list(held.found_by),
        passages=held.passages,
        body=note.body,
        revisions=[
            SubjectRevision(
                version=r.version,
                account_id=r.account_id,
                body=r.body,
                visibility=r.visibility,
                observed_at=r.observed_at,
                contact_ids=list(r.contact_ids or []),
                edited_by=_ref(dossier.user(r.edited_by_id)),
                created_at=r.created_at,
            )
            for r in held.revisions
        ],
        flags=[
            SubjectFlag(
                id=f.id,
                kind=f.kind,
                reason=f.reason,
                flagged_by=_ref(dossier.user(f.by_user_id)),
                created_at=f.created_at,
                resolved_at=f.resolved_at,
            )
            for f in held.flags
        ],
        retention=None
        if kept is None
        else SubjectRetention(
            kept_by=_ref(dossier.user(kept.kept_by_id)),
            kept_at=kept.kept_at,
            review_after=kept.review_after,
            reason=kept.reason,
        ),
    )


def dossier_read(dossier: Dossier) -> SubjectAccessRead:
    contact = dossier.contact
    objectives = {r.id: r.objective for r in dossier.influence_records}
    return SubjectAccessRead(
        generated_at=dossier.generated_at,
        generated_by=_ref(dossier.user(dossier.generated_by)),
        naming_rule=RULE,
        contact=SubjectContact(
            id=contact.id,
            account=Ref.model_validate(contact.account),
            name=contact.name,
            title=contact.title,
            email=contact.email,
            buying_role=contact.buying_role,
            reports_to=Ref.model_validate(dossier.reports_to) if dossier.reports_to else None,
            direct_reports=[Ref.model_validate(c) for c in dossier.direct_reports],
            external_id=contact.external_id,
            created_at=contact.created_at,
            updated_at=contact.updated_at,
        ),
        notes=[_note(held, dossier) for held in dossier.notes],
        role_decisions=[
            SubjectRoleDecision(
                role=d.role,
                decision=d.decision,
                decided_by=_ref(dossier.user(d.user_id)),
                evidence=list(d.evidence or []),
                at=d.at,
            )
            for d in dossier.role_decisions
        ],
        role_suggestions=[
            SubjectRoleSuggestion(role=role, evidence=evidence)
            for role, evidence in dossier.role_suggestions.items()
        ],
        influence_records=[
            SubjectInfluenceRecord.model_validate(r) for r in dossier.influence_records
        ],
        influence_decisions=[
            SubjectInfluenceDecision(
                objective=objectives.get(d.record_id),
                field=d.field,
                value=d.value,
                decision=d.decision,
                reason=d.reason,
                decided_by=_ref(dossier.user(d.user_id)),
                at=d.at,
                citations=[
                    SubjectInfluenceCitation(note_id=c.note_id, sentence=c.sentence)
                    for c in d.citations
                ],
            )
            for d in dossier.influence_decisions
        ],
        reads=[
            SubjectRead(
                note_id=r.note_id,
                reader=_ref(dossier.user(r.user_id)),
                at=r.at,
                kind=r.kind,
                via=r.via,
                personal_context=r.personal,
            )
            for r in dossier.reads
        ],
        searches=[
            SubjectSearch(
                id=s.id, searched_by=_ref(dossier.user(s.user_id)), query=s.query, at=s.at
            )
            for s in dossier.searches
        ],
        emails=[
            SubjectEmail(
                id=e.message.id,
                sender=_ref(dossier.user(e.message.user_id)),
                message_id=e.message.message_id,
                participant=e.participant,
                subject=e.message.subject,
                text=e.message.text,
                names_them=e.named,
                sent_at=e.message.sent_at,
                received_at=e.message.received_at,
                note_id=e.message.note_id,
            )
            for e in dossier.emails
        ],
        audit=[
            SubjectAuditEvent(
                action=e.action,
                at=e.at,
                actor=_ref(dossier.user(e.actor_id)),
                details=dict(e.details or {}),
            )
            for e in dossier.audit
        ],
    )


# --- the archive ------------------------------------------------------------------------------


def archive_name(read: SubjectAccessRead) -> str:
    return f"subject-access-contact-{read.contact.id}-{read.generated_at:%Y%m%d}.zip"


def dossier_archive(read: SubjectAccessRead) -> bytes:
    """The zip: README.txt, subject-access.json, and notes/note-<id>.md for each note."""
    buffer = io.BytesIO()
    stamp = read.generated_at.timetuple()[:6]
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:

        def add(name: str, text: str) -> None:
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, text.encode("utf-8"))

        add("README.txt", _readme(read))
        add(JSON_NAME, read.model_dump_json(indent=2))
        for note in read.notes:
            add(f"notes/note-{note.id}.md", _note_markdown(note))
    return buffer.getvalue()


def _who(ref: Ref | None, *, nobody: str = "a user since removed") -> str:
    return nobody if ref is None else f"{ref.name} (user {ref.id})"


def _readme(read: SubjectAccessRead) -> str:
    contact = read.contact
    notes = read.notes
    deleted = sum(1 for n in notes if n.deleted_at is not None)
    private = sum(1 for n in notes if n.visibility == "private")
    return f"""Subject-access archive
======================

Everything Tacit held about {contact.name} (contact {contact.id}) of {contact.account.name},
on {read.generated_at:%Y-%m-%d %H:%M} UTC, asked for by {_who(read.generated_by, nobody=OPERATOR)}.
Notes of every author and visibility are included, private and deleted ones too.

Files
-----
{JSON_NAME}  the whole record, as GET /v1/contacts/{contact.id}/subject-access
                     returns it: the contact record, notes, role decisions and
                     suggestions, reads, searches, e-mail and audit events
notes/note-<id>.md   one file per note: where it came from (source, author, dates,
                     external id, e-mail Message-ID), the sentences naming the person,
                     the text, and the revisions naming them

Counts
------
notes: {len(notes)} ({private} private, {deleted} deleted but still held)
role decisions: {len(read.role_decisions)}
influence records: {len(read.influence_records)} ({len(read.influence_decisions)} decisions)
reads of those notes (opened, or shown in a brief or search result): {len(read.reads)}
searches naming them: {len(read.searches)}
e-mail messages: {len(read.emails)}
audit events about the contact record: {len(read.audit)}

How notes were found
--------------------
linked     the note is linked to the contact, now or in an earlier version
mentioned  a sentence was attributed to them when the note was indexed
named      its text, or one of its revisions, names them:

{_wrapped(RULE)}

Times are UTC, in ISO 8601. Not listed separately, because each is a copy of what is
listed: the passages a note is split into for search and their vectors, and the stored
reply to the request that created a note (kept a day).
"""


def _wrapped(text: str) -> str:
    return textwrap.fill(text, width=78, initial_indent="  ", subsequent_indent="  ")


def _fenced(text: str) -> str:
    """``text`` in a fence longer than any run of tildes in it, so a note's own Markdown
    cannot close it."""
    longest = max((len(run) for run in re.findall(r"~+", text)), default=0)
    fence = "~" * max(3, longest + 1)
    return f"{fence}text\n{text}\n{fence}"


def _note_markdown(note: SubjectNote) -> str:
    lines = [
        f"# Note {note.id}",
        "",
        f"- Account: {note.account.name} (account {note.account.id})",
        f"- Author: {_who(note.author)}",
        f"- Visibility: {note.visibility}",
        f"- Source: {note.source}"
        + (f" (e-mail Message-ID {note.message_id})" if note.message_id else ""),
        f"- External id: {note.external_id or '-'}",
        f"- Observed: {note.observed_at.isoformat()}",
        f"- Created: {note.created_at.isoformat()}",
        f"- Last changed: {note.updated_at.isoformat()} (version {note.version})",
    ]
    if note.deleted_at is not None:
        lines.append(f"- Deleted: {note.deleted_at.isoformat()} (hidden from readers, still held)")
    lines += [
        f"- Topics: {', '.join(note.topics) or '-'}"
        + (" (personal context)" if note.personal_context else ""),
        f"- Found by: {', '.join(note.found_by)}",
        "",
        "## Sentences naming them",
        "",
        *([f"> {p}" for p in note.passages] or ["(none in the current text)"]),
        "",
        "## Text",
        "",
        _fenced(note.body),
    ]
    for revision in note.revisions:
        lines += [
            "",
            f"## Version {revision.version}, by {_who(revision.edited_by)}, "
            f"{revision.created_at.isoformat()}",
            "",
            _fenced(revision.body),
        ]
    for flag in note.flags:
        lines += ["", f"## Flag by {_who(flag.flagged_by)}, {flag.created_at.isoformat()}", ""]
        lines.append(_fenced(flag.reason))
    if note.retention is not None:
        kept = note.retention
        lines += [
            "",
            f"## Kept past retention by {_who(kept.kept_by)}, {kept.kept_at.isoformat()}",
            "",
            f"Review after {kept.review_after.isoformat()}.",
            _fenced(kept.reason),
        ]
    return "\n".join(lines) + "\n"
