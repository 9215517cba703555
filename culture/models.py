"""People, teams and the reporting tree; company settings; audit log; notifications.

Reads are named QuerySet methods; writes live in services.py.
"""

from __future__ import annotations

import zoneinfo
from datetime import date, datetime
from typing import Any, NoReturn, Self

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.contrib.postgres.expressions import ArraySubquery
from django.core.validators import MaxValueValidator
from django.db import connection, models
from django.db.models import Exists, F, Func, OuterRef, Q, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Concat, Lower, Now
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from culture.request_local import once_per_request

# --- Teams ------------------------------------------------------------------------------

# A <select> of every team is usable (and small) for a modest number of teams; past this many
# (1,000 teams at 10,000 people: 60 KB a page) a team filter is a text field instead.
TEAM_SELECT_LIMIT = 60


class TeamQuerySet(models.QuerySet["Team"]):
    def for_select(self: TeamQuerySet, limit: int = TEAM_SELECT_LIMIT) -> list[Team] | None:
        """Every team (name and slug), for a filter's <select>; None past `limit` teams,
        where the filter is a text field matching the name. One query of limit + 1 rows."""
        teams = list(self.only("name", "slug")[: limit + 1])
        return teams if len(teams) <= limit else None

    def named(self, text: str) -> Self:
        """The team a filter names: by slug (a <select>) or by name (the text field)."""
        return self.filter(Q(slug=text) | Q(name__iexact=text))


class Team(models.Model):
    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(max_length=120, unique=True)
    description = models.TextField(blank=True)
    # SCIM provisioning (culture/scim/): a team is a SCIM Group.
    external_id = models.CharField(
        max_length=255,
        blank=True,
        help_text=_("The identity provider's id for it (SCIM externalId)."),
    )
    created_at = models.DateTimeField(default=timezone.now, db_default=Now())
    updated_at = models.DateTimeField(auto_now=True, db_default=Now())
    scim_deleted_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text=_(
            "When an identity provider deleted it through SCIM: the team stays (memos "
            "name it), without members, and SCIM no longer shows it."
        ),
    )

    objects = TeamQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("people:directory") + f"?team={self.slug}"


# --- People and the reporting tree -------------------------------------------------------

_UNDER_SQL = """
WITH RECURSIVE sub(id) AS (
    SELECT id FROM culture_person WHERE manager_id = %s
    UNION
    SELECT p.id FROM culture_person p JOIN sub ON p.manager_id = sub.id
)
SELECT id FROM sub
"""

# The same set, one level of the tree per step: each step finds the next level with one
# index scan of manager_id = ANY(this level), where _UNDER_SQL makes Postgres hash-join its
# work table against a sequential scan of every person at every level (bench/README.md,
# items 8 and 31); for the whole company both cost the same. Postgres expects ~100 rows
# from it, so it suits lookups by primary key (a
# manager's own people); aggregates over large tables under a CEO plan better on
# _UNDER_SQL's larger estimate. The depth bound stops a (refused) management cycle.
_LEVELS_BELOW = """
WITH RECURSIVE level(ids, depth) AS (
    SELECT ARRAY(SELECT id FROM culture_person WHERE manager_id = %s), 1
    UNION ALL
    SELECT ARRAY(SELECT p.id FROM culture_person p WHERE p.manager_id = ANY(level.ids)),
           level.depth + 1
    FROM level WHERE cardinality(level.ids) > 0 AND level.depth < 1000
)
"""
_UNDER_BY_LEVEL_SQL = _LEVELS_BELOW + "SELECT DISTINCT unnest(ids) AS id FROM level"  # noqa: S608

# How many are below, counted up to a LIMIT: without DISTINCT (a tree holds no one twice;
# a refused cycle repeats people, which only makes the count reach the LIMIT sooner),
# Postgres produces levels only until the LIMIT is reached.
_UNDER_BY_LEVEL_CAPPED_SQL = (
    _LEVELS_BELOW  # noqa: S608 - static SQL
    + "SELECT count(*) FROM (SELECT unnest(ids) FROM level LIMIT %s) AS found"
)

_ABOVE_SQL = """
WITH RECURSIVE up(id, manager_id, depth) AS (
    SELECT id, manager_id, 0 FROM culture_person WHERE id = %s
    UNION
    SELECT p.id, p.manager_id, up.depth + 1
    FROM culture_person p JOIN up ON p.id = up.manager_id
    WHERE up.depth < 1000
)
SELECT id, depth FROM up WHERE depth > 0
"""
_ABOVE_IDS_SQL = f"SELECT id FROM ({_ABOVE_SQL}) AS chain"  # noqa: S608 - static SQL


