"""Segments [segmentos]: saved, dynamic selections of entities built from condition trees.

* :mod:`.operators`: kinds of values, operators, and the comparisons (:func:`compare_q`).
* :mod:`.fields`: the catalogue of what a condition can test (columns, main address,
  emails, tags, custom fields).
* :mod:`.history`: the registry (:func:`register_history_field`) through which other apps
  add conditions on an entity's history.
* :mod:`.conditions`: checking a definition, its canonical form, its ``Q``, its words.
* :mod:`.services` / :mod:`.selectors`: writes and permission-scoped reads.
* :mod:`.builder`: the builder page's form, as a tree of inputs.
* :mod:`.export`: downloads of a segment's entities.
"""

from relata.entities.segments.conditions import (
    EMPTY_DEFINITION,
    definition_clean,
    definition_describe,
    definition_q,
)
from relata.entities.segments.fields import (
    HistoryCondition,
    compare_q,
    register_history_field,
    segment_fields,
)
from relata.entities.segments.selectors import (
    segment_count,
    segment_entities,
    segment_get,
    segment_list,
)
from relata.entities.segments.services import segment_create, segment_delete, segment_update

__all__ = [
    "EMPTY_DEFINITION",
    "HistoryCondition",
    "compare_q",
    "definition_clean",
    "definition_describe",
    "definition_q",
    "register_history_field",
    "segment_count",
    "segment_create",
    "segment_delete",
    "segment_entities",
    "segment_fields",
    "segment_get",
    "segment_list",
    "segment_update",
]
