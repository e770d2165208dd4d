"""REST API for action types and commercial actions: thin serializers over the services.

Reads go through :mod:`relata.actions.selectors` (the permission layer applies); every
write calls one service in :mod:`relata.actions.services`, whose ``ValidationError`` and
``PermissionDenied`` the API's exception handler answers as 400 and 403.
"""

from __future__ import annotations

import datetime
import re
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer

from relata.actions import selectors, services
from relata.actions.models import Action, ActionStatus, ActionType, Priority
from relata.api.serializers import ModelSerializer
from relata.cases.models import Case
from relata.core import permissions
from relata.core.models import Team, User
from relata.core.types import request_user
from relata.entities.models import Contact, Entity

# --- Action types ----------------------------------------------------------------------


class ActionTypeSerializer(ModelSerializer):
    name = serializers.CharField(read_only=True, help_text="The name in the request's language.")

    class Meta:
        model = ActionType
        fields = ["id", "name", *services.TYPE_FIELDS]


class ActionTypeViewSet(
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.ReadOnlyModelViewSet[ActionType],
):
    """Action types: read by every user, defined by administrators.

    Types are not deleted (actions keep theirs); an administrator deactivates one instead.
    """

    serializer_class = ActionTypeSerializer
    permission_classes = [permissions.ConfigurationPermission]
    filterset_fields = ["is_active", "is_meeting"]
    search_fields = ["code", "name_en", "name_es"]
    ordering_fields = ["order", "code", "name_en", "id"]
    ordering = ["order", "name_en"]

    def get_queryset(self) -> QuerySet[ActionType]:
        # Non-administrators choose among the types in use; administrators see them all.
        return selectors.action_types(
            active_only=not permissions.is_administrator(self.request.user)
        )

    def perform_create(self, serializer: BaseSerializer[ActionType]) -> None:
        serializer.instance = services.action_type_create(
            user=request_user(self.request), data=dict(serializer.validated_data)
        )

    def perform_update(self, serializer: BaseSerializer[ActionType]) -> None:
        assert serializer.instance is not None
        serializer.instance = services.action_type_update(
            user=request_user(self.request),
            action_type=serializer.instance,
            data=dict(serializer.validated_data),
        )


# --- Actions ---------------------------------------------------------------------------


@extend_schema_field({"oneOf": [{"type": "integer"}, {"type": "string"}]})
class ActionTypeField(serializers.RelatedField):
    """An action type given by id or by code; answered as its id."""

    default_error_messages = {
        "does_not_exist": gettext_lazy("Unknown action type “{value}”."),
        "incorrect_type": gettext_lazy("Give the action type's id or code."),
    }

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("queryset", ActionType.objects.all())
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> ActionType:
        if isinstance(data, bool) or not isinstance(data, int | str) or data == "":
            self.fail("incorrect_type")
        text = str(data)
        # Longer than any id or code: also keeps the number within the database's integers.
        if (text.isdigit() and len(text) > 18) or len(text) > 50:
            self.fail("does_not_exist", value=text[:50])
        lookup = {"pk": int(text)} if text.isdigit() else {"code": text}
        try:
            return ActionType.objects.get(**lookup)
        except ActionType.DoesNotExist:
            self.fail("does_not_exist", value=text)

    def to_representation(self, value: Any) -> int:
        return int(value.pk)


def _user_field(**kwargs: Any) -> serializers.PrimaryKeyRelatedField:
    return serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True), **kwargs
    )


def _team_field(**kwargs: Any) -> serializers.PrimaryKeyRelatedField:
    return serializers.PrimaryKeyRelatedField(
        queryset=Team.objects.filter(is_active=True), **kwargs
    )


