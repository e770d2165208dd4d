"""The cases fixtures (seeded types, entities) for the campaign tests that count cases."""

from relata.cases.tests.conftest import case_types, entity, entity_kind, make_entity

__all__ = ["case_types", "entity", "entity_kind", "make_entity"]