# Up to this many people below someone, their subtree is walked level by level (subtree).
SUBTREE_BY_LEVEL_LIMIT = 1000


class PersonQuerySet(models.QuerySet["Person"]):
    def active(self) -> Self:
        return self.filter(is_active=True)

    def direct_reports_of(self, person: Person) -> Self:
        return self.filter(manager_id=person.pk)

    def under(self, person: Person) -> Self:
        """Everyone below `person` in the reporting tree, at any depth (one query)."""
        return self.filter(id__in=RawSQL(_UNDER_SQL, [person.pk]))  # noqa: S611 - static SQL

    def under_by_level(self, person: Person) -> Self:
        """The same people as `under`, found level by level (one query; see
        _UNDER_BY_LEVEL_SQL for when to prefer it)."""
        return self.filter(id__in=RawSQL(_UNDER_BY_LEVEL_SQL, [person.pk]))  # noqa: S611

    def subtree(self, person: Person) -> Self:
        """Everyone below `person` (as `under`), found with the plan that suits the
        subtree's size, for aggregates over large tables such as every keeper test of a
        cycle. Most managers of managers lead a few dozen people, and Postgres expects
        thousands from the recursive `under`, so it hashes every row of the other table;
        walked level by level the subtree is estimated small and looked up by index.
        Past SUBTREE_BY_LEVEL_LIMIT people the recursive plan is the better one. One
        query now, to choose (has_more_under_than); the queryset itself is lazy."""
        if self.has_more_under_than(person, SUBTREE_BY_LEVEL_LIMIT):
            return self.under(person)
        return self.under_by_level(person)

    def has_more_under_than(self, person: Person, limit: int) -> bool:
        """Whether more than `limit` people are below `person`. The level-by-level walk
        stops once it has found limit + 1, so asking costs the same small amount for a CEO
        as for a team lead (one query)."""
        with connection.cursor() as cursor:
            cursor.execute(_UNDER_BY_LEVEL_CAPPED_SQL, [person.pk, limit + 1])
            return cursor.fetchone()[0] > limit

    def above(self, person: Person) -> Self:
        """Everyone in `person`'s management chain, at any height (one query)."""
        return self.filter(id__in=RawSQL(_ABOVE_IDS_SQL, [person.pk]))  # noqa: S611 - static

    def chain_above(self, person: Person) -> list[Person]:
        """The management chain above `person`, nearest manager first (one query)."""
        sql = (
            "SELECT p.*, up.depth FROM culture_person p "  # noqa: S608 - static SQL
            f"JOIN ({_ABOVE_SQL}) up ON up.id = p.id ORDER BY up.depth"
        )
        return list(Person.objects.raw(sql, [person.pk]))

    def search(self, text: str) -> Self:
        """People whose name, email, title, job family or location contains every word, or
        whose team's name does. Each word is found through trigram indexes where the
        database has pg_trgm (culture/0013): a surname among 100,000 people in a few ms,
        where the LIKE read every person. The team arm is an array of ids, not IN
        (subquery), so that both arms can be read from indexes (a BitmapOr)."""
        text = (text or "").strip()
        if not text:
            return self
        q = Q()
        for word in text.lower().split()[:8]:
            teams = ArraySubquery(Team.objects.filter(name__icontains=word).order_by().values("id"))
            q &= Q(search_text__contains=word) | Q(_EqualsAny(F("team_id"), teams))
        return self.filter(q)

    def scim_visible(self) -> Self:
        """The people SCIM shows: not erased, not deleted through SCIM (culture/scim/).
        "Not deleted" is an anti-join with the few deleted ScimUser rows: an identity provider
        pages through every user and each page's totalResults counts them all, which the left
        join over every ScimUser row made a scan of both tables (person_live_idx,
        scimuser_deleted_idx)."""
        deleted = ScimUser.objects.filter(person_id=OuterRef("pk"), deleted_at__isnull=False)
        return self.filter(~Exists(deleted), erased_at__isnull=True)

    def for_directory(self) -> Self:
        """What a directory row shows, and nothing more (a person row is 18 columns)."""
        return (
            self.select_related("team", "manager")
            .only(
                "name",
                "title",
                "location",
                "team_id",
                "manager_id",
                "team__name",
                "team__slug",
                "manager__name",
            )
            .order_by("name", "id")
        )


