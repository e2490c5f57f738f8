"""The client's tracked poses: sampled by the render loop, stored in chunks beside the
event log (each chunk's hash in the chain), read back for replay and behaviour measures.

Read a session's samples with ``store.tracking(session_id)`` and ask for the pose at a
moment with :func:`pose_at`.
"""

from vrtherapy.session.tracking.codec import ChunkError, decode_chunk, encode_chunk
from vrtherapy.session.tracking.recorder import (
    CHUNK_S,
    ChunkBuilder,
    EncodedChunk,
    TrackingRecorder,
)
from vrtherapy.session.tracking.samples import (
    IDENTITY,
    SAMPLE_HZ,
    TRACKS,
    Pose,
    PoseSample,
    Quat,
    Track,
    TrackingSamples,
    TrackName,
    Vec3,
    forward,
    pose_at,
    slerp,
)

__all__ = [
    "CHUNK_S",
    "IDENTITY",
    "SAMPLE_HZ",
    "TRACKS",
    "ChunkBuilder",
    "ChunkError",
    "EncodedChunk",
    "Pose",
    "PoseSample",
    "Quat",
    "Track",
    "TrackName",
    "TrackingRecorder",
    "TrackingSamples",
    "Vec3",
    "decode_chunk",
    "encode_chunk",
    "forward",
    "pose_at",
    "slerp",
]
