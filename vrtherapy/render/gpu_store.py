"""GPU copies of meshes by key: uploaded the first time a frame draws them, or ahead of
it within a frame's upload budget (``preload``), and freed once no frame has drawn them
for a while. The plain and the skinned mesh caches both keep theirs this way; each says
how its kind is uploaded, sized and freed."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

# What one frame may upload for a scene that is not on screen yet (``preload``): a new
# world reaches the GPU over several frames instead of stalling one.
UPLOAD_BYTES_PER_FRAME = 1 << 20
UPLOAD_MESHES_PER_FRAME = 8


@dataclass
class UploadBudget:
    """What one frame may still upload for scenes that are not on screen yet (shared by
    the plain and the skinned meshes of the frame)."""

    bytes: int = UPLOAD_BYTES_PER_FRAME
    meshes: int = UPLOAD_MESHES_PER_FRAME
    spent: int = 0  # meshes uploaded against it

    def allows(self, size: int) -> bool:
        # at least one mesh per frame, however large, so that every scene gets there
        return self.spent == 0 or (self.spent < self.meshes and size <= self.bytes)

    def spend(self, size: int) -> None:
        self.spent += 1
        self.bytes -= size


class _Keyed(Protocol):
    @property
    def key(self) -> str: ...


class _Used(Protocol):
    last_used: int


M = TypeVar("M", bound=_Keyed)
G = TypeVar("G", bound=_Used)


class GpuStore(ABC, Generic[M, G]):
    """``meshes`` by key; ``uploads`` counts uploads since creation."""

    def __init__(self, gl: Any, evict_after_frames: int = 600) -> None:
        self.gl = gl
        self.evict_after_frames = evict_after_frames
        self.meshes: dict[str, G] = {}
        self.uploads = 0

    def get(self, mesh: M, frame: int) -> G:
        """The GPU copy of ``mesh``, uploaded now if it has none; marked used at ``frame``."""
        gpu = self.meshes.get(mesh.key)
        if gpu is None:
            gpu = self._upload(mesh, frame)
            self.meshes[mesh.key] = gpu
        gpu.last_used = frame
        return gpu

    def preload(self, meshes: Sequence[M], frame: int, budget: UploadBudget) -> bool:
        """Upload those of ``meshes`` not on the GPU yet that ``budget`` allows; True when
        all of them are there now."""
        complete = True
        for mesh in meshes:
            gpu = self.meshes.get(mesh.key)
            if gpu is not None:
                gpu.last_used = frame
                continue
            size = self._bytes(mesh)
            if not budget.allows(size):
                complete = False
                continue
            self.meshes[mesh.key] = self._upload(mesh, frame)
            budget.spend(size)
        return complete

    def evict(self, frame: int) -> list[str]:
        """Free meshes not drawn in the last ``evict_after_frames`` frames; return their keys."""
        old = [k for k, g in self.meshes.items() if frame - g.last_used > self.evict_after_frames]
        for key in old:
            self._free(self.meshes.pop(key))
        return old

    def free_all(self) -> None:
        for gpu in self.meshes.values():
            self._free(gpu)
        self.meshes.clear()

    @abstractmethod
    def _bytes(self, mesh: M) -> int:
        """What uploading ``mesh`` puts on the GPU, in bytes."""

    @abstractmethod
    def _upload(self, mesh: M, frame: int) -> G:
        """Put ``mesh`` on the GPU (first used at ``frame``)."""

    @abstractmethod
    def _free(self, gpu: G) -> None:
        """Give back what ``gpu`` holds on the GPU."""