class ActionSerializer(ModelSerializer):
    entity = serializers.PrimaryKeyRelatedField(queryset=Entity.objects.all())
    entity_name = serializers.CharField(source="entity.display_name", read_only=True)
    contact = serializers.PrimaryKeyRelatedField(
        queryset=Contact.objects.all(), required=False, allow_null=True
    )
    case = serializers.PrimaryKeyRelatedField(
        queryset=Case.objects.all(),
        required=False,
        allow_null=True,
        help_text="The case the action belongs to: a case of the same entity.",
    )
    type = ActionTypeField(help_text="Id or code of the action type; answered as the id.")
    type_code = serializers.CharField(source="type.code", read_only=True)
    owner = _user_field(
        required=False, allow_null=True, help_text="The assigned user (null: the team's)."
    )
    team = _team_field(required=False, allow_null=True)
    attendee_users = _user_field(
        many=True, required=False, help_text="Users attending (meeting types only)."
    )
    attendee_contacts = serializers.PrimaryKeyRelatedField(
        queryset=Contact.objects.all(),
        many=True,
        required=False,
        help_text="Contacts attending (meeting types only).",
    )

    class Meta:
        model = Action
        fields = [
            "id",
            "entity",
            "entity_name",
            "contact",
            "case",
            "type",
            "type_code",
            "subject",
            "description",
            "start",
            "end",
            "all_day",
            "due_date",
            "priority",
            "location",
            "status",
            "outcome",
            "result_notes",
            "done_at",
            "follows",
            "owner",
            "team",
            "attendee_users",
            "attendee_contacts",
            "uid",
            "sequence",
            "created_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "status",
            "done_at",
            "follows",
            "uid",
            "sequence",
            "created_by",
            "created_at",
            "updated_at",
        ]
        extra_kwargs = {
            "end": {"required": False, "help_text": "Default: start + the type's duration."},
            "outcome": {"help_text": "Set by complete/; may be corrected later where allowed."},
            "result_notes": {"help_text": "Set by complete/ or cancel/."},
        }


class NextActionSerializer(serializers.Serializer):
    """The follow-up planned when completing an action; the entity is the done one's."""

    type = ActionTypeField()
    subject = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True)
    start = serializers.DateTimeField()
    end = serializers.DateTimeField(required=False)
    all_day = serializers.BooleanField(required=False)
    due_date = serializers.DateField(required=False, allow_null=True)
    priority = serializers.ChoiceField(choices=Priority.choices, required=False)
    location = serializers.CharField(max_length=200, required=False, allow_blank=True)
    contact = serializers.PrimaryKeyRelatedField(
        queryset=Contact.objects.all(),
        required=False,
        allow_null=True,
        help_text="Default: the done action's contact.",
    )
    owner = _user_field(
        required=False, allow_null=True, help_text="Default: the done action's assignee."
    )
    team = _team_field(required=False, allow_null=True)


class CompleteSerializer(serializers.Serializer):
    outcome = serializers.CharField(
        max_length=200,
        required=False,
        allow_blank=True,
        help_text="Required for types that need an outcome.",
    )
    result_notes = serializers.CharField(required=False, allow_blank=True)
    next_action = NextActionSerializer(
        required=False, allow_null=True, help_text="Plan the next action in the same step."
    )


class CompleteResultSerializer(serializers.Serializer):
    action = ActionSerializer(read_only=True)
    next_action = ActionSerializer(read_only=True, allow_null=True)


class ReassignSerializer(serializers.Serializer):
    owner = _user_field(required=False, allow_null=True)
    team = _team_field(required=False, allow_null=True)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs.get("owner") is None and attrs.get("team") is None:
            raise serializers.ValidationError({"owner": [_("Choose a user or a team.")]})
        return attrs


class CancelSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True)


LIST_PARAMETERS = [
    OpenApiParameter(
        "assignee",
        str,
        description="Assigned user: an id, `me`, or `none` for actions assigned only to a team.",
    ),
    OpenApiParameter("team", int, description="Team id."),
    OpenApiParameter("entity", int, description="Entity id."),
    OpenApiParameter("case", int, description="Case id."),
    OpenApiParameter(
        "contact", int, description="Contact id: the action's contact or an attending contact."
    ),
    OpenApiParameter(
        "type", str, description="Action type ids or codes, comma-separated (any of them)."
    ),
    OpenApiParameter(
        "status",
        str,
        description="Statuses, comma-separated: planned, done, cancelled.",
    ),
    OpenApiParameter(
        "from",
        str,
        description="Actions that end after this date or ISO 8601 date-time (encode + as %2B).",
    ),
    OpenApiParameter(
        "to", str, description="Actions that start before this date or ISO 8601 date-time."
    ),
    OpenApiParameter("search", str, description="Words in the subject or the entity's names."),
    OpenApiParameter("ordering", str, enum=sorted(selectors.ACTION_SORTS)),
]

_SPACE_OFFSET = re.compile(r" (\d{2}:?\d{2})$")


