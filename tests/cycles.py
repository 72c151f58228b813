"""Find the objects of given packages that only the cycle collector could free."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def cyclic_garbage(*packages: str) -> Iterator[list[str]]:
    """Yield a list that, after the block, names the types of the objects of *packages*
    (module prefixes) made unreachable in the block yet left to the garbage collector."""
    found: list[str] = []
    gc.collect()
    enabled = gc.isenabled()
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        yield found
        gc.collect()
        for obj in gc.garbage:
            module = type(obj).__module__
            if any(module == p or module.startswith(p + ".") for p in packages):
                found.append(f"{module}.{type(obj).__qualname__}")
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        if enabled:
            gc.enable()
    found.sort()
