"""Logging what clients can make happen as often as they like (refused connections, malformed
requests) without letting them flood the log: ZooKeeper's RateLogger, by kind of event."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class _Kind:
    logged_at: float
    unlogged: int = 0


class RateLimitedLog:
    """The first event of a kind is logged at once; after that, at most one line per
    `interval_s` for that kind, saying how many went unlogged in between. Kinds are names the
    code chooses (never something a client sends), so there are few of them."""

    def __init__(
        self,
        logger: logging.Logger,
        interval_s: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._logger = logger
        self._interval = interval_s
        self._clock = clock
        self._kinds: dict[str, _Kind] = {}

    def log(self, level: int, kind: str, message: str, *args: object) -> None:
        now = self._clock()
        seen = self._kinds.get(kind)
        if seen is not None and now - seen.logged_at < self._interval:
            seen.unlogged += 1
            return
        if seen is not None and seen.unlogged:
            message += f" ({seen.unlogged} more like it not logged since the last)"
        self._kinds[kind] = _Kind(now)
        self._logger.log(level, message, *args)
