"""A token-bucket rate limiter for asyncio (global packets/connections per second)."""

from __future__ import annotations

import asyncio
import time


class RateLimiter:
    """Allow at most ``rate`` acquisitions per second on average, bursts up to ``burst``.

    ``rate`` of 0 or less means unlimited.
    """

    def __init__(self, rate: float, burst: int | None = None) -> None:
        self.rate = rate
        self.capacity = float(burst if burst is not None else max(1, int(rate // 10) or 1))
        self._tokens = self.capacity
        self._last = time.monotonic()
        self._lock = asyncio.Lock()

    async def acquire(self) -> None:
        if self.rate <= 0:
            return
        async with self._lock:
            while True:
                now = time.monotonic()
                self._tokens = min(self.capacity, self._tokens + (now - self._last) * self.rate)
                self._last = now
                if self._tokens >= 1.0:
                    self._tokens -= 1.0
                    return
                await asyncio.sleep((1.0 - self._tokens) / self.rate)