class _EqualsAny(Func):
    """`column = ANY(array)`: true when the column equals one of the array's values."""

    output_field = models.BooleanField()

    def as_sql(  # type: ignore[override]
        self, compiler: Any, connection: Any, **extra_context: Any
    ) -> tuple[str, tuple[Any, ...]]:
        column, values = self.get_source_expressions()
        column_sql, column_params = compiler.compile(column)
        values_sql, values_params = compiler.compile(values)
        return f"{column_sql} = ANY({values_sql})", (*column_params, *values_params)


# mypy's Django plugin still knows PersonQuerySet's methods on Person.objects, but cannot
# type a from_queryset call written as a base class (nor one named at module level for a
# BaseUserManager); written otherwise, the migrations' manager path would change.
class PersonManager(BaseUserManager.from_queryset(PersonQuerySet)):  # type: ignore[misc]
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **fields: Any) -> Person:
        if not email:
            raise ValueError("Email is required")
        email = self.normalize_email(email).lower()
        person = self.model(email=email, **fields)
        if password:
            person.set_password(password)
        else:
            person.set_unusable_password()
        person.save(using=self._db)
        return person

    def create_superuser(self, email: str, password: str | None = None, **fields: Any) -> Person:
        fields.setdefault("is_staff", True)
        fields.setdefault("is_superuser", True)
        fields.setdefault("is_people_admin", True)
        return self.create_user(email, password, **fields)

    def get_by_natural_key(self, username: str | None) -> Person:
        return self.get(email__iexact=username)


class Person(AbstractBaseUser, PermissionsMixin):
    email = models.EmailField(unique=True)
    name = models.CharField(max_length=150)
    title = models.CharField(_("job title"), max_length=150, blank=True)
    job_family = models.CharField(max_length=80, blank=True)
    level = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text=_("Job level, 1 (entry) to 9 (most senior).")
    )
    location = models.CharField(max_length=80, blank=True)
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="members"
    )
    manager = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="reports"
    )
    start_date = models.DateField(null=True, blank=True)
    # The reader's own settings (culture.clock.zone_for, culture.middleware.ReaderMiddleware):
    # blank follows the company's zone and, for language, the browser's Accept-Language.
    time_zone = models.CharField(max_length=64, blank=True, default="", db_default="")
    language = models.CharField(max_length=16, blank=True, default="", db_default="")
    is_active = models.BooleanField(default=True)
    is_people_admin = models.BooleanField(
        default=False, help_text=_("People admins manage people, settings and see everything.")
    )
    is_staff = models.BooleanField(default=False, help_text=_("May use the Django admin site."))
    date_joined = models.DateTimeField(default=timezone.now)
    left_on = models.DateField(
        null=True,
        blank=True,
        help_text=_("The company's date they were deactivated (set and cleared by save())."),
    )
    erased_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text=_("When their personal fields were erased (culture.privacy); never undone."),
    )
    employee_number = models.CharField(
        max_length=64, blank=True, help_text=_("The HR system's number for them (unique when set).")
    )
    external_id = models.CharField(
        max_length=255,
        blank=True,
        help_text=_("The identity provider's id for them (SCIM externalId)."),
    )
    # Raw inserts and updates (the import) get the database's now(); save() sets it itself.
    updated_at = models.DateTimeField(auto_now=True, db_default=Now())
    # One lower-cased column for directory search: a single LIKE per word instead of six
    # UPPER()s per row (bench/README.md, item 34).
    search_text = models.GeneratedField(
        expression=Lower(
            Concat(
                "name",
                Value(" "),
                "email",
                Value(" "),
                "title",
                Value(" "),
                "job_family",
                Value(" "),
                "location",
                output_field=models.TextField(),
            )
        ),
        output_field=models.TextField(),
        db_persist=True,
    )

    objects = PersonManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["name"]

    class Meta:
        ordering = ["name"]
        indexes = [
            models.Index(fields=["name", "id"], name="person_name_idx"),
            # The directory counts every active person for its "N people" and its page
            # count: an index-only scan of this small index (one entry a person, deduplicated)
            # instead of reading every person row.
            models.Index(fields=["is_active"], name="person_active_idx"),
            # SCIM counts every person not erased on each page of a listing (scim_visible):
            # an index-only scan of this one.
            models.Index(
                fields=["id"], condition=Q(erased_at__isnull=True), name="person_live_idx"
            ),
            models.Index(fields=["team", "name"], name="person_team_name_idx"),
            models.Index(
                fields=["external_id"],
                condition=~Q(external_id=""),
                name="person_external_id_idx",
            ),
            # The few people admins (the SSO break-glass list, who gets admin notices): found
            # without reading every person of a large company.
            models.Index(
                fields=["name"], condition=Q(is_people_admin=True), name="person_people_admin_idx"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(manager=models.F("id")), name="person_not_own_manager"
            ),
            models.UniqueConstraint(
                fields=["employee_number"],
                condition=~Q(employee_number=""),
                name="person_employee_number_unique",
            ),
        ]

    def __str__(self) -> str:
        return self.name or self.email

    def get_absolute_url(self) -> str:
        return reverse("people:profile", args=[self.pk])

    def get_full_name(self) -> str:
        return self.name

    def get_short_name(self) -> str:
        return self.name.split(" ")[0] if self.name else self.email

    @property
    def initials(self) -> str:
        parts = [p for p in self.name.split() if p]
        return "".join(p[0] for p in parts[:2]).upper() or "?"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.email = (self.email or "").strip().lower()
        # Every deactivation that saves the row (the edit form, the Django admin) records the
        # day they left, which the retention of their records counts from; a reactivation
        # clears it. The import deactivates with one UPDATE and sets it there.
        if self.is_active:
            self.left_on = None
        elif self.left_on is None:
            # The company's today (culture.clock.today reads the same method; the clock
            # imports the models, so the models do not import the clock).
            self.left_on = CompanySettings.load().today()
        super().save(*args, **kwargs)

    @property
    def is_erased(self) -> bool:
        return self.erased_at is not None

    # Roles are derived from the tree, never stored.
    def has_reports(self) -> bool:
        return Person.objects.filter(manager_id=self.pk, is_active=True).exists()

    def manages_managers(self) -> bool:
        return Person.objects.filter(
            manager_id=self.pk, is_active=True, reports__is_active=True
        ).exists()

    def is_above(self, other: Person) -> bool:
        """True when self is in other's management chain (one query)."""
        if other is None or other.pk == self.pk:
            return False
        return Person.objects.above(other).filter(pk=self.pk).exists()


