# Copyright (c) OpenMMLab. All rights reserved.
"""The config's data pipelines over benchmark videos, shared by the data
mode (:mod:`.data`) and the decoder comparison (:mod:`.decoders`)."""
import contextlib
import os
import resource
import shutil
import tempfile
from typing import Dict, Iterator, List, Sequence, Tuple

from mmaction.registry import DATASETS


def pipeline_of(cfg, split: str) -> List[dict]:
    """The pipeline of ``<split>_dataloader`` (or of ``<split>_pipeline``)."""
    loader = cfg.get(f'{split}_dataloader')
    if loader is not None and 'pipeline' in loader.get('dataset', {}):
        return list(loader.dataset.pipeline)
    return list(cfg.get(f'{split}_pipeline', []))


def pipelines_by_set(cfg, splits: Sequence[str], sets: Dict[str, Dict]
                     ) -> Iterator[Tuple[str, List[dict], str, Dict]]:
    """``(split, pipeline, set name, set)`` for each split of ``splits``
    with a pipeline in ``cfg``, and each video set of ``sets``."""
    for split in splits:
        pipeline = pipeline_of(cfg, split)
        if pipeline:
            for name, info in sets.items():
                yield split, pipeline, name, info


@contextlib.contextmanager
def video_folder(args) -> Iterator[str]:
    """Where generated videos go: ``--video-dir`` (kept), else a temporary
    folder removed afterwards; ``''`` with ``--ann-file`` (given videos)."""
    if args.video_dir is not None or args.ann_file:
        yield args.video_dir or ''
        return
    tmp = tempfile.mkdtemp(prefix='mote_bench_videos_')
    try:
        yield tmp
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def video_datasets(files: Sequence[str], pipelines: Dict[str, List[dict]],
                   test_mode: bool) -> Dict[str, object]:
    """One MMAction2 ``VideoDataset`` over ``files`` (all label 0) per
    pipeline, built from one temporary list that is removed afterwards.

    Args:
        files (Sequence[str]): Video paths.
        pipelines (dict[str, list[dict]]): Pipelines by name; each is used
            as given (callers copy what they reuse).
        test_mode (bool): The datasets' ``test_mode``.

    Returns:
        dict[str, VideoDataset]: The datasets, by pipeline name.
    """
    ann = tempfile.NamedTemporaryFile('w', suffix='.txt', delete=False)
    try:
        ann.write(''.join(f'{p} 0\n' for p in files))
        ann.close()
        return {
            name: DATASETS.build(
                dict(type='VideoDataset', ann_file=ann.name,
                     data_prefix=dict(video=''), pipeline=pipeline,
                     test_mode=test_mode))
            for name, pipeline in pipelines.items()
        }
    finally:
        ann.close()
        os.unlink(ann.name)


def cpu_only_fields() -> Dict:
    """The fields of a data-mode result that only a model run fills (the
    CLI sets ``grad_ckpt``, ``merged`` and ``compile``), and the process's
    peak memory."""
    return dict(
        batch=1, amp_dtype='n/a',
        peak_mem_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss /
        1024,
        mem_method='ru_maxrss of the process (CPU)')
