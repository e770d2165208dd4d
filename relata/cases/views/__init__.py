"""Pages of the cases app: pages (list, detail, form), board and report, settings."""
