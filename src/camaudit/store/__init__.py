"""Persistence: SQLAlchemy models, Alembic migrations and the typed :class:`Store`."""

from camaudit.store.db import DEFAULT_ORG, Store, default_db_url

__all__ = ["DEFAULT_ORG", "Store", "default_db_url"]
