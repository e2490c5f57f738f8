"""Ranges of one buffer handed out and taken back: which parts of the shared vertex and
index buffers each mesh on the GPU occupies. Pure bookkeeping, no GL.

First fit over a sorted list of free ranges; freed ranges merge with their neighbours,
so a scene that replaces another reuses its space. When nothing fits, the owner grows
the buffer (``grow``) and copies what it holds; offsets stay valid across growth.
"""

from __future__ import annotations

import bisect


class RangeAllocator:
    """Offsets in units of elements (vertices, indices) in a buffer of ``capacity``."""

    def __init__(self, capacity: int) -> None:
        if capacity < 1:
            raise ValueError("a buffer holds at least one element")
        self.capacity = capacity
        self._free: list[tuple[int, int]] = [(0, capacity)]  # (start, size), by start
        self.used = 0

    def alloc(self, size: int) -> int | None:
        """The start of ``size`` free elements (first fit), or None when none fit."""
        if size <= 0:
            return 0
        for i, (start, free) in enumerate(self._free):
            if free >= size:
                if free == size:
                    del self._free[i]
                else:
                    self._free[i] = (start + size, free - size)
                self.used += size
                return start
        return None

    def free(self, start: int, size: int) -> None:
        """Give back ``size`` elements from ``start`` (merged with free neighbours)."""
        if size <= 0:
            return
        i = bisect.bisect_left(self._free, (start, 0))
        if i > 0:
            before, n = self._free[i - 1]
            if before + n > start:
                raise ValueError(f"range {start}+{size} is already free")
        if i < len(self._free) and start + size > self._free[i][0]:
            raise ValueError(f"range {start}+{size} is already free")
        self.used -= size
        if i > 0 and sum(self._free[i - 1]) == start:  # joins the range before
            i -= 1
            start, size = self._free[i][0], self._free[i][1] + size
            del self._free[i]
        if i < len(self._free) and self._free[i][0] == start + size:  # and the one after
            size += self._free[i][1]
            del self._free[i]
        self._free.insert(i, (start, size))

    def grow(self, needed: int) -> int:
        """Enlarge the buffer so that ``needed`` more elements fit at its end (at least
        doubling it); return the new capacity."""
        new = max(2 * self.capacity, self.capacity + needed)
        added = new - self.capacity
        if self._free and sum(self._free[-1]) == self.capacity:
            start, size = self._free[-1]
            self._free[-1] = (start, size + added)
        else:
            self._free.append((self.capacity, added))
        self.capacity = new
        return new
