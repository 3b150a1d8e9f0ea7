"""The web dashboard and JSON API (``camaudit serve``): ``create_app(store)``."""

from camaudit.web.app import create_app

__all__ = ["create_app"]
