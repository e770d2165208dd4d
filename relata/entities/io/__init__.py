"""Import and export of entities and contacts: CSV, XLSX and vCard.

Public entry points:

* :func:`export_entities` / :func:`export_contacts` (``queryset, fmt``): a download of a
  permission-scoped queryset as ``"csv"`` or ``"xlsx"``; segments call the first.
* :func:`entities_for_export` / :func:`contacts_for_export`: the list's query string
  (search, filters, ``cf_<key>``, sort) through the list selectors.
* :func:`run_import`: rows through the services, dry run or all-or-nothing.

Modules: :mod:`.export`; :mod:`.uploads` (checking and keeping uploaded files, the
session's pending imports); :mod:`.fields` (what a column can become, header guessing);
:mod:`.values` (reading cell text); :mod:`.importing` (the dry run and the import);
:mod:`.jobs` (running them in the background worker); :mod:`.vcards` (contacts as vCards;
the format itself is :mod:`relata.entities.vcard`); :mod:`.forms`.
Pages: :mod:`relata.entities.views_io`, addresses in :mod:`relata.entities.urls_io`.
"""

from relata.entities.io.export import (
    contacts_for_export,
    entities_for_export,
    export_contacts,
    export_entities,
)
from relata.entities.io.importing import ImportOptions, ImportReport, run_import

__all__ = [
    "ImportOptions",
    "ImportReport",
    "contacts_for_export",
    "entities_for_export",
    "export_contacts",
    "export_entities",
    "run_import",
]
