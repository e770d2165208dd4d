"""Merging two entities: what moves, what is kept, the audit entry and who may merge."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, models

from relata.core.timeline import timeline_for
from relata.customfields.models import FieldType, Target
from relata.customfields.services import field_definition_create
from relata.entities import services
from relata.entities.merge import entity_merge
from relata.entities.models import (
    Address,
    Contact,
    EmailAddress,
    Entity,
    EntityKind,
    EntityMerge,
    KindMeaning,
    PhoneNumber,
    Sector,
)


@pytest.fixture
def customer(db):
    return EntityKind.objects.create(
        code="merge-customer", label_en="Customer", meaning=KindMeaning.CUSTOMER
    )


@pytest.fixture
def fields(admin_user):
    for key, field_type in (("employees", FieldType.INTEGER), ("channel", FieldType.TEXT)):
        field_definition_create(
            user=admin_user,
            target=Target.ENTITY,
            key=key,
            label_en=key.title(),
            field_type=field_type,
        )


@pytest.fixture
def pair(admin_user, customer, fields):
    """The survivor and the other, each with data of its own and some in common."""
    sector = Sector.objects.create(code="food", label_en="Food")
    survivor = services.entity_create(
        user=admin_user,
        data={"kind": customer, "legal_name": "Aceros del Norte S.L.", "notes": "Kept notes"},
        emails=[{"email": "info@aceros.es", "is_main": True}],
        phones=[{"number": "+34912345678", "is_main": True}],
        addresses=[{"street": "Calle Mayor 1", "city": "Bilbao", "is_main": True}],
        tags=["VIP"],
        custom={"employees": 40},
    )
    other = services.entity_create(
        user=admin_user,
        data={
            "kind": customer,
            "legal_name": "ACEROS NORTE SL",
            "trade_name": "Aceros Norte",
            "tax_id": "B12345674",
            "website": "https://aceros.es",
            "sector": sector,
            "notes": "Lost notes",
        },
        emails=[
            {"email": "INFO@aceros.es", "is_main": True},
            {"email": "ventas@aceros.es"},
        ],
        phones=[{"number": "+34912345678"}, {"number": "+34944000000"}],
        addresses=[
            {"street": "Calle Mayor 1", "city": "Bilbao", "is_main": True},
            {"street": "Polígono Norte 7", "city": "Barakaldo", "kind": "delivery"},
        ],
        tags=["VIP", "Distributor"],
        custom={"employees": 45, "channel": "email"},
    )
    contact = services.contact_create(
        user=admin_user,
        entity=other,
        data={"first_name": "Ana", "last_name": "Ruiz"},
        emails=[{"email": "ana@aceros.es"}],
        phones=[{"number": "+34600111222"}],
    )
    return survivor, other, contact


# --- What moves ------------------------------------------------------------------------


@pytest.mark.django_db
def test_merge_moves_contacts_with_their_emails_and_phones(admin_user, pair):
    survivor, other, contact = pair

    entity_merge(user=admin_user, survivor=survivor, other=other)

    contact.refresh_from_db()
    assert contact.entity_id == survivor.pk
    assert list(EmailAddress.objects.filter(contact=contact).values_list("entity_id", "email")) == [
        (survivor.pk, "ana@aceros.es")
    ]
    assert list(PhoneNumber.objects.filter(contact=contact).values_list("entity_id", "number")) == [
        (survivor.pk, "+34600111222")
    ]
    assert contact.history.first().history_change_reason == (
        f"Moved from Aceros Norte (#{other.pk}) by a merge"
    )


@pytest.mark.django_db
def test_merge_moves_own_emails_phones_and_addresses_without_repeats(admin_user, pair):
    survivor, other, _contact = pair

    entity_merge(user=admin_user, survivor=survivor, other=other)

    own = {"entity": survivor, "contact": None}
    assert list(
        EmailAddress.objects.filter(**own).order_by("id").values_list("email", "is_main")
    ) == [("info@aceros.es", True), ("ventas@aceros.es", False)]
    assert list(
        PhoneNumber.objects.filter(**own).order_by("id").values_list("number", "is_main")
    ) == [("+34912345678", True), ("+34944000000", False)]
    assert list(
        Address.objects.filter(entity=survivor).order_by("id").values_list("city", "is_main")
    ) == [("Bilbao", True), ("Barakaldo", False)]


@pytest.mark.django_db
def test_merge_joins_tags_fills_blanks_and_keeps_survivor_values(admin_user, pair):
    survivor, other, _contact = pair

    merged = entity_merge(user=admin_user, survivor=survivor, other=other)

    merged = Entity.objects.get(pk=merged.pk)
    assert sorted(merged.tags.values_list("name", flat=True)) == ["Distributor", "VIP"]
    assert merged.legal_name == "Aceros del Norte S.L."
    assert merged.trade_name == "Aceros Norte"
    assert merged.tax_id == "B12345674"
    assert merged.website == "https://aceros.es"
    assert merged.sector.code == "food"
    assert merged.notes == "Kept notes"
    # The survivor's custom values win; the other's fill the survivor's blanks.
    assert merged.custom == {"employees": 40, "channel": "email"}
    assert "ana ruiz" in merged.search_text
    assert "ventas@aceros.es" in merged.search_text


@pytest.mark.django_db
def test_merge_records_an_audit_entry_and_history_and_deletes_the_other(admin_user, pair):
    survivor, other, _contact = pair
    other_pk = other.pk

    entity_merge(user=admin_user, survivor=survivor, other=other)

    assert not Entity.objects.filter(pk=other_pk).exists()
    audit = EntityMerge.objects.get()
    assert audit.survivor_id == survivor.pk
    assert audit.merged_id == other_pk
    assert audit.merged_name == "Aceros Norte"
    assert audit.merged_by == admin_user
    assert audit.snapshot["legal_name"] == "ACEROS NORTE SL"
    assert audit.snapshot["tax_id"] == "B12345674"
    assert audit.snapshot["tags"] == ["Distributor", "VIP"]
    assert audit.snapshot["custom"] == {"employees": 45, "channel": "email"}
    assert [e["email"] for e in audit.snapshot["emails"]] == [
        "INFO@aceros.es",
        "ventas@aceros.es",
        "ana@aceros.es",
    ]
    assert audit.snapshot["contacts"][0]["name"] == "Ana Ruiz"
    latest = survivor.history.first()
    assert latest.history_change_reason == f"Merged Aceros Norte (#{other_pk})"
    assert latest.history_user == admin_user
    deleted = Entity.history.filter(id=other_pk).first()
    assert deleted.history_type == "-"
    # The survivor took the other's trade name, which is now its display name.
    assert deleted.history_change_reason == f"Merged into Aceros Norte (#{survivor.pk})"


@pytest.mark.django_db
def test_the_merge_shows_on_the_survivors_timeline(admin_user, pair):
    survivor, other, _contact = pair
    other_pk = other.pk

    entity_merge(user=admin_user, survivor=survivor, other=other)

    merged = [e for e in timeline_for(survivor) if e.kind == "merged"]
    assert [(e.title, e.who) for e in merged] == [
        (f"Merged “Aceros Norte” (#{other_pk}) into this entity", admin_user)
    ]


@pytest.mark.django_db
def test_earlier_merges_of_the_other_follow_it(admin_user, customer):
    first = services.entity_create(user=admin_user, data={"kind": customer, "legal_name": "A"})
    second = services.entity_create(user=admin_user, data={"kind": customer, "legal_name": "B"})
    third = services.entity_create(user=admin_user, data={"kind": customer, "legal_name": "C"})
    entity_merge(user=admin_user, survivor=second, other=third)

    entity_merge(user=admin_user, survivor=first, other=second)

    assert sorted(EntityMerge.objects.values_list("survivor_id", "merged_name")) == [
        (first.pk, "B"),
        (first.pk, "C"),
    ]


# --- Refusals ------------------------------------------------------------------------


@pytest.mark.django_db
def test_merging_an_entity_into_itself_is_refused(admin_user, customer):
    entity = services.entity_create(user=admin_user, data={"kind": customer, "legal_name": "A"})

    with pytest.raises(ValidationError) as error:
        entity_merge(user=admin_user, survivor=entity, other=entity)

    assert error.value.message_dict == {"other": ["An entity cannot be merged into itself."]}
    assert EntityMerge.objects.count() == 0
    assert Entity.objects.filter(pk=entity.pk).exists()


@pytest.mark.django_db
def test_agent_cannot_merge_an_entity_they_cannot_change(agent, manager, customer):
    mine = services.entity_create(user=agent, data={"kind": customer, "legal_name": "Mine"})
    # A team mate's entity: visible to the agent, but not theirs to change.
    colleagues = services.entity_create(
        user=manager, data={"kind": customer, "legal_name": "Colleague's"}
    )
    services.contact_create(user=manager, entity=colleagues, data={"first_name": "Eva"})

    with pytest.raises(PermissionDenied) as error:
        entity_merge(user=agent, survivor=mine, other=colleagues)

    assert str(error.value) == "You cannot change “Colleague's”, so you cannot merge it."
    assert Entity.objects.filter(pk=colleagues.pk).exists()
    assert Contact.objects.get().entity_id == colleagues.pk
    assert EntityMerge.objects.count() == 0


@pytest.mark.django_db
def test_an_invisible_entity_reads_as_missing(agent, other_agent, customer):
    mine = services.entity_create(user=agent, data={"kind": customer, "legal_name": "Mine"})
    theirs = services.entity_create(
        user=other_agent, data={"kind": customer, "legal_name": "Theirs"}
    )

    with pytest.raises(ValidationError) as error:
        entity_merge(user=agent, survivor=mine, other=theirs)

    assert error.value.message_dict == {
        "other": ["This entity does not exist or you cannot see it."]
    }
    assert Entity.objects.filter(pk=theirs.pk).exists()


@pytest.mark.django_db
def test_agent_merges_two_of_their_own(agent, customer):
    keep = services.entity_create(user=agent, data={"kind": customer, "legal_name": "Keep"})
    fold = services.entity_create(user=agent, data={"kind": customer, "legal_name": "Fold"})

    entity_merge(user=agent, survivor=keep, other=fold)

    assert list(Entity.objects.values_list("legal_name", flat=True)) == ["Keep"]
    assert EntityMerge.objects.get().merged_by == agent


# --- Records of apps that do not exist yet ---------------------------------------------


@pytest.fixture
def later_models(transactional_db):
    """Models that later apps will add: a foreign key (protected, like an invoice's), a
    many-to-many (a campaign's entities) and a generic relation, with real tables."""

    class MergeTestAction(models.Model):
        entity = models.ForeignKey(
            Entity, on_delete=models.PROTECT, related_name="merge_test_actions"
        )
        title = models.CharField(max_length=50)

        class Meta:
            app_label = "entities"

        def __str__(self) -> str:
            return self.title

    class MergeTestCampaign(models.Model):
        name = models.CharField(max_length=50)
        entities = models.ManyToManyField(Entity, related_name="merge_test_campaigns")

        class Meta:
            app_label = "entities"

        def __str__(self) -> str:
            return self.name

    class MergeTestNote(models.Model):
        content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
        object_id = models.PositiveBigIntegerField()
        target = GenericForeignKey("content_type", "object_id")
        text = models.CharField(max_length=50)

        class Meta:
            app_label = "entities"

        def __str__(self) -> str:
            return self.text

    created = (MergeTestAction, MergeTestCampaign, MergeTestNote)
    with connection.schema_editor() as editor:
        for model in created:
            editor.create_model(model)
    yield created
    with connection.schema_editor() as editor:
        for model in created:
            editor.delete_model(model)
    for model in created:
        del apps.all_models["entities"][model._meta.model_name]
    apps.clear_cache()


def test_merge_moves_records_of_any_app_pointing_at_entities(admin_user, later_models):
    Action, Campaign, Note = later_models
    kind = EntityKind.objects.create(code="generic", label_en="Generic")
    survivor = services.entity_create(user=admin_user, data={"kind": kind, "legal_name": "Keep"})
    other = services.entity_create(user=admin_user, data={"kind": kind, "legal_name": "Fold"})
    Action.objects.create(entity=other, title="Call")
    Action.objects.create(entity=survivor, title="Visit")
    both = Campaign.objects.create(name="Both")
    both.entities.add(survivor, other)
    only_other = Campaign.objects.create(name="Only other")
    only_other.entities.add(other)
    Note.objects.create(target=other, text="Note on the other")

    entity_merge(user=admin_user, survivor=survivor, other=other)

    assert sorted(Action.objects.values_list("title", "entity_id")) == [
        ("Call", survivor.pk),
        ("Visit", survivor.pk),
    ]
    through = Campaign.entities.through
    assert sorted(through.objects.values_list("mergetestcampaign_id", "entity_id")) == [
        (both.pk, survivor.pk),
        (only_other.pk, survivor.pk),
    ]
    assert list(Note.objects.values_list("object_id", flat=True)) == [survivor.pk]
    assert not Entity.objects.filter(pk=other.pk).exists()
