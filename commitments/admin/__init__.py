"""The analysts' working surface, one module per seam. Every write that carries a rule goes through
services.py; every read shape comes from querysets.py or reports.py."""

from commitments.admin import catalogue, commitment, reminders, suggestions, tokens

__all__ = ["catalogue", "commitment", "reminders", "suggestions", "tokens"]
