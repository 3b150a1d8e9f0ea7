"""Network safety: scope (never outside the targets), rate limits, bounded I/O."""

from camaudit.net.scope import Scope

__all__ = ["Scope"]