# --- Company settings --------------------------------------------------------------------

# The culture page's text until a people admin edits it: stored in English, shown in the
# reader's language while it is still this text (CompanySettings.culture_text_shown).
DEFAULT_CULTURE_TEXT = gettext_noop("""\
## Why we work this way

We would rather have a company of stunning colleagues, freedom and candour than rules and
approvals. These pages are the practices that make that possible.

1. **Talent density.** We keep only people we would fight to keep. The keeper test asks that
   question regularly, person by person, with no curve and no quota.
2. **Candour.** Feedback is given and received all the time, signed, following the 4A rules:
   aim to assist, actionable, appreciate, accept or discard.
3. **Freedom and responsibility.** Act in the company's best interest. Nobody needs permission
   to do the right thing.
4. **Pay at the top of the personal market.** For each person we ask what they could get
   elsewhere, what it would cost to replace them, and what we would pay to keep them.
5. **Transparency.** Decision memos are open to everyone by default: no closed doors.
6. **No decision-making approvals.** The informed captain decides, after farming for dissent.
7. **The keeper test, asked regularly.** Managers answer it each cycle, and anyone may ask
   their manager where they stand.
8. **Feedback circles.** Live 360s: one person at a time hears start / stop / continue from
   the others, and chooses what to act on.
9. **Context, not control.** This product informs; it never approves.
""")


class CompanySettings(models.Model):
    """One row (pk=1): the company's name, time zone, culture page and how long a leaver's
    pay records and keeper tests are kept."""

    name = models.CharField(max_length=120, default="Acme")
    time_zone = models.CharField(max_length=64, default="Europe/London")
    leaver_records_months = models.PositiveSmallIntegerField(
        _("keep a leaver's pay records and keeper tests for (months)"),
        default=24,
        validators=[MaxValueValidator(240)],
        help_text=_(
            "Counted from the day they left. Once they are erased and this has passed, their "
            "pay records, market evidence, raise proposals and keeper tests are deleted."
        ),
    )
    culture_text = models.TextField(default=DEFAULT_CULTURE_TEXT)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name_plural = _("company settings")

    def __str__(self) -> str:
        return self.name

    @property
    def culture_text_shown(self) -> str:
        """The culture page's text as the reader reads it: the default in their language
        while nobody has edited it; what a person wrote, as they wrote it."""
        if self.culture_text == DEFAULT_CULTURE_TEXT:
            return gettext(DEFAULT_CULTURE_TEXT)
        return self.culture_text

    @classmethod
    def load(cls) -> CompanySettings:
        """The settings, for reading: read once per request (a rating checks the company's
        date in the service and again for the page it returns). Not for changing: a form
        changes its instance while it validates; edit `load_fresh()`'s copy."""
        return once_per_request("company_settings", cls.load_fresh)

    @classmethod
    def load_fresh(cls) -> CompanySettings:
        obj, _created = cls.objects.get_or_create(pk=1)
        return obj

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    def today(self) -> date:
        """The company's date now: culture.clock.today()."""
        return timezone.localdate(timezone=self.tz)


