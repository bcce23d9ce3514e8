# Copyright (c) OpenMMLab. All rights reserved.
import glob
import os.path as osp
from typing import Dict, Optional, Set

from mmaction.registry import HOOKS
from mmengine.dist import all_gather_object, get_rank
from mmengine.hooks import Hook


def _dataset_of(loader):
    return getattr(loader, 'dataset', None) if loader is not None else None


@HOOKS.register_module()
class MoTEBadVideoReportHook(Hook):
    """Report unreadable videos: per training epoch, and beside the
    val/test metrics.

    Training: :class:`MoTEVideoDataset` replaces a failed sample and appends
    the failure to ``<work_dir>/bad_videos/rank<r>_pid<p>.tsv`` (dataloader
    workers are separate processes, so files are how they report). At each
    epoch end this hook reads the new lines of every rank, logs each newly
    seen file once with its reason and the epoch's failure count, and sets
    ``train/bad_videos``.

    Val/test: with ``skip_bad_videos=True`` the excluded videos are logged
    and their count is added to the metrics as ``excluded_videos``.
    """

    priority = 'NORMAL'

    def __init__(self) -> None:
        self._offsets: Dict[str, int] = {}
        self._seen: Set[str] = set()
        self._dir: Optional[str] = None

    def before_train(self, runner) -> None:
        self._dir = osp.join(runner.work_dir, 'bad_videos')
        dataset = _dataset_of(runner.train_dataloader)
        if hasattr(dataset, 'bad_video_dir'):
            # set before the dataloader workers start, so they inherit it
            dataset.bad_video_dir = self._dir

    def _new_records(self):
        records = []
        pattern = osp.join(self._dir, f'rank{get_rank()}_pid*.tsv')
        for path in sorted(glob.glob(pattern)):
            with open(path) as f:
                f.seek(self._offsets.get(path, 0))
                chunk = f.read()
                self._offsets[path] = f.tell()
            for line in chunk.splitlines():
                name, _, reason = line.partition('\t')
                records.append((name, reason))
        return records

    def after_train_epoch(self, runner) -> None:
        if self._dir is None:
            return
        records = [r for part in all_gather_object(self._new_records())
                   for r in part]
        for name, reason in records:
            if name not in self._seen:
                self._seen.add(name)
                runner.logger.warning(f'unreadable video {name}: {reason}')
        runner.message_hub.update_scalar('train/bad_videos', len(records))
        runner.logger.info(
            f'epoch {runner.epoch + 1}: {len(records)} unreadable training '
            f'samples replaced ({len(self._seen)} distinct files so far)')

    def _report_excluded(self, runner, loader, metrics, mode) -> None:
        dataset = _dataset_of(loader)
        excluded = getattr(dataset, 'excluded', None)
        if excluded is None or not getattr(dataset, 'skip_bad_videos', False):
            return
        if metrics is not None:
            metrics['excluded_videos'] = len(excluded)
        runner.message_hub.update_scalar(f'{mode}/excluded_videos',
                                         len(excluded))
        runner.logger.warning(
            f'{mode}: {len(excluded)} unreadable videos excluded from the '
            'metrics' + (': ' + '; '.join(f'{p} ({r})' for p, r in excluded)
                         if excluded else ''))

    def after_val_epoch(self, runner, metrics=None) -> None:
        self._report_excluded(runner, runner.val_dataloader, metrics, 'val')

    def after_test_epoch(self, runner, metrics=None) -> None:
        self._report_excluded(runner, runner.test_dataloader, metrics, 'test')
