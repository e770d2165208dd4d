"""Read side of the cases API: case types, how related records are shown, the list's
query parameters, and ``GET /api/v1/reports/open-cases/`` (R19).

The report reads :func:`relata.cases.reports.open_cases` and
:func:`~relata.cases.reports.open_cases_summary`: the statuses that count as open follow
the general parameter ``open_case_status_codes`` (empty: every status meaning *open*).
"""

from __future__ import annotations

from typing import Any

from django.db.models import F, Prefetch, Q, QuerySet
from django.db.models.expressions import OrderBy
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from relata.api.pagination import PageNumberPagination
from relata.api.serializers import ModelSerializer
from relata.cases import reports, selectors
from relata.cases.models import Case, CaseStatus, CaseType, StatusMeaning
from relata.core import permissions
from relata.core.models import User
from relata.core.types import request_user
from relata.customfields import selectors as customfield_selectors
from relata.customfields.api import FieldDefinitionSerializer
from relata.customfields.models import Target
from relata.products.api import boolean_param

# --- Related records -----------------------------------------------------------------------


def _ref(obj: Any) -> dict[str, Any] | None:
    """Return ``{"id", "name"}`` of a related record (its display name), or None."""
    return None if obj is None else {"id": obj.pk, "name": str(obj)}


def _status(obj: CaseStatus) -> dict[str, Any]:
    return {
        "id": obj.pk,
        "code": obj.code,
        "name": obj.name,
        "meaning": obj.meaning,
        "colour": obj.colour,
    }


def _case_type(obj: CaseType) -> dict[str, Any]:
    return {"id": obj.pk, "code": obj.code, "name": obj.name}


REF = {
    "type": "object",
    "nullable": True,
    "properties": {"id": {"type": "integer"}, "name": {"type": "string"}},
}
TYPE_REF = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "code": {"type": "string"},
        "name": {"type": "string"},
    },
}
STATUS_REF = {
    "type": "object",
    "properties": {
        **TYPE_REF["properties"],  # type: ignore[dict-item]
        "meaning": {"type": "string", "enum": list(StatusMeaning.values)},
        "colour": {"type": "string"},
    },
}


