# Copyright (c) OpenMMLab. All rights reserved.
"""Find videos that cannot be decoded (missing, empty, truncated, not a
video), with the reason.

Shared by :class:`MoTEVideoDataset` (the opt-in val/test pre-scan) and
``tools/data/check_videos.py``.
"""
import multiprocessing
import os.path as osp
import re
from concurrent.futures import ThreadPoolExecutor
from typing import Callable, Iterable, List, Optional, Tuple

import numpy as np

from ..compat.atomic_io import atomic_write

#: Reason given for a video whose check did not return in time or whose
#: checking process died (decoder crash), see :func:`find_bad_videos`.
CRASH_REASON = 'decoder crashed or timed out'

# decord's log prefix: ``[21:10:18] /path/to/video_reader.cc:151: ``,
# repeated when decord re-raises an error of its decoding thread
_DECORD_PREFIX = re.compile(r'^(\[[\d:]+\] \S+:\d+: )+(Check failed: )?')


def short_reason(error: BaseException, limit: int = 200) -> str:
    """``Type: first line of the message`` of an exception, on one line.

    Decord errors carry multi-line C++ traces; only the first line is kept,
    and tabs are replaced, so reasons fit ``path<TAB>reason`` files.
    """
    text = str(error).strip().splitlines()
    first = _DECORD_PREFIX.sub('', text[0]) if text else ''
    reason = f'{type(error).__name__}: {first}' if first else \
        type(error).__name__
    return reason.replace('\t', ' ')[:limit]


def resolve_video_path(path: str) -> str:
    """The file MMAction2's ``DecordInit`` opens for ``path``: ``.mp4`` is
    appended to a path without an extension."""
    return path if osp.splitext(path)[1] else path + '.mp4'


def check_video(path: str,
                num_frames: int = 3,
                decoder: str = 'decord') -> Optional[str]:
    """Why ``path`` cannot be used for training or testing, or ``None`` if
    it decodes.

    The file is opened with ``decoder`` (decord, the reader of MMAction2's
    ``DecordInit``, by default; the backends of ``MoTEVideoInit``) and
    ``num_frames`` evenly spaced frames, always
    including the first and the last, are decoded, so files truncated
    after a readable header are caught too.

    Args:
        path (str): Video file (``.mp4`` is appended when it has no
            extension, as ``DecordInit`` does).
        num_frames (int): Frames to decode; 1 decodes only the first,
            3 the first, middle and last. Defaults to 3.
        decoder (str): ``'decord'``, ``'torchcodec'`` or ``'pyav'`` (see
            :mod:`mote_mmaction.datasets.transforms.video_readers`).
            Defaults to ``'decord'``.

    Returns:
        str | None: A one-line reason that starts with its category
        (``missing file``, ``empty file``, ``not a regular file``,
        ``cannot open``, ``no frames``, ``cannot decode``), or ``None``.
    """
    path = resolve_video_path(path)
    if not osp.exists(path):
        return 'missing file'
    if not osp.isfile(path):
        return 'not a regular file'
    if osp.getsize(path) == 0:
        return 'empty file (0 bytes)'
    from .transforms.video_readers import open_video
    try:
        reader = open_video(path, decoder, num_threads=1)
        total = len(reader)
    except ImportError:  # not the video's fault: fail loudly
        raise
    except Exception as e:  # decoders raise several types
        return f'cannot open: {short_reason(e)}'
    if total <= 0:
        return 'no frames'
    count = max(1, min(num_frames, total))
    if count == 1:
        probes = [0]
    else:
        probes = sorted(
            {round(i * (total - 1) / (count - 1))
             for i in range(count)})
    try:
        frames = reader.read(np.array(probes))
    except Exception as e:
        return f'cannot decode frames {probes} of {total}: {short_reason(e)}'
    if frames.shape[0] != len(probes) or frames.size == 0:
        return (f'cannot decode frames {probes} of {total}: got '
                f'{frames.shape[0]} frames')
    return None


