"""GPU copies of meshes by key: uploaded the first time a frame draws them, freed once
no frame has drawn them for a while. The plain and the skinned mesh caches both keep
theirs this way; each says how its kind is uploaded and freed."""

from __future__ import annotations

from typing import Any, Generic, Protocol, TypeVar


class _Keyed(Protocol):
    @property
    def key(self) -> str: ...


class _Used(Protocol):
    last_used: int


M = TypeVar("M", bound=_Keyed)
G = TypeVar("G", bound=_Used)


class GpuStore(Generic[M, G]):
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

    def _upload(self, mesh: M, frame: int) -> G:
        raise NotImplementedError

    def _free(self, gpu: G) -> None:
        raise NotImplementedError
