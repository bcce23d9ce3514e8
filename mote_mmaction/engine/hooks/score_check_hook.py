# Copyright (c) OpenMMLab. All rights reserved.
from typing import List, Optional, Sequence

import torch
from mmaction.registry import HOOKS
from mmengine.dist import all_gather_object
from mmengine.hooks import Hook

from ._utils import ensure_default_hook


class NonFiniteScoreError(FloatingPointError):
    """Val/test produced NaN or infinite class scores."""


class ScoreChecker:
    """Counts the videos of one val/test pass whose class scores are not
    finite and names the first ones; shared by :class:`MoTEScoreCheckHook`
    (the runner's val/test loops) and the loops that hooks and tools run
    themselves (``MoTEZeroShotEvalHook``).

    Call :meth:`start` with the pass's dataloader, :meth:`check` with each
    batch's outputs and :meth:`finish` at the end: it gathers the counts of
    all ranks and raises :class:`NonFiniteScoreError` if any score was not
    finite.

    Args:
        max_listed (int): Video names in the message. Defaults to 5.
    """

    def __init__(self, max_listed: int = 5) -> None:
        self.max_listed = max_listed
        self._count = 0
        self._names: List[str] = []
        self._order: Optional[list] = None
        self._batch_size = 1
        self._dataset = None

    def start(self, loader) -> None:
        """Reset for a pass over ``loader`` (a ``DataLoader``)."""
        self._count, self._names = 0, []
        self._dataset = getattr(loader, 'dataset', None)
        self._batch_size = getattr(loader, 'batch_size', None) or 1
        sampler = getattr(loader, 'sampler', None)
        try:  # the dataset index of each position this rank sees
            self._order = list(iter(sampler)) if sampler is not None else None
        except TypeError:
            self._order = None

    def _name(self, batch_idx: int, j: int, sample) -> str:
        meta = getattr(sample, 'metainfo', {}) or {}
        if meta.get('filename'):
            return str(meta['filename'])
        pos = batch_idx * self._batch_size + j
        if self._order is not None and pos < len(self._order):
            idx = self._order[pos]
            try:
                return str(self._dataset.get_data_info(idx)['filename'])
            except Exception:
                return f'sample {idx}'
        return f'batch {batch_idx} item {j}'

    def check(self, batch_idx: int, outputs: Optional[Sequence]) -> None:
        """Count the samples of one batch whose ``pred_score`` is not
        finite."""
        for j, sample in enumerate(outputs or []):
            score = getattr(sample, 'pred_score', None)
            if isinstance(score, torch.Tensor) and \
                    not bool(torch.isfinite(score).all()):
                self._count += 1
                if len(self._names) < self.max_listed:
                    self._names.append(self._name(batch_idx, j, sample))

    def finish(self, mode: str) -> None:
        """Raise :class:`NonFiniteScoreError` if any rank saw a non-finite
        score in this pass (every rank must call it)."""
        parts = all_gather_object((self._count, self._names))
        count = sum(c for c, _ in parts)
        if not count:
            return
        names = [n for _, ns in parts for n in ns][:self.max_listed]
        raise NonFiniteScoreError(
            f'{mode}: {count} videos got NaN/inf class scores (first: '
            f'{", ".join(names)}); no metrics are reported from them. Check '
            'the checkpoint (tools/test.py refuses incomplete ones, but a '
            'diverged run saves NaN weights) and these videos.')


@HOOKS.register_module()
class MoTEScoreCheckHook(Hook):
    """Stop val/test when any video gets NaN/inf class scores, instead of
    printing an accuracy computed from them.

    Each iteration's ``pred_score`` is checked; at the end of the epoch the
    counts of all ranks are gathered and, if any score was not finite,
    :class:`NonFiniteScoreError` names the count and the first videos
    (their dataset file names, found through the sampler's order), before
    ``LoggerHook`` logs the metrics.

    It is a default hook (``default_hooks.score_check`` in
    ``configs/_base_/default_runtime.py``), so ``Runner.val()``,
    ``Runner.test()`` and the tools built on them check every shipped
    config; :func:`ensure_score_check` adds it to configs of other origins
    (``tools/train.py``, ``tools/test.py``,
    ``tools/analysis/zeroshot_eval.py``).

    Args:
        max_listed (int): Video names in the message. Defaults to 5.
    """

    priority = 'ABOVE_NORMAL'

    def __init__(self, max_listed: int = 5) -> None:
        self.checker = ScoreChecker(max_listed)

    def before_val_epoch(self, runner) -> None:
        self.checker.start(runner.val_dataloader)

    def after_val_iter(self, runner, batch_idx, data_batch=None,
                       outputs=None) -> None:
        self.checker.check(batch_idx, outputs)

    def after_val_epoch(self, runner, metrics=None) -> None:
        self.checker.finish('val')

    def before_test_epoch(self, runner) -> None:
        self.checker.start(runner.test_dataloader)

    def after_test_iter(self, runner, batch_idx, data_batch=None,
                        outputs=None) -> None:
        self.checker.check(batch_idx, outputs)

    def after_test_epoch(self, runner, metrics=None) -> None:
        self.checker.finish('test')


def ensure_score_check(cfg) -> None:
    """Add ``MoTEScoreCheckHook`` to a config (``Config`` or dict) that has
    it neither in ``default_hooks`` nor in ``custom_hooks``."""
    ensure_default_hook(cfg, 'score_check', 'MoTEScoreCheckHook')
