"""Replicated state machines: the `StateMachine` protocol a replica applies decided commands
to, the client-session table that makes retried commands apply once, and a key-value store."""

from impl.sm.base import StateMachine
from impl.sm.kv import KeyValueStore
from impl.sm.sessions import Sessions

__all__ = ["KeyValueStore", "Sessions", "StateMachine"]
