"""Action pages (:mod:`.pages`), the agenda (:mod:`.agenda`) and action types settings
(:mod:`.types`). The calendar feed and .ics downloads live in ``views_calendar``."""
