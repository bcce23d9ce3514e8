# Copyright (c) OpenMMLab. All rights reserved.
"""Find videos that cannot be decoded (missing, empty, truncated, not a
video), with the reason."""
import os.path as osp
from concurrent.futures import ThreadPoolExecutor
from typing import Iterable, List, Optional, Tuple


def check_video(path: str, num_probe_frames: int = 3) -> Optional[str]:
    """Why ``path`` cannot be used, or ``None`` if it decodes.

    Opens the file with decord (as MMAction2's ``DecordInit``) and decodes
    the first, middle and last frames, so truncated files are caught.
    """
    if not osp.exists(path):
        return 'missing file'
    if osp.getsize(path) == 0:
        return 'empty file (0 bytes)'
    try:
        import decord
        reader = decord.VideoReader(path, num_threads=1)
        n = len(reader)
        if n == 0:
            return 'no frames'
        probes = sorted({0, n // 2, n - 1})[:max(num_probe_frames, 1)]
        frames = reader.get_batch(probes).asnumpy()
        if frames.size == 0:
            return 'no decodable frames'
    except Exception as e:  # decord raises several types
        return f'{type(e).__name__}: {str(e).splitlines()[0][:200]}'
    return None


def find_bad_videos(paths: Iterable[str],
                    workers: int = 8) -> List[Tuple[str, str]]:
    """``(path, reason)`` of every path :func:`check_video` rejects, in
    input order; decoding runs in ``workers`` threads."""
    paths = list(paths)
    with ThreadPoolExecutor(max(workers, 1)) as pool:
        reasons = list(pool.map(check_video, paths))
    return [(p, r) for p, r in zip(paths, reasons) if r is not None]
