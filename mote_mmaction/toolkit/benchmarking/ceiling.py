# Copyright (c) OpenMMLab. All rights reserved.
"""The decoder's own limit on a file, to set pipeline rates against.

- **ceiling**: PyAV (FFmpeg), one thread, every frame of the file decoded in
  order without colour conversion: frames/s, the fastest a decoder turns
  this file's bitstream into pictures here;
- **GOP frames per clip**: the frames a decoder that decodes every frame
  of a GOP decodes for a clip's sampled frames, from the file's keyframes
  (each sampled frame is reached from the keyframe before it, or by going
  on from the previous sampled frame when that is shorter); and, for
  readers that count (``VideoReader.frames_decoded``: PyAV), the frames
  actually decoded (fewer where unreferenced frames are skipped);
- **ceiling rate** = ceiling / GOP frames per clip: clips/s of a pipeline
  that did nothing but decode those frames, at full speed;
- **fraction** = the pipeline's rate / the ceiling rate. A reader that
  skips unreferenced frames can pass 100 %.
"""
import bisect
import statistics
import time
from typing import Callable, Dict, List, Optional, Sequence

import numpy as np


def keyframe_ranks(path: str) -> Optional[List[int]]:
    """Presentation indices of the keyframes of ``path``'s video stream.

    Returns:
        list[int] | None: Sorted indices, or ``None`` where the packets'
        timestamps do not name the frames (then the cost model is unknown).
    """
    import av
    with av.open(path) as container:
        stream = container.streams.video[0]
        packets = [(p.pts, p.is_keyframe)
                   for p in container.demux(stream) if p.size > 0]
    pts = [p for p, _ in packets]
    if not packets or None in pts or len(set(pts)) != len(pts):
        return None
    rank = {p: i for i, p in enumerate(sorted(pts))}
    return sorted(rank[p] for p, key in packets if key)


def file_keyframes(files: Sequence[str]) -> Dict[str, Optional[list]]:
    """file -> keyframe indices (``None`` where PyAV cannot tell)."""
    out = {}
    for f in files:
        try:
            out[f] = keyframe_ranks(f)
        except Exception:  # noqa: BLE001  no cost model for this file
            out[f] = None
    return out


def min_frames_to_decode(indices: Sequence[int],
                         key_ranks: Sequence[int]) -> int:
    """The frames decoded to get the frames at ``indices`` when every frame
    from a keyframe on is decoded.

    Frame ``i`` costs ``i - start + 1`` frames, where ``start`` is the
    later of the keyframe at or before ``i`` and the frame after the last
    one decoded (going on from there when that is shorter than restarting
    at the keyframe).

    Args:
        indices (Sequence[int]): Frame indices (any order, repeats allowed).
        key_ranks (Sequence[int]): Sorted keyframe indices, starting at 0.

    Returns:
        int: Frames decoded.
    """
    total, last = 0, -1
    for i in sorted(set(int(v) for v in indices)):
        pos = bisect.bisect_right(key_ranks, i) - 1
        key = key_ranks[pos] if pos >= 0 else 0
        start = max(key, last + 1)
        total += i - start + 1
        last = i
    return total


def decode_all(path: str) -> int:
    """Decode every frame of ``path`` with PyAV, one thread, no colour
    conversion; returns the frame count."""
    import av
    with av.open(path) as container:
        stream = container.streams.video[0]
        stream.codec_context.thread_count = 1
        return sum(1 for _ in container.decode(stream))


def time_ceiling(files: Sequence[str]) -> float:
    """Frames/s of :func:`decode_all` over ``files`` (one pass)."""
    start = time.perf_counter()
    frames = sum(decode_all(p) for p in files)
    return frames / (time.perf_counter() - start)


class DecodeProbe:
    """Records what each clip asked of the decoder: wraps the decode step
    (``MoTEVideoDecode``, ``DecordDecode``) of a built pipeline.

    Each record is ``dict(file, indices, decoded)``: the sorted unique
    frame indices decoded and the reader's ``frames_decoded`` (``None``
    for readers that do not count, e.g. decord).
    """

    DECODE_TYPES = ('MoTEVideoDecode', 'DecordDecode', 'PyAVDecode',
                    'OpenCVDecode')

    def __init__(self) -> None:
        self.records: List[Dict] = []
        self.enabled = True

    def attach(self, dataset) -> 'DecodeProbe':
        """Wrap the decode transform of ``dataset.pipeline``."""
        for t in dataset.pipeline.transforms:
            if type(t).__name__ in self.DECODE_TYPES:
                t.transform = self._wrap(t.transform)
                return self
        raise ValueError('no decode step in the pipeline')

    def _wrap(self, fn: Callable) -> Callable:

        def transform(results: dict) -> dict:
            reader = results.get('video_reader')
            before = getattr(reader, 'frames_decoded', None)
            out = fn(results)
            if self.enabled:
                after = getattr(reader, 'frames_decoded', None)
                self.records.append(dict(
                    file=results.get('filename'),
                    indices=np.unique(out['frame_inds']).tolist(),
                    decoded=None if after is None else after - before))
            return out

        return transform


def ceiling_fields(rates: Sequence[float], records: Sequence[Dict],
                   keys: Dict[str, Optional[List[int]]],
                   ceilings: Sequence[float], views: int = 1) -> Dict:
    """The ceiling columns of one pipeline row.

    Args:
        rates (Sequence[float]): The row's per-repeat clips/s.
        records (Sequence[Dict]): :class:`DecodeProbe` records of the row.
        keys (dict): File -> :func:`keyframe_ranks`.
        ceilings (Sequence[float]): Per-repeat ceilings (frames/s) of the
            row's files.
        views (int): Views per clip (rates of test rows are views/s).

    Returns:
        dict: ``ceiling_frames_per_s``, ``gop_frames_per_clip``,
        ``decoded_frames_per_clip`` (``None`` where the reader does not
        count), ``ceiling_rate`` (same unit as the row) and
        ``fraction_of_ceiling``.
    """
    need = [min_frames_to_decode(r['indices'], keys[r['file']])
            for r in records if keys.get(r['file'])]
    decoded = [r['decoded'] for r in records if r['decoded'] is not None]
    ceiling = statistics.median(ceilings)
    out = dict(ceiling_frames_per_s=ceiling,
               gop_frames_per_clip=float(np.mean(need)) if need else None,
               decoded_frames_per_clip=float(np.mean(decoded))
               if decoded else None,
               ceiling_rate=None, fraction_of_ceiling=None)
    if need:
        out['ceiling_rate'] = ceiling / out['gop_frames_per_clip'] * views
        out['fraction_of_ceiling'] = statistics.median(rates) * views / \
            out['ceiling_rate']
    return out