# --- Audit log -----------------------------------------------------------------------------


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    def for_browse(self) -> Self:
        return self.select_related("actor", "subject").order_by("-at", "-id")

    def filtered(
        self,
        *,
        action: str = "",
        actor: str = "",
        subject: str = "",
        since: date | None = None,
        until: date | None = None,
    ) -> Self:
        qs = self
        if action:
            qs = qs.filter(action=action)
        if actor:
            qs = qs.filter(Q(actor__email__icontains=actor) | Q(actor__name__icontains=actor))
        if subject:
            qs = qs.filter(
                Q(subject__email__icontains=subject) | Q(subject__name__icontains=subject)
            )
        if since:
            qs = qs.filter(at__date__gte=since)
        if until:
            qs = qs.filter(at__date__lte=until)
        return qs


class AuditEvent(models.Model):
    """Append-only: who did or saw what, when, from where.

    The database refuses UPDATE and DELETE on this table (trigger in migration 0002);
    the model refuses them too so the mistake shows up early in development.
    """

    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        Person,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_constraint=False,
    )
    action = models.CharField(max_length=64, db_index=True)
    subject = models.ForeignKey(
        Person,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_constraint=False,
        help_text=_("The person whose data was read or changed."),
    )
    object_type = models.CharField(max_length=64, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["subject", "-at"], name="audit_subject_idx")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_id} {self.action}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise PermissionError("Audit events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise PermissionError("Audit events are append-only.")


# --- Notifications and the delivery ledger -------------------------------------------------


class NotificationQuerySet(models.QuerySet["Notification"]):
    def for_person(self, person: Person) -> Self:
        return self.filter(recipient=person).order_by("-created_at", "-id")

    def unread(self) -> Self:
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    """An in-app notification. `key` makes it idempotent: one per event per person."""

    key = models.CharField(max_length=200, unique=True)
    recipient = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=64)
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["recipient", "-created_at"],
                name="notif_recipient_idx",
            ),
            models.Index(
                fields=["recipient"],
                name="notif_unread_idx",
                condition=Q(read_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Delivery(models.Model):
    """One email, identified by a unique key: the ledger that makes sending exactly-once.

    A task claims a pending delivery with a conditional UPDATE (pending -> sending), sends,
    then marks it sent. A claim older than the lease is considered crashed and is picked up
    again by the sweeper. Not before `send_after` (the recipient's quiet hours).

    A held email waits (`held_for`): for the recipient's daily digest ("digest"), or for
    the Slack message it stands in for ("slack": skipped once Slack took the message, sent
    if Slack could not).
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        SKIPPED = "skipped", _("Skipped")
        HELD = "held", _("Held")
        DIGESTED = "digested", _("Digested")

    key = models.CharField(max_length=200, unique=True)
    notification = models.ForeignKey(
        Notification, null=True, blank=True, on_delete=models.SET_NULL, related_name="deliveries"
    )
    recipient = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="deliveries")
    to_email = models.EmailField()
    subject = models.CharField(max_length=250)
    text_body = models.TextField()
    html_body = models.TextField(blank=True)
    attachments = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    held_for = models.CharField(max_length=10, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    send_after = models.DateTimeField(default=timezone.now, db_default=Now())
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        verbose_name_plural = _("deliveries")
        indexes = [
            models.Index(
                fields=["status", "created_at"],
                name="delivery_open_idx",
                condition=Q(status__in=["pending", "sending"]),
            ),
            models.Index(
                fields=["recipient", "created_at"],
                name="delivery_digest_idx",
                condition=Q(status="held", held_for="digest"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.key} ({self.status})"


class HeartbeatQuerySet(models.QuerySet["Heartbeat"]):
    def last_at(self, name: str) -> datetime | None:
        """When `name` last proved it was alive (an aware datetime), or None if never."""
        return self.filter(name=name).values_list("at", flat=True).first()


class Heartbeat(models.Model):
    """Last time a periodic process proved it was alive (beat -> broker -> worker)."""

    name = models.CharField(max_length=40, primary_key=True)
    at = models.DateTimeField()

    objects = HeartbeatQuerySet.as_manager()

    def __str__(self) -> str:
        return f"{self.name} @ {self.at}"


# --- People import jobs ----------------------------------------------------------------------


class ImportJob(models.Model):
    """An uploaded people file, validated and applied by a Celery task with progress."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    kind = models.CharField(max_length=30, default="people")
    created_by = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    filename = models.CharField(max_length=200)
    content = models.BinaryField()
    deactivate_missing = models.BooleanField(default=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    total = models.PositiveIntegerField(default=0)
    processed = models.PositiveIntegerField(default=0)
    result = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.kind} import {self.pk} ({self.status})"

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        return int(self.processed * 100 / self.total) if self.total else 0


# --- Deferred work --------------------------------------------------------------------------


class Job(models.Model):
    """One piece of deferred work, written in the same transaction as the change that causes
    it (culture.jobs.defer). The broker only carries the job's id: if a message is lost (the
    broker was down, a worker died), the sweeper hands the row over again. A job is claimed
    by a conditional UPDATE before it runs, so two deliveries of one message run it once."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    name = models.CharField(max_length=200, help_text=_("The registered function (culture.jobs)."))
    args = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    run_after = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["status", "run_after"],
                name="job_open_idx",
                condition=Q(status__in=["pending", "running"]),
            )
        ]

    def __str__(self) -> str:
        return f"{self.name}{tuple(self.args)} ({self.status})"


# --- SCIM provisioning (culture/scim/) -------------------------------------------------------


class ScimUserQuerySet(models.QuerySet["ScimUser"]):
    def with_user_name(self, user_name: str) -> Self:
        return self.filter(user_name_lower=(user_name or "").strip().lower())


class ScimUser(models.Model):
    """What an identity provider said about a person through SCIM beyond the person row: the
    user name it knows them by (Entra sends the user principal name, which need not be their
    email), the parts of their name, whether it named how to show them (then the person's
    name is that display name), and whether it deleted them.

    People it never touched have no row: their SCIM userName is their email. Nothing here is
    ever the only copy of what the product shows: the person row is."""

    person = models.OneToOneField(
        Person, primary_key=True, on_delete=models.CASCADE, related_name="scim"
    )
    user_name = models.CharField(max_length=255)
    given_name = models.CharField(max_length=150, blank=True)
    family_name = models.CharField(max_length=150, blank=True)
    formatted_name = models.CharField(max_length=300, blank=True)
    # The email entry the person's address came from, read back as it was sent.
    email_type = models.CharField(max_length=20, blank=True)
    email_primary = models.BooleanField(null=True, blank=True)
    display_name_set = models.BooleanField(
        default=False,
        help_text=_("The identity provider sent a displayName: the person's name."),
    )
    deleted_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text=_(
            "When the identity provider deleted them (SCIM DELETE): they were "
            "deactivated, their history kept, and SCIM no longer shows them."
        ),
    )
    # userName is compared without case (RFC 7643 §4.1.1: caseExact false).
    user_name_lower = models.GeneratedField(
        expression=Lower("user_name"),
        output_field=models.CharField(max_length=255),
        db_persist=True,
    )

    objects = ScimUserQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user_name_lower"], name="scimuser_user_name_unique")
        ]
        indexes = [
            # The few people SCIM deleted, for scim_visible's anti-join.
            models.Index(
                fields=["person"],
                condition=Q(deleted_at__isnull=False),
                name="scimuser_deleted_idx",
            )
        ]

    def __str__(self) -> str:
        return self.user_name


class ScimTokenQuerySet(models.QuerySet["ScimToken"]):
    def live(self) -> Self:
        return self.filter(revoked_at__isnull=True)

    def for_listing(self) -> Self:
        return self.select_related("created_by", "revoked_by").order_by("-created_at", "-id")


class ScimToken(models.Model):
    """A bearer token an identity provider provisions people with. Only a SHA-256 digest of
    the token is kept (the token is 256 random bits, so a fast hash is enough: nobody can
    guess their way back); it is shown once, when it is made."""

    name = models.CharField(max_length=100)
    digest = models.CharField(max_length=64, unique=True)
    hint = models.CharField(max_length=16, help_text=_("Its first characters, to recognise it."))
    created_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = ScimTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_live(self) -> bool:
        return self.revoked_at is None