def _moment(name: str, value: str) -> datetime.datetime | datetime.date:
    """Parse a date or an ISO 8601 date-time; naive ones are in the server's time zone."""
    # An unencoded "+01:00" arrives as " 01:00": take it for what the client meant.
    value = _SPACE_OFFSET.sub(r"+\1", value.strip())
    try:
        # A date first: Python reads "2031-03-10" as a date-time at midnight too.
        day = parse_date(value)
        if day is not None:
            return day
        moment = parse_datetime(value)
    except ValueError:
        moment = None
    if moment is None:
        raise serializers.ValidationError(
            {name: [_("Enter a date (YYYY-MM-DD) or an ISO 8601 date and time.")]}
        )
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def _ids(name: str, value: str) -> int:
    # The length bound keeps an absurd number from overflowing the database's integers.
    if not value.isdigit() or len(value) > 18:
        raise serializers.ValidationError({name: [_("Enter an id (a whole number).")]})
    return int(value)


def _type_ids(values: list[str]) -> list[int]:
    """Return the ids of the action types given by id or code; unknown ones are a 400."""
    known = {
        key: pk
        for pk, code in selectors.action_types(active_only=False).values_list("pk", "code")
        for key in (str(pk), code)
    }
    unknown = [value for value in values if value not in known]
    if unknown:
        raise serializers.ValidationError(
            {"type": [_("Unknown action type “%(value)s”.") % {"value": unknown[0]}]}
        )
    return sorted({known[value] for value in values})


