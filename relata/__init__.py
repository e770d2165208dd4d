"""Relata: an open-source CRM on Django."""

__version__ = "0.1.0"
