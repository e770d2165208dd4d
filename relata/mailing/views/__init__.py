"""Pages of the mailing app."""