def _list(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


class ActionViewSet(viewsets.ModelViewSet[Action]):
    """The actions the caller may see; every write goes through the services."""

    serializer_class = ActionSerializer
    permission_classes = [permissions.RecordPermission]
    filter_backends: list[Any] = []  # the filters and sorts are the selector's

    def get_queryset(self) -> QuerySet[Action]:
        user = self.request.user
        if not user.is_authenticated:
            return Action.objects.none()
        if self.action != "list":
            qs = selectors.action_queryset(user=request_user(self.request))
        else:
            qs = self._filtered(request_user(self.request))
        return qs.prefetch_related(
            Prefetch("attendee_users", queryset=User.objects.only("pk")),
            Prefetch("attendee_contacts", queryset=Contact.objects.only("pk")),
        )

    def _filtered(self, user: User) -> QuerySet[Action]:
        params = self.request.query_params
        filters: dict[str, Any] = {}
        unassigned = False
        assignee = params.get("assignee", "").strip()
        if assignee == "me":
            filters["owner"] = user.pk
        elif assignee == "none":
            unassigned = True
        elif assignee:
            filters["owner"] = _ids("assignee", assignee)
        for name in ("team", "entity", "contact"):
            if params.get(name, "").strip():
                filters[name] = _ids(name, params[name].strip())
        case = _ids("case", params["case"].strip()) if params.get("case", "").strip() else None
        types = _list(",".join(params.getlist("type")))
        if types:
            filters["types"] = _type_ids(types)
        statuses = _list(",".join(params.getlist("status")))
        if statuses:
            unknown = sorted(set(statuses) - set(ActionStatus.values))
            if unknown:
                raise serializers.ValidationError(
                    {
                        "status": [
                            _("Unknown status “%(value)s”; use planned, done or cancelled.")
                            % {"value": unknown[0]}
                        ]
                    }
                )
            filters["statuses"] = statuses
        if params.get("from", "").strip():
            filters["start_from"] = _moment("from", params["from"])
        if params.get("to", "").strip():
            end = _moment("to", params["to"])
            # A date as the end of the range includes that whole day.
            if not isinstance(end, datetime.datetime):
                end = timezone.make_aware(
                    datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time())
                )
            filters["start_to"] = end
        sort = params.get("ordering", "start")
        if sort not in selectors.ACTION_SORTS:
            raise serializers.ValidationError(
                {
                    "ordering": [
                        _("Sort by one of: %(sorts)s.")
                        % {"sorts": ", ".join(sorted(selectors.ACTION_SORTS))}
                    ]
                }
            )
        qs = selectors.action_list(
            user=user, search=params.get("search", "").strip(), sort=sort, **filters
        )
        if case is not None:
            qs = qs.filter(case_id=case)
        return qs.filter(owner__isnull=True) if unassigned else qs

    @extend_schema(parameters=LIST_PARAMETERS)
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    # --- Writes ------------------------------------------------------------------------

    def perform_create(self, serializer: BaseSerializer[Action]) -> None:
        data = dict(serializer.validated_data)
        attendee_users = data.pop("attendee_users", ())
        attendee_contacts = data.pop("attendee_contacts", ())
        serializer.instance = services.action_create(
            user=request_user(self.request),
            data=data,
            attendee_users=attendee_users,
            attendee_contacts=attendee_contacts,
        )

    @transaction.atomic
    def perform_update(self, serializer: BaseSerializer[Action]) -> None:
        assert serializer.instance is not None
        user = request_user(self.request)
        data = dict(serializer.validated_data)
        attendee_users = data.pop("attendee_users", None)
        attendee_contacts = data.pop("attendee_contacts", None)
        action_obj = serializer.instance
        assignment = {name: data.pop(name) for name in ("owner", "team") if name in data}
        if data or attendee_users is not None or attendee_contacts is not None or not assignment:
            action_obj = services.action_update(
                user=user,
                action=action_obj,
                data=data,
                attendee_users=attendee_users,
                attendee_contacts=attendee_contacts,
            )
        if assignment:
            owner = assignment.get("owner", action_obj.owner)
            team = assignment.get("team", action_obj.team)
            if (getattr(owner, "pk", None), getattr(team, "pk", None)) != (
                action_obj.owner_id,
                action_obj.team_id,
            ):
                services.action_reassign(user=user, actions=[action_obj], owner=owner, team=team)
        serializer.instance = action_obj

    def perform_destroy(self, instance: Action) -> None:
        services.action_delete(user=request_user(self.request), action=instance)

    def _answer(self, action_obj: Action, code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=action_obj.pk)
        return Response(self.get_serializer(fresh).data, status=code)

    @extend_schema(request=CompleteSerializer, responses=CompleteResultSerializer)
    @action(detail=True, methods=["post"])
    def complete(self, request: Request, pk: str | None = None) -> Response:
        """Mark the action done with its outcome and, optionally, plan the next one."""
        action_obj = self.get_object()
        body = CompleteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        try:
            done, follow_up = services.action_complete(
                user=request_user(request),
                action=action_obj,
                outcome=data.get("outcome", ""),
                result_notes=data.get("result_notes", ""),
                next_action=data.get("next_action"),
            )
        except DjangoValidationError as error:
            raise serializers.ValidationError(_nest_next(error.message_dict)) from error
        qs = self.get_queryset()
        return Response(
            {
                "action": self.get_serializer(qs.get(pk=done.pk)).data,
                "next_action": (
                    self.get_serializer(qs.get(pk=follow_up.pk)).data if follow_up else None
                ),
            }
        )

    @extend_schema(request=ReassignSerializer, responses=ActionSerializer)
    @action(detail=True, methods=["post"])
    def reassign(self, request: Request, pk: str | None = None) -> Response:
        """Give the action to a user and/or a team; the new assignee is notified."""
        action_obj = self.get_object()
        body = ReassignSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.action_reassign(
            user=request_user(request),
            actions=[action_obj],
            owner=body.validated_data.get("owner"),
            team=body.validated_data.get("team"),
        )
        return self._answer(action_obj)

    @extend_schema(request=CancelSerializer, responses=ActionSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        """Cancel the action; meeting attendees are sent a cancellation."""
        action_obj = self.get_object()
        body = CancelSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.action_cancel(
            user=request_user(request),
            action=action_obj,
            reason=body.validated_data.get("reason", ""),
        )
        return self._answer(action_obj)

    @extend_schema(request=None, responses=ActionSerializer)
    @action(detail=True, methods=["post"])
    def take(self, request: Request, pk: str | None = None) -> Response:
        """Take an action of one of your teams for yourself."""
        action_obj = self.get_object()
        services.action_take(user=request_user(request), action=action_obj)
        return self._answer(action_obj)


def _nest_next(errors: dict[str, Any]) -> dict[str, Any]:
    """Answer the follow-up's errors (``next_<field>`` from the service) under next_action."""
    nested: dict[str, Any] = {}
    plain: dict[str, Any] = {}
    for key, messages in errors.items():
        if key.startswith("next_"):
            nested[key.removeprefix("next_")] = messages
        else:
            plain[key] = messages
    return {**plain, **({"next_action": nested} if nested else {})}
