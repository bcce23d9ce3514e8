# Copyright (c) OpenMMLab. All rights reserved.
import os
import os.path as osp
from typing import Callable, List, Optional, Set, Tuple, Union

from mmaction.datasets import VideoDataset
from mmaction.registry import DATASETS
from mmengine.dist import get_rank
from mmengine.logging import MMLogger

from ..utils.class_names import describe_class_names, load_class_names
from .video_check import find_bad_videos


class VideoLoadError(RuntimeError):
    """A video could not be loaded where substitution is not allowed."""


def _fill_split(value, split):
    """Format ``{split}`` in a string (or a dict of strings)."""
    if split is None:
        return value
    if isinstance(value, str):
        return value.format(split=split)
    if isinstance(value, dict):
        return {k: _fill_split(v, split) for k, v in value.items()}
    return value


@DATASETS.register_module()
class MoTEVideoDataset(VideoDataset):
    """``VideoDataset`` that knows its class names, its split, and what to
    do with videos that fail to load.

    The class names become ``metainfo['classes']``, which
    :class:`MoTEVocabularyHook` hands to the model, so a dataset brings its
    own vocabulary (zero-shot). ``{split}`` in ``ann_file``,
    ``data_prefix`` and ``class_names`` is filled from ``split``, so one
    config variable (``--cfg-options test_dataloader.dataset.split=2``)
    selects a split. Labels are checked against the class count.

    Bad videos (missing, empty, truncated, not a video):

    * training: the sample is replaced by a random other one, at most
      ``max_refetch`` times in a row; each failure is recorded for
      :class:`MoTEBadVideoReportHook` (counts per epoch, each file logged
      once with its reason);
    * val/test: never substituted. By default loading stops with
      :class:`VideoLoadError` naming the file. With
      ``skip_bad_videos=True`` the list is scanned when the dataset is
      built and unreadable videos are excluded; :attr:`excluded` holds
      them and the report hook puts their count beside the metrics.

    Args:
        ann_file (str): Video list, ``path label`` per line.
        pipeline (list): Transforms.
        class_names (str | list[str], optional): Class-name file or list
            (see :func:`mote_mmaction.utils.load_class_names`).
        split (int | str, optional): Fills ``{split}`` placeholders.
        max_refetch (int): Training retries after a failed sample.
            Defaults to 10.
        skip_bad_videos (bool): Val/test only: exclude unreadable videos
            (reported) instead of stopping. Defaults to False.
        scan_workers (int): Threads of that scan. Defaults to 8.
        **kwargs: Other ``VideoDataset`` arguments.
    """

    def __init__(self,
                 ann_file: str,
                 pipeline: List[Union[dict, Callable]],
                 class_names: Optional[Union[str, List[str]]] = None,
                 split: Optional[Union[int, str]] = None,
                 data_prefix: dict = dict(video=''),
                 max_refetch: int = 10,
                 skip_bad_videos: bool = False,
                 scan_workers: int = 8,
                 **kwargs) -> None:
        self.split = split
        self.skip_bad_videos = skip_bad_videos
        self.scan_workers = scan_workers
        self.excluded: List[Tuple[str, str]] = []
        # Where training failures are appended (set by the report hook).
        self.bad_video_dir: Optional[str] = None
        self._reported: Set[str] = set()
        class_names = _fill_split(class_names, split)
        metainfo = dict(kwargs.pop('metainfo', None) or {})
        if class_names is not None:
            metainfo['classes'] = tuple(load_class_names(class_names))
        self.classes_source = describe_class_names(class_names) \
            if class_names is not None else ''
        super().__init__(
            _fill_split(ann_file, split),
            pipeline=pipeline,
            data_prefix=_fill_split(data_prefix, split),
            metainfo=metainfo,
            max_refetch=max_refetch,
            **kwargs)

    def load_data_list(self) -> List[dict]:
        """Read the list, check every label against the class count, and
        (opt-in, val/test) exclude unreadable videos."""
        data_list = super().load_data_list()
        classes = self._metainfo.get('classes')
        num = len(classes) if classes else self.num_classes
        if num and not self.multi_class:
            for i, info in enumerate(data_list):
                label = info['label']
                if label != -1 and not 0 <= label < num:
                    raise ValueError(
                        f'{self.ann_file} line {i + 1}: label {label} is out '
                        f'of range for {num} classes '
                        f'({self.classes_source}).')
        if self.skip_bad_videos and self.test_mode:
            bad = find_bad_videos((d['filename'] for d in data_list),
                                  self.scan_workers)
            self.excluded = bad
            if bad:
                names = {p for p, _ in bad}
                data_list = [d for d in data_list
                             if d['filename'] not in names]
                MMLogger.get_current_instance().warning(
                    f'{self.ann_file}: excluded {len(bad)} unreadable '
                    'videos from evaluation: ' + '; '.join(
                        f'{p} ({r})' for p, r in bad[:20]) +
                    (' ...' if len(bad) > 20 else ''))
        return data_list

    @property
    def classes(self) -> Optional[tuple]:
        """Class names, or ``None`` when not given."""
        return self._metainfo.get('classes')

    def _record_bad(self, filename: str, reason: str) -> None:
        if self.bad_video_dir is not None:
            os.makedirs(self.bad_video_dir, exist_ok=True)
            path = osp.join(self.bad_video_dir,
                            f'rank{get_rank()}_pid{os.getpid()}.tsv')
            with open(path, 'a') as f:
                f.write(f'{filename}\t{reason}\n')
        if filename not in self._reported:
            self._reported.add(filename)
            MMLogger.get_current_instance().warning(
                f'skipping unreadable training video {filename}: {reason}')

    def __getitem__(self, idx: int) -> dict:
        if not self._fully_initialized:
            self.full_init()
        if self.test_mode:
            try:
                return self.prepare_data(idx)
            except Exception as e:
                filename = self.get_data_info(idx).get('filename', idx)
                raise VideoLoadError(
                    f'cannot load {filename} for evaluation: '
                    f'{type(e).__name__}: {e}. Videos are never substituted '
                    'at val/test; fix or remove it, or set '
                    'skip_bad_videos=True to exclude unreadable videos '
                    '(reported next to the metrics).') from e
        tried = []
        for _ in range(self.max_refetch + 1):
            try:
                data = self.prepare_data(idx)
            except Exception as e:
                filename = self.get_data_info(idx).get('filename', str(idx))
                reason = f'{type(e).__name__}: {str(e).splitlines()[0][:200]}'
                self._record_bad(filename, reason)
                tried.append(f'{filename} ({reason})')
                idx = self._rand_another()
                continue
            if data is None:  # a transform asked for another sample
                idx = self._rand_another()
                continue
            return data
        raise RuntimeError(
            f'{len(tried)} training samples in a row failed to load (max_'
            f'refetch={self.max_refetch}); the last ones: {tried[-3:]}')