@extend_schema_field(REF)
class RefField(serializers.Field):
    """A related record as ``{"id", "name"}`` (read-only)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(read_only=True, **kwargs)

    def to_representation(self, value: Any) -> dict[str, Any] | None:
        return _ref(value)


@extend_schema_field(TYPE_REF)
class TypeRefField(serializers.Field):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(read_only=True, **kwargs)

    def to_representation(self, value: CaseType) -> dict[str, Any]:
        return _case_type(value)


@extend_schema_field(STATUS_REF)
class StatusRefField(serializers.Field):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(read_only=True, **kwargs)

    def to_representation(self, value: CaseStatus) -> dict[str, Any]:
        return _status(value)


# --- Case types ----------------------------------------------------------------------------


class CaseStatusSerializer(ModelSerializer):
    name = serializers.CharField(read_only=True, help_text="The name in the request's language.")
    allowed_next: Any = serializers.PrimaryKeyRelatedField(
        many=True, read_only=True, help_text="Ids of the statuses allowed next (empty: any)."
    )

    class Meta:
        model = CaseStatus
        fields = [
            "id",
            "code",
            "name",
            "name_en",
            "name_es",
            "colour",
            "order",
            "default_probability",
            "meaning",
            "allowed_next",
            "is_active",
        ]
        read_only_fields = fields


class CaseTypeSerializer(ModelSerializer):
    name = serializers.CharField(read_only=True, help_text="The name in the request's language.")
    statuses = CaseStatusSerializer(many=True, read_only=True)
    custom_fields = serializers.SerializerMethodField(
        help_text="The custom fields of the type's cases (the unscoped ones and the type's)."
    )

    class Meta:
        model = CaseType
        fields = [
            "id",
            "code",
            "name",
            "name_en",
            "name_es",
            "number_prefix",
            "is_opportunity",
            "service_level_hours",
            "stale_after_days",
            "order",
            "is_active",
            "statuses",
            "custom_fields",
        ]
        read_only_fields = fields

    @extend_schema_field(FieldDefinitionSerializer(many=True))
    def get_custom_fields(self, case_type: CaseType) -> list[dict[str, Any]]:
        definitions = customfield_selectors.field_definitions(
            target=Target.CASE, scope=case_type.code
        )
        return list(FieldDefinitionSerializer(definitions, many=True).data)


class CaseTypeViewSet(viewsets.ReadOnlyModelViewSet[CaseType]):
    """Case types with their statuses, read by every user (defined in Settings)."""

    serializer_class = CaseTypeSerializer
    permission_classes = [permissions.ConfigurationPermission]
    filterset_fields = ["is_active", "is_opportunity"]
    search_fields = ["code", "name_en", "name_es"]
    ordering_fields = ["order", "code", "name_en", "id"]
    ordering = ["order", "name_en"]

    def get_queryset(self) -> QuerySet[CaseType]:
        statuses = CaseStatus.objects.order_by("order", "pk").prefetch_related(
            Prefetch("allowed_next", queryset=CaseStatus.objects.only("pk"))
        )
        return selectors.case_types(active_only=False).prefetch_related(
            Prefetch("statuses", queryset=statuses)
        )


# --- List parameters -----------------------------------------------------------------------


def _id(name: str, value: str) -> int:
    value = value.strip()
    # The length bound keeps an absurd number from overflowing the database's integers.
    if not value.isdigit() or len(value) > 18:
        raise serializers.ValidationError({name: [_("Enter an id (a whole number).")]})
    return int(value)


def _date(name: str, value: str) -> Any:
    try:
        day = parse_date(value.strip())
    except ValueError:
        day = None
    if day is None:
        raise serializers.ValidationError({name: [_("Enter a date as YYYY-MM-DD.")]})
    return day


def _choice_q(name: str, field: str, value: str, known: QuerySet[Any]) -> Q:
    """Return the filter on ``field`` given by ids or codes (comma-separated); unknown: 400."""
    values = [part.strip() for part in value.split(",") if part.strip()]
    keys = {key for pk, code in known.values_list("pk", "code") for key in (str(pk), code)}
    unknown = [v for v in values if v not in keys]
    if unknown:
        raise serializers.ValidationError(
            {name: [_("Unknown value “%(value)s”.") % {"value": unknown[0][:50]}]}
        )
    ids = [int(v) for v in values if v.isdigit()]
    codes = [v for v in values if not v.isdigit()]
    return Q(**{f"{field}_id__in": ids}) | Q(**{f"{field}__code__in": codes})


def owner_q(user: User, value: str, name: str = "owner") -> Q:
    """Return the filter on the owner: an id, ``me`` or ``none`` (owned by no one)."""
    value = value.strip()
    if value == "me":
        return Q(owner=user)
    if value == "none":
        return Q(owner__isnull=True)
    return Q(owner_id=_id(name, value))


def case_filters(user: User, params: Any) -> Q:
    """Return the filter of the list's query parameters; a bad value is a 400 naming it."""
    q = Q()
    value = params.get("case_type", "").strip()
    if value:
        q &= _choice_q("case_type", "case_type", value, selectors.case_types(active_only=False))
    value = params.get("status", "").strip()
    if value:
        q &= _choice_q("status", "status", value, CaseStatus.objects.all())
    if params.get("owner", "").strip():
        q &= owner_q(user, params["owner"])
    for name in ("team", "entity", "contact", "campaign"):
        if params.get(name, "").strip():
            q &= Q(**{f"{name}_id": _id(name, params[name])})
    if params.get("open", "").strip():
        is_open = boolean_param("open", params["open"])
        meaning_open = Q(status__meaning=StatusMeaning.OPEN)
        q &= meaning_open if is_open else ~meaning_open
    if params.get("expected_close_from", "").strip():
        day = _date("expected_close_from", params["expected_close_from"])
        q &= Q(expected_close_date__gte=day)
    if params.get("expected_close_to", "").strip():
        q &= Q(expected_close_date__lte=_date("expected_close_to", params["expected_close_to"]))
    return q & selectors.search_q(params.get("search", ""))


SORT_FIELDS = ("opened_at", "expected_close_date", "amount", "number", "updated_at")
# Cases without an expected close date come last either way.
CASE_SORTS: dict[str, tuple[OrderBy, OrderBy]] = {
    **{name: (F(name).asc(nulls_last=True), F("pk").asc()) for name in SORT_FIELDS},
    **{f"-{name}": (F(name).desc(nulls_last=True), F("pk").desc()) for name in SORT_FIELDS},
}


LIST_PARAMETERS = [
    OpenApiParameter("case_type", str, description="Case type ids or codes, comma-separated."),
    OpenApiParameter("status", str, description="Status ids or codes, comma-separated."),
    OpenApiParameter("owner", str, description="A user id, `me`, or `none` (team only)."),
    OpenApiParameter("team", int, description="Team id."),
    OpenApiParameter("entity", int, description="Entity id."),
    OpenApiParameter("contact", int, description="Contact id."),
    OpenApiParameter("campaign", int, description="Campaign id."),
    OpenApiParameter("open", bool, description="Cases whose status means open (or not)."),
    OpenApiParameter("expected_close_from", str, description="Expected close on or after."),
    OpenApiParameter("expected_close_to", str, description="Expected close on or before."),
    OpenApiParameter("search", str, description="Words in the number, subject or entity names."),
    OpenApiParameter("ordering", str, enum=sorted(CASE_SORTS)),
]