def _check_one(args: Tuple[str, int, str]) -> Optional[str]:
    path, num_frames, decoder = args
    if decoder == 'decord':  # the default: the two-argument call
        return check_video(path, num_frames)
    return check_video(path, num_frames, decoder=decoder)


def find_bad_videos(
    paths: Iterable[str],
    workers: int = 8,
    num_frames: int = 3,
    backend: str = 'thread',
    timeout: Optional[float] = 120.,
    progress: Optional[Callable[[int, int], None]] = None,
    decoder: str = 'decord'
) -> List[Tuple[str, str]]:
    """``(path, reason)`` of every path :func:`check_video` rejects, in
    input order.

    Args:
        paths (Iterable[str]): Video files.
        workers (int): Parallel checks. Defaults to 8.
        num_frames (int): See :func:`check_video`. Defaults to 3.
        backend (str): ``'thread'`` (cheap to start; used by the dataset's
            pre-scan) or ``'process'`` (a ``multiprocessing`` pool: a
            decoder that crashes or hangs costs one check, not the run;
            used by ``tools/data/check_videos.py``). Defaults to
            ``'thread'``.
        timeout (float, optional): ``'process'`` only: seconds a check may
            take, counted from when its turn to be collected comes (so
            every check gets at least this long); past it the video is
            reported as :data:`CRASH_REASON`. ``None`` waits forever.
            Defaults to 120.
        progress (callable, optional): Called as ``progress(done, total)``
            after each collected result.
        decoder (str): See :func:`check_video`. Defaults to ``'decord'``.

    Returns:
        list[tuple[str, str]]: The bad videos with their reasons.
    """
    paths = list(paths)
    workers = max(int(workers), 1)
    total = len(paths)
    reasons: List[Optional[str]] = []
    if backend == 'thread':
        with ThreadPoolExecutor(workers) as pool:
            for reason in pool.map(_check_one,
                                   [(p, num_frames, decoder) for p in paths]):
                reasons.append(reason)
                if progress is not None:
                    progress(len(reasons), total)
    elif backend == 'process':
        pool = multiprocessing.Pool(workers)
        try:
            # apply_async per video: a worker that dies (segfault in the
            # decoder) is replaced by the pool and only its own result is
            # lost, which the timeout turns into a reason.
            jobs = [
                pool.apply_async(_check_one, ((p, num_frames, decoder), ))
                for p in paths
            ]
            for path, job in zip(paths, jobs):
                try:
                    reasons.append(job.get(timeout))
                except multiprocessing.TimeoutError:
                    reasons.append(f'{CRASH_REASON} (no result after '
                                   f'{timeout:g} s)')
                if progress is not None:
                    progress(len(reasons), total)
        finally:
            pool.terminate()
            pool.join()
    else:
        raise ValueError(f"backend must be 'thread' or 'process', got "
                         f'{backend!r}')
    return [(p, r) for p, r in zip(paths, reasons) if r is not None]


def read_bad_video_list(path: str) -> List[Tuple[str, str]]:
    """Read a ``path<TAB>reason`` list (``tools/data/check_videos.py
    --out``); lines without a tab have an empty reason."""
    if not osp.isfile(path):
        raise FileNotFoundError(f'bad-video list not found: {path}')
    rows = []
    with open(path, encoding='utf-8') as f:
        for line in f:
            line = line.rstrip('\n')
            if not line.strip() or line.startswith('#'):
                continue
            name, _, reason = line.partition('\t')
            rows.append((name, reason or 'listed as bad'))
    return rows


def write_bad_video_list(path: str, rows: Iterable[Tuple[str, str]]) -> None:
    """Write ``path<TAB>reason`` lines (read by
    :func:`read_bad_video_list`) atomically: an evaluation never reads
    half a list; its directory is created."""
    with atomic_write(path, 'w', encoding='utf-8') as f:
        for name, reason in rows:
            f.write(f'{name}\t{reason}\n')
