"""Who may read, change, count or learn of which thing: the one place these rules live.

Every read path (get, list, export, search, brief, analytics, counts) filters with
``visible_notes(viewer)`` inside its SQL, so a note the viewer may not read is never loaded,
counted or scored; callers turn "not found under this predicate" into a 404.

Reading:

- ``private``: the author only.
- ``team``: the team the author belonged to when writing (``Note.team_id``), and the author.
- ``company``: every user.

Managers and admins get no extra read access, by any path: an import, a replayed e-mail or an
error message tells nobody about a note they may not read.

Changing, for a note the actor may read (one they may not read is a 404 before any of this):

========================  ==========  ===========================  ===========================
action                    own note    colleague's note: rep        colleague's note: manager /
                                                                   admin
========================  ==========  ===========================  ===========================
read                      yes         by visibility                by visibility (no extra)
edit, delete              yes         403                          manager 403, admin yes
archive, reassign         yes         403                          yes
erase for good            yes         403                          manager 403; admin yes, even
                                                                   a note they may not read
supersede (the old note)  yes         403                          yes
verify (closes flags)     yes         403                          yes
topic correction          yes         403                          yes
merge (each merged note   yes         403                          yes
and ``into``)
flag a note               yes         yes                          yes
resolve a flag            yes         only a flag they raised      yes
import row over a note    yes (may    "not yours to change"        manager: "not yours";
                          move it)                                 admin: yes, author kept
========================  ==========  ===========================  ===========================

Why: a note's author answers for it, so only the author, or a curator (manager or admin) who
can already read it, may lower its standing (supersede it, merge it away, close its flags) or
vouch for it (verify, correct its topics). A superseding or ``into`` note must also be one its
new readers already cover (``freshness.audience_covers``), so demoting never points readers to a
note they cannot open. An admin edits like an author but never takes a note over: a note keeps
its author unless the author's own import moves it.

The system principal (``SYSTEM``: the admin command's shell, ``tacit import``, ``tacit users
create``, ``tacit export``) is the operator, who holds the database anyway: it reads every live
note, passes every check an admin passes and imports over any note, and is recorded as nobody
(a NULL ``actor_id``). Functions take a ``Principal`` where the system may act, a ``User``
where only a person may; none takes ``None`` for either.

Not about notes:

- Importing rows as another owner: a rep only their own; a manager their own team's members; an
  admin anyone's. A row naming an existing note the importer may not change says only "not
  yours to change", whether that note is hidden or merely someone else's.
- Captured mail: a replayed message answers only to its sender, with what they may still read;
  anyone else (the mail gateway, an admin's token with the `mail` scope) learns only that it
  was delivered before.
- Contacts are shared records: anyone adds them and edits names and titles, but a contact's
  buying role and account, and a confirmed role suggestion, are a manager's or admin's call.
  A rep's rejection of a suggestion hides it for that rep; a manager's or admin's for everyone.
  Erasing a person from every note, any author's and any visibility, and lifting the
  suppression that keeps them out, are an admin's (``ensure_can_erase_contact``).
- Influence records (``app.domain.influence``): their buying roles follow the buying role's
  rule (a curator confirms, edits or removes them); every other field (degree, mode, rating,
  key win result, hot and cold buttons) is anyone's to confirm, edit or remove, since each is
  one seller's reading of a person, attributed and audited, and kept as history. Rejections
  follow the role suggestions' rule. What a record cites, and its coverage, are read through
  ``visible_notes``: a note the reader may not read is not cited, counted or dated for them.
- Accounts are shared records, seen by every user. Folding one account into another (the
  merge: it moves every colleague's notes and contacts, and deletes an account) is a
  curator's call, as deleting an account is (``ensure_can_merge_accounts``).
- Tokens: a token made with a token expires no later than the one that made it.
- Webhooks: a user makes their own, and each delivery is rendered for its owner by the read
  rule when it is sent. An admin sees, disables, tests and deletes anyone's, but never makes
  one for someone else or re-aims it (url, events): that would read through the owner's eyes.
- A departing colleague's handover (``ensure_can_see_handover``): an admin's, or a manager's
  of the same team; anyone else gets 403 (every user sees every user, so the id is no secret).
  It counts the departing author's notes of every visibility per account (never their text:
  their manager must learn how much would be lost), and only their own private notes can be
  shared in bulk, by themselves.
- The people in the notes: a subject-access request (everything held about a contact, of any
  author and visibility) and the retention review of personal context are an admin's (or the
  operator's shell's). They are the one read past visibility, because a data-protection
  officer must see what is held; each is audited.

Figures (analytics): counts, never a note's content, title or account.

=========================  ===========  ==============================  =====================
figures of                 rep          manager                         admin
=========================  ===========  ==============================  =====================
contribution and reuse     own row      own team's rows (own row        everyone, or any one
                                        while in no team)               team
another team (``team=``)   403          403                             yes
account coverage           403          shared notes they may read      the same
=========================  ===========  ==============================  =====================

A private note counts toward its author's own figures only: never toward coverage, nor toward
being the first to write a contact's personal context (``shared_notes``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, or_, select, true
from sqlalchemy.orm import Session

from app.db.models import (
    InboundMessage,
    InfluenceDecision,
    Note,
    Role,
    RoleDecision,
    User,
    Visibility,
)
from app.db.predicates import Clause, clauses_hold, note_matches, notes_matching
from app.errors import Forbidden, NotFound

CURATORS = frozenset({Role.manager, Role.admin})

# The whole answer to a row naming a note its importer may not change: naming the author, or
# saying the note is private, would tell the importer about a note they may not read.
NOT_YOURS = "not yours to change"


# --- principals -------------------------------------------------------------------------------


@dataclass(frozen=True)
class System:
    """The server acting for its operator, not for a user (see the module's docstring)."""


SYSTEM = System()
Principal = User | System


def principal_id(principal: Principal) -> int | None:
    """The user id to record as the actor; the system is recorded as nobody."""
    return principal.id if isinstance(principal, User) else None


# --- reading --------------------------------------------------------------------------------


def readable_by(viewer: Principal) -> tuple[Clause, ...]:
    """The rule itself, as data: a live note is readable when any clause holds.

    Evaluated by ``app.db.predicates``: in SQL by ``visible_notes``, and, carried by a search
    ``Scope``, in SQL by both search backends and as a vector mask by the in-memory index of
    ``app.search.sqlite``; so every path applies the very same rule.
    """
    if isinstance(viewer, System):
        return ({"deleted_at": None},)  # every live note: the operator's full export
    if not viewer.is_active:
        return ()
    clauses: list[Clause] = [{"visibility": Visibility.company}, {"author_id": viewer.id}]
    if viewer.team_id is not None:
        clauses.append({"visibility": Visibility.team, "team_id": viewer.team_id})
    return tuple(clauses)


def visible_notes(viewer: Principal) -> ColumnElement[bool]:
    return notes_matching(readable_by(viewer))


def can_read(viewer: Principal, note: Note) -> bool:
    """``readable_by`` applied to one loaded note."""
    return note_matches(note, readable_by(viewer))


def get_note(session: Session, viewer: User, note_id: int) -> Note:
    """The note if ``viewer`` may read it; a hidden note is as missing as a deleted one."""
    note = session.scalar(select(Note).where(Note.id == note_id, visible_notes(viewer)))
    if note is None:
        raise NotFound(f"no note with id {note_id}")
    return note


# --- changing notes the actor can read --------------------------------------------------------


def can_edit(editor: User, note: Note) -> bool:
    return can_read(editor, note) and (note.author_id == editor.id or editor.role == Role.admin)


def ensure_can_edit(editor: User, note: Note) -> None:
    """Edit or delete: the author, or an admin, of a note the editor can already see."""
    if not can_edit(editor, note):
        raise Forbidden("only the note's author or an admin can change it")


def can_curate(curator: User, note: Note) -> bool:
    """Archive, reassign, supersede, merge, verify, correct topics: the author, or a manager
    or admin, of a note the curator can already see."""
    return can_read(curator, note) and (note.author_id == curator.id or curator.role in CURATORS)


def ensure_can_curate(curator: User, note: Note, *, action: str = "do this") -> None:
    if not can_curate(curator, note):
        raise Forbidden(
            f"only the note's author, a manager or an admin can {action} (note {note.id})"
        )


def ensure_can_merge(curator: User, into: Note, merged: Iterable[Note]) -> None:
    """Merging supersedes every merged note by ``into``: each must be the curator's to demote,
    and ``into`` theirs to curate. A rep so merges only their own notes into their own note."""
    ensure_can_curate(curator, into, action="merge into it")
    for note in merged:
        ensure_can_curate(curator, note, action="merge it away")


def ensure_can_erase(actor: User, note: Note) -> None:
    """Erase for good (a data-protection request): the author, or an admin, for any note held,
    one they may not read or already deleted included: the request covers what is held, not
    what the admin sees. Anyone else learns nothing of a note they may not read."""
    if actor.role == Role.admin or note.author_id == actor.id:
        return
    if can_read(actor, note):
        raise Forbidden("only the note's author or an admin can erase it")
    raise NotFound(f"no note with id {note.id}")


def can_resolve_flag(actor: User, note: Note, raised_by: int | None) -> bool:
    """Close a reader's flag: a curator of the note, or the reader who raised it."""
    return can_curate(actor, note) or (can_read(actor, note) and actor.id == raised_by)


# --- imports --------------------------------------------------------------------------------


def import_owner_problem(actor: Principal, owner: User) -> str | None:
    """Why ``actor`` may not import notes owned by ``owner`` (None: they may). A manager
    migrates their team's notes, an admin (or the system) anyone's."""
    if isinstance(actor, System) or actor.id == owner.id or actor.role == Role.admin:
        return None
    if actor.role == Role.manager:
        if actor.team_id is not None and actor.team_id == owner.team_id:
            return None
        return (
            f"the owner is {owner.name}, not you or a member of your team: a manager imports "
            "their own team's notes (an admin anyone's)"
        )
    return (
        f"the owner is {owner.name}, not you: a rep may import only their own notes "
        "(a manager their team's, an admin anyone's)"
    )


def may_import_over(actor: Principal, note: Note, owner: User) -> bool:
    """Whether a row by ``actor`` with owner ``owner`` may rewrite the existing ``note``: its
    author (who may also move it to ``owner``), or an admin who can read it and keeps its
    author. Nobody else, and nobody for a note they may not read; the system, any note."""
    if isinstance(actor, System):
        return True
    if not can_read(actor, note):
        return False
    if note.author_id == actor.id:
        return True
    return actor.role == Role.admin and note.author_id == owner.id


def ensure_can_import_dataset(actor: Principal) -> None:
    """A data set creates users and teams: an admin's (or the system's) import."""
    if isinstance(actor, User) and actor.role != Role.admin:
        raise Forbidden("a data-set import creates users and teams: it needs the admin role")


# --- captured mail ----------------------------------------------------------------------------


def ensure_can_deliver_mail(caller: Principal, sender_email: str) -> None:
    """A user sends their own mail; an admin (the mail gateway's token) or the system
    (``tacit import-mail``) anyone's."""
    if isinstance(caller, System) or caller.role == Role.admin or caller.email == sender_email:
        return
    raise Forbidden(
        f"the message is from {sender_email}: you may send only your own mail "
        "(the mail gateway uses an admin's token)"
    )


def replay_visible_to(caller: Principal, item: InboundMessage) -> bool:
    """Whether a repeated delivery may show ``caller`` what the first one made: only to the
    message's sender (or the system). The mail gateway's admin token sends anyone's mail, but
    reads like any admin: by the note's visibility, not by having delivered it."""
    return isinstance(caller, System) or caller.id == item.user_id


# --- contacts and buying roles ----------------------------------------------------------------


def ensure_can_set_buying_role(actor: User) -> None:
    """A contact's buying role and account shape every colleague's brief: a curator's call."""
    if actor.role not in CURATORS:
        raise Forbidden(
            "a contact's buying role and account are set by a manager or an admin; "
            "a rejected suggestion is hidden for you with decision reject"
        )


def ensure_can_merge_accounts(actor: Principal) -> None:
    """Fold one account into another: a manager's or admin's (or the operator's). Accounts are
    visible to all, so the 403 comes before either account is looked up."""
    if isinstance(actor, User) and actor.role not in CURATORS:
        raise Forbidden("merging accounts is a manager's or an admin's call")


def ensure_can_erase_contact(actor: Principal) -> None:
    """Erase a person everywhere (a data-protection request): an admin's call, or the
    operator's. Contacts are shared records, so a rep or a manager learns nothing from the 403
    that the contact list does not already show; it comes before the contact is looked up."""
    if isinstance(actor, User) and actor.role != Role.admin:
        raise Forbidden("erasing a person from every note is an admin's call")


def rejections_seen_by(viewer: User) -> ColumnElement[bool]:
    """The rejected role suggestions that hide a suggestion from ``viewer``: their own, and
    those of managers and admins (everyone's)."""
    curators = select(User.id).where(User.role.in_(CURATORS))
    return and_(
        RoleDecision.decision == "rejected",
        or_(RoleDecision.user_id == viewer.id, RoleDecision.user_id.in_(curators)),
    )


def ensure_can_edit_influence(actor: User, fields: Iterable[str]) -> None:
    """Confirm, edit or remove values of an influence record's ``fields`` (see the module's
    docstring): its roles are a curator's call, as the contact's buying role is."""
    if "roles" in set(fields):
        ensure_can_set_buying_role(actor)


def influence_rejections_seen_by(viewer: User) -> ColumnElement[bool]:
    """The rejected influence suggestions that hide a suggestion from ``viewer``: their own,
    and those of managers and admins (everyone's), as for buying roles."""
    curators = select(User.id).where(User.role.in_(CURATORS))
    return and_(
        InfluenceDecision.decision == "rejected",
        or_(InfluenceDecision.user_id == viewer.id, InfluenceDecision.user_id.in_(curators)),
    )


# --- the people in the notes -------------------------------------------------------------------


def ensure_can_access_subject(actor: Principal) -> None:
    """Everything held about a contact, whoever wrote it and whoever may read it: an admin's
    question (a manager's or rep's is 403), since it goes past every note's visibility."""
    if isinstance(actor, User) and actor.role != Role.admin:
        raise Forbidden("a subject-access request needs the admin role")


def ensure_can_review_retention(actor: Principal) -> None:
    """The retention review lists personal context of every visibility and erases or keeps
    notes of any author: an admin's, as erasing a colleague's note is."""
    if isinstance(actor, User) and actor.role != Role.admin:
        raise Forbidden("the retention review of personal context needs the admin role")


# --- users and tokens ---------------------------------------------------------------------------


def ensure_admin(principal: Principal) -> None:
    """Admins' actions: the system is trusted as one."""
    if isinstance(principal, User) and principal.role != Role.admin:
        raise Forbidden("this action needs the admin role")


def token_expiry(requested: datetime | None, *, parent: datetime | None) -> datetime | None:
    """When a new token expires: as requested (None: never), but never after the token that
    made it, or a short-lived token would mint a lasting one."""
    if parent is None:
        return requested
    return parent if requested is None else min(requested, parent)


# --- webhooks ---------------------------------------------------------------------------------


def can_see_webhook(viewer: User, owner_id: int) -> bool:
    """A webhook is its owner's to see and manage, and any admin's (to list, disable, delete,
    test, read the log); to anyone else it does not exist (404)."""
    return viewer.id == owner_id or viewer.role == Role.admin


def ensure_can_aim_webhook(actor: User, owner_id: int) -> None:
    """Where a webhook sends, and which events: its owner's choice alone. What it sends is
    rendered for its owner, so anyone else who chose the URL (an admin included, who also may
    not create one for another user) would read the owner's notes through it."""
    if actor.id != owner_id:
        raise Forbidden(
            "only the webhook's owner may change its url or events: it sends what they may read"
        )


def could_read_before_deletion(viewer: User, note: Note) -> bool:
    """Whether ``viewer`` could read ``note`` while it was live: who may be told it was
    deleted."""
    return clauses_hold(note, readable_by(viewer))


# --- analytics: whose figures, and which notes count ----------------------------------------


@dataclass(frozen=True)
class FiguresScope:
    """Whose contribution and reuse figures a viewer sees: one user's, one team's members', or
    (neither set) everyone's."""

    user_id: int | None = None
    team_id: int | None = None

    @property
    def everyone(self) -> bool:
        return self.user_id is None and self.team_id is None

    def people(self) -> ColumnElement[bool]:
        """The users in scope, as a condition on ``User``."""
        if self.user_id is not None:
            return User.id == self.user_id
        if self.team_id is not None:
            return User.team_id == self.team_id
        return true()


def analytics_scope(viewer: User, *, team_id: int | None = None) -> FiguresScope:
    """Whose figures ``viewer`` may see, of ``team_id``'s members if asked: a rep their own, a
    manager their own team's (their own alone while in no team), an admin everyone's or any
    one team's. Only an admin may name another team than their own; a rep naming their own
    still sees their own row."""
    if team_id is not None and viewer.role != Role.admin and team_id != viewer.team_id:
        raise Forbidden("you can see the figures of your own team only")
    if viewer.role == Role.rep or (viewer.role == Role.manager and viewer.team_id is None):
        return FiguresScope(user_id=viewer.id)
    if viewer.role == Role.manager:
        return FiguresScope(team_id=viewer.team_id)
    return FiguresScope(team_id=team_id)


def ensure_can_see_handover(viewer: User, subject: User) -> None:
    """A handover report: an admin's, or the subject's manager's (a manager of their team)."""
    if viewer.role == Role.admin:
        return
    if (
        viewer.role == Role.manager
        and viewer.team_id is not None
        and viewer.team_id == subject.team_id
    ):
        return
    raise Forbidden("a handover is for admins and the user's manager (a manager of their team)")


def ensure_can_see_coverage(viewer: User) -> None:
    """Coverage shows where the team's knowledge is thin: a curator's view."""
    if viewer.role not in CURATORS:
        raise Forbidden("coverage is for managers and admins")


def shared_notes() -> ColumnElement[bool]:
    """The notes that count as knowledge colleagues share: team and company ones. A private
    note counts toward its author's own figures (notes written, accounts, contacts, reuse)
    and never toward anything measured across people: who first wrote a contact's personal
    context, or an account's coverage. Knowledge in private notes is in one person's head."""
    return Note.visibility != Visibility.private


def counted_in_coverage(viewer: User) -> ColumnElement[bool]:
    """The notes an account's coverage counts for ``viewer``: shared ones they may read, since
    a count must not reveal notes they cannot."""
    return and_(visible_notes(viewer), shared_notes())
