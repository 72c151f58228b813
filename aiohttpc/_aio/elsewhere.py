"""``ReadElsewhere``: the reader a response's body can be handed to, for type checks.

Imported only under ``TYPE_CHECKING``: at run time a ``Protocol`` class cost the Python
build ~1.5k instructions a response, and compiled code cannot nest a class in an ``if``.
"""

from __future__ import annotations

from typing import Protocol


class ReadElsewhere(Protocol):
    """A reader that keeps its own buffer and takes a response's body (the blocking
    façade's response): whether it is done with the body, and the news that the
    connection was closed under it."""

    def isclosed(self) -> bool: ...

    def close_local(self) -> None: ...
