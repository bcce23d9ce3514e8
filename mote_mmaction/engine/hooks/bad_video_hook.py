# Copyright (c) OpenMMLab. All rights reserved.
import glob
import os
import os.path as osp
from typing import Dict, List, Optional, Set, Tuple

from mmaction.registry import HOOKS
from mmengine.dist import all_gather_object, get_rank, is_main_process
from mmengine.hooks import Hook

Record = Tuple[str, str]


def _video_datasets(dataset) -> list:
    """``MoTEVideoDataset``-like datasets in ``dataset``, looking through
    wrappers (``.dataset``, ``.datasets``)."""
    if dataset is None:
        return []
    if hasattr(dataset, 'bad_video_dir'):
        return [dataset]
    found = []
    inner = getattr(dataset, 'dataset', None)
    if inner is not None and inner is not dataset:
        found += _video_datasets(inner)
    for inner in getattr(dataset, 'datasets', None) or []:
        found += _video_datasets(inner)
    return found


@HOOKS.register_module()
class MoTEBadVideoReportHook(Hook):
    """Report unreadable videos: during and after each training epoch, and
    next to the val/test metrics.

    Training. :class:`MoTEVideoDataset` replaces a sample that fails to
    load. Dataloader workers are separate processes, so the dataset
    appends each failure (``file<TAB>reason``) to
    ``<work_dir>/bad_videos/rank<r>/pid<p>.tsv`` (one file per process:
    appends never interleave, and with ``persistent_workers`` the same
    file simply grows). This hook points the training dataset(s) there in
    ``before_train`` (before any worker starts) and reads only the bytes
    added since its last read, so records left by an earlier run in the
    same ``work_dir`` are not counted again. Every ``interval``
    iterations it logs the newly seen files of its own rank, and at the
    end of each epoch it gathers the epoch's records of all ranks
    (``mmengine.dist.all_gather_object``), logs each file not logged yet
    once with its reason, and logs the epoch's counts: failed loads
    (replaced samples) and distinct files. The history is kept in the
    message hub as info ``bad_videos`` (saved in checkpoints): a list of
    ``dict(epoch, failed_loads, files, new_files)``. Iteration-based
    loops get the totals once, after training.

    Val/test. With ``skip_bad_videos=True`` the dataset leaves unreadable
    videos out when it is built; this hook logs them next to the metrics,
    adds ``excluded_videos`` (their count) to the metrics and writes the
    whole list to ``<work_dir>/excluded_videos_<val|test>.tsv``.

    Args:
        interval (int): Iterations between reads of this rank's records
            during an epoch (no communication). Defaults to 50.
        max_listed (int): Most file names put in one log message; the
            rest are counted. Defaults to 50.
    """

    priority = 'NORMAL'

    def __init__(self, interval: int = 50, max_listed: int = 50) -> None:
        self.interval = interval
        self.max_listed = max_listed
        self._dir: Optional[str] = None
        self._offsets: Dict[str, int] = {}
        self._epoch_records: List[Record] = []
        self._run_records = 0
        self._logged: Set[str] = set()
        self._run_files: Set[str] = set()
        self._epoch_based = False

    # ------------------------------------------------------------------
    # training
    def before_train(self, runner) -> None:
        loader = runner.train_dataloader
        datasets = _video_datasets(getattr(loader, 'dataset', None))
        if not datasets:
            return
        self._dir = osp.join(runner.work_dir, 'bad_videos',
                             f'rank{get_rank()}')
        os.makedirs(self._dir, exist_ok=True)
        # start after what an earlier run in this work_dir left
        self._offsets = {
            p: osp.getsize(p)
            for p in glob.glob(osp.join(self._dir, '*.tsv'))
        }
        for dataset in datasets:
            # set before the dataloader workers start, so they inherit it
            dataset.bad_video_dir = self._dir

    def _read_new(self) -> List[Record]:
        """Complete lines appended to this rank's record files since the
        last read."""
        records = []
        for path in sorted(glob.glob(osp.join(self._dir, '*.tsv'))):
            with open(path, 'rb') as f:
                f.seek(self._offsets.get(path, 0))
                chunk = f.read()
            end = chunk.rfind(b'\n') + 1  # a line being written waits
            self._offsets[path] = self._offsets.get(path, 0) + end
            for line in chunk[:end].decode('utf-8', 'replace').splitlines():
                name, _, reason = line.partition('\t')
                records.append((name, reason))
        return records

    def _log_files(self, runner, records: List[Record], when: str) -> None:
        new: Dict[str, str] = {}
        for name, reason in records:
            if name not in self._logged and name not in new:
                new[name] = reason
        self._logged.update(new)
        items = list(new.items())
        for name, reason in items[:self.max_listed]:
            runner.logger.warning(
                f'unreadable video {name}: {reason} ({when}; replaced by '
                'random other samples whenever drawn)')
        if len(items) > self.max_listed:
            runner.logger.warning(
                f'... and {len(items) - self.max_listed} more unreadable '
                f'videos, all listed in {osp.dirname(self._dir)}')

    def after_train_iter(self,
                         runner,
                         batch_idx: int,
                         data_batch=None,
                         outputs=None) -> None:
        if self._dir is None or not self.every_n_train_iters(
                runner, self.interval):
            return
        records = self._read_new()
        self._epoch_records.extend(records)
        self._log_files(runner, records, f'iteration {runner.iter + 1}')

    def _gather_epoch(self) -> List[Record]:
        self._epoch_records.extend(self._read_new())
        gathered = all_gather_object(self._epoch_records)
        self._epoch_records = []
        return [r for part in gathered for r in part]

    def after_train_epoch(self, runner) -> None:
        if self._dir is None:
            return
        self._epoch_based = True
        records = self._gather_epoch()
        files = {name for name, _ in records}
        new_files = files - self._run_files
        self._run_files |= files
        self._run_records += len(records)
        self._log_files(runner, records, f'epoch {runner.epoch + 1}')
        history = list(runner.message_hub.get_info('bad_videos') or [])
        history.append(
            dict(
                epoch=runner.epoch + 1,
                failed_loads=len(records),
                files=len(files),
                new_files=len(new_files)))
        runner.message_hub.update_info('bad_videos', history)
        if records or self._run_files:
            runner.logger.warning(
                f'Epoch(train) [{runner.epoch + 1}]: {len(files)} unreadable '
                f'training videos, {len(records)} failed loads replaced by '
                f'random samples ({len(new_files)} files new this epoch, '
                f'{len(self._run_files)} in this run); records in '
                f'{osp.dirname(self._dir)}')

    def after_train(self, runner) -> None:
        # iteration-based loops have no epoch end: report the whole run
        if self._dir is None or self._epoch_based:
            return
        records = self._gather_epoch()
        self._run_files |= {name for name, _ in records}
        self._run_records += len(records)
        self._log_files(runner, records, 'training')
        runner.message_hub.update_info('bad_videos', [
            dict(
                epoch=None,
                failed_loads=self._run_records,
                files=len(self._run_files),
                new_files=len(self._run_files))
        ])
        if self._run_records:
            runner.logger.warning(
                f'training: {len(self._run_files)} unreadable videos, '
                f'{self._run_records} failed loads replaced by random '
                f'samples; records in {osp.dirname(self._dir)}')

    # ------------------------------------------------------------------
    # val / test
    def _report_excluded(self, runner, loader, metrics, mode) -> None:
        datasets = [
            d for d in _video_datasets(getattr(loader, 'dataset', None))
            if getattr(d, 'skip_bad_videos', False)
        ]
        if not datasets:
            return
        excluded = [row for d in datasets for row in d.excluded]
        if metrics is not None:
            metrics['excluded_videos'] = len(excluded)
        runner.message_hub.update_scalar(f'{mode}/excluded_videos',
                                         len(excluded))
        if not excluded:
            runner.logger.info(f'{mode}: no videos excluded (all readable)')
            return
        out = osp.join(runner.work_dir, f'excluded_videos_{mode}.tsv')
        if is_main_process():
            with open(out, 'w', encoding='utf-8') as f:
                f.writelines(f'{p}\t{r}\n' for p, r in excluded)
        listed = '; '.join(f'{p} ({r})' for p, r in excluded[:self.max_listed])
        more = len(excluded) - self.max_listed
        runner.logger.warning(
            f'{mode}: {len(excluded)} unreadable videos were excluded from '
            f'the metrics (excluded_videos={len(excluded)}, list in {out}): ' +
            listed + (f'; ... ({more} more)' if more > 0 else ''))

    def after_val_epoch(self, runner, metrics=None) -> None:
        self._report_excluded(runner, runner.val_dataloader, metrics, 'val')

    def after_test_epoch(self, runner, metrics=None) -> None:
        self._report_excluded(runner, runner.test_dataloader, metrics, 'test')