def case_list(user: User, params: Any) -> QuerySet[Case]:
    """Return the visible cases filtered and sorted by the list's query parameters."""
    sort = params.get("ordering", "-opened_at").strip()
    if sort not in CASE_SORTS:
        sorts = ", ".join(sorted(CASE_SORTS))
        raise serializers.ValidationError(
            {"ordering": [_("Sort by one of: %(sorts)s.") % {"sorts": sorts}]}
        )
    qs = selectors.case_queryset(user=user).filter(case_filters(user, params))
    return qs.order_by(*CASE_SORTS[sort])


# --- The open-cases report -----------------------------------------------------------------


class OpenCaseRowSerializer(serializers.ModelSerializer):
    """A compact case row of the report."""

    case_type = TypeRefField()
    status = StatusRefField()
    entity = RefField()
    owner = RefField()
    team = RefField()
    age_days = serializers.SerializerMethodField(help_text="Whole days since it was opened.")
    url = serializers.SerializerMethodField(help_text="This case in the API.")

    class Meta:
        model = Case
        fields = [
            "id",
            "number",
            "subject",
            "case_type",
            "status",
            "entity",
            "owner",
            "team",
            "amount",
            "currency",
            "expected_close_date",
            "due_at",
            "opened_at",
            "age_days",
            "url",
        ]
        read_only_fields = fields

    def get_age_days(self, case: Case) -> int:
        return max(0, (self.context["now"] - case.opened_at).days)

    def get_url(self, case: Case) -> str:
        return str(
            self.context["request"].build_absolute_uri(reverse("case-detail", args=[case.pk]))
        )


class OpenCaseGroupSerializer(serializers.Serializer):
    case_type = TypeRefField()
    status = StatusRefField()
    count = serializers.IntegerField()
    total = serializers.DecimalField(max_digits=16, decimal_places=2)
    oldest_opened_at = serializers.DateTimeField(source="oldest", allow_null=True)


class OpenCasesSerializer(serializers.Serializer):
    """The answer's shape (for the schema)."""

    groups = OpenCaseGroupSerializer(many=True)
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = OpenCaseRowSerializer(many=True)


def _days(name: str, value: str) -> int:
    value = value.strip()
    if not value.isdigit() or len(value) > 6:
        raise serializers.ValidationError({name: [_("Enter a whole number of days (0 or more).")]})
    return int(value)


def report_filters(user: User, params: Any) -> dict[str, Any]:
    """Read the report's query parameters into :func:`reports.open_cases` arguments."""
    filters: dict[str, Any] = {}
    value = params.get("case_type", "").strip()
    if value:
        lookup = {"pk": int(value)} if value.isdigit() and len(value) <= 18 else {"code": value}
        found = selectors.case_types(active_only=False).filter(**lookup)
        case_type = found.first()
        if case_type is None:
            raise serializers.ValidationError(
                {"case_type": [_("Unknown case type “%(value)s”.") % {"value": value[:50]}]}
            )
        filters["case_type"] = case_type
    owner = params.get("owner", "").strip()
    if owner == "me":
        filters["owner"] = user.pk
    elif owner == "none":
        filters["owner"] = "none"
    elif owner:
        filters["owner"] = _id("owner", owner)
    if params.get("team", "").strip():
        filters["team"] = _id("team", params["team"])
    for name in ("min_age_days", "max_age_days"):
        if params.get(name, "").strip():
            filters[name] = _days(name, params[name])
    low, high = filters.get("min_age_days"), filters.get("max_age_days")
    if low is not None and high is not None and low > high:
        raise serializers.ValidationError(
            {"max_age_days": [_("The maximum age cannot be below the minimum age.")]}
        )
    return filters


class OpenCasesReportView(APIView):
    """The open cases across types, grouped by type and status, and listed oldest first.

    Which statuses count as open follows the general parameter ``open_case_status_codes``;
    empty, every status whose meaning is open. Only the cases the caller may see count.
    """

    permission_classes = [permissions.RecordPermission]

    @extend_schema(
        parameters=[
            OpenApiParameter("case_type", str, description="Id or code of a case type."),
            OpenApiParameter("owner", str, description="A user id, `me`, or `none`."),
            OpenApiParameter("team", int, description="Team id."),
            OpenApiParameter(
                "min_age_days", int, description="Opened at least this many days ago."
            ),
            OpenApiParameter("max_age_days", int, description="Opened at most this many days ago."),
            OpenApiParameter("page", int),
            OpenApiParameter("page_size", int),
        ],
        responses=OpenCasesSerializer,
    )
    def get(self, request: Request) -> Response:
        user = request_user(request)
        cases = reports.open_cases(user=user, **report_filters(user, request.query_params))
        groups = reports.open_cases_summary(cases)
        paginator = PageNumberPagination()
        page = paginator.paginate_queryset(cases, request, view=self) or []
        context = {"request": request, "now": timezone.now()}
        return Response(
            {
                "groups": OpenCaseGroupSerializer(groups, many=True).data,
                "count": sum(group.count for group in groups),
                "next": paginator.get_next_link(),
                "previous": paginator.get_previous_link(),
                "results": OpenCaseRowSerializer(page, many=True, context=context).data,
            }
        )
