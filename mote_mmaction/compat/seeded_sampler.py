# Copyright (c) OpenMMLab. All rights reserved.
from typing import Iterator, Optional, Sized

from mmaction.registry import DATA_SAMPLERS
from mmengine.dataset import DefaultSampler

from .sample_seed import SeededIndex, sample_seed


@DATA_SAMPLERS.register_module()
class MoTESeededSampler(DefaultSampler):
    """``DefaultSampler`` whose indices carry their sample's seed, and
    that can start an epoch part-way through.

    * Each index is a :class:`~mote_mmaction.datasets.sample_seed.SeededIndex`
      seeded from ``(seed, epoch, index, rank)``
      (:func:`~mote_mmaction.datasets.sample_seed.sample_seed`).
      :class:`MoTEVideoDataset` runs the pipeline under that seed, so a
      sample's augmentation does not depend on which worker loads it, on
      ``num_workers``, or on whether workers persist across epochs: a
      resumed run draws what the uninterrupted one drew.
    * :meth:`set_start` skips the samples of one epoch that a checkpoint
      saved mid-epoch already trained on (:class:`MoTEResumeHook` calls
      it), so a resumed epoch runs only its remaining iterations.

    Order, round-up and rank split are ``DefaultSampler``'s.

    Args:
        dataset (Sized): The dataset.
        shuffle (bool): Shuffle each epoch. Defaults to True.
        seed (int, optional): Seed of the order and of the per-sample
            seeds; the Runner passes the run's seed. Defaults to None
            (synchronised random seed).
        round_up (bool): Pad to a multiple of the world size. Defaults to
            True.
    """

    def __init__(self,
                 dataset: Sized,
                 shuffle: bool = True,
                 seed: Optional[int] = None,
                 round_up: bool = True) -> None:
        super().__init__(dataset, shuffle=shuffle, seed=seed,
                         round_up=round_up)
        self._start_epoch = -1
        self._start = 0

    def set_start(self, epoch: int, start: int) -> None:
        """Begin ``epoch`` at this rank's ``start``-th sample; other epochs
        are whole.

        Args:
            epoch (int): The epoch (as in :meth:`set_epoch`) to shorten.
            start (int): Samples of this rank already consumed in it, in
                ``[0, len(self)]`` (for the whole epoch).
        """
        if not 0 <= start <= self.num_samples:
            raise ValueError(
                f'{type(self).__name__}.set_start: start={start} is outside '
                f'[0, {self.num_samples}] (samples of this rank per epoch)')
        self._start_epoch, self._start = int(epoch), int(start)

    def _offset(self) -> int:
        return self._start if self.epoch == self._start_epoch else 0

    def __iter__(self) -> Iterator[int]:
        """Yield this rank's indices of the epoch, seeded, from the start
        offset on."""
        indices = list(super().__iter__())[self._offset():]
        # lazily: drawing a whole epoch's seeds up front delays batch 1
        return (SeededIndex(i, sample_seed(self.seed, self.epoch, i,
                                           self.rank)) for i in indices)

    def __len__(self) -> int:
        """Samples of this rank in the current epoch (after the start
        offset)."""
        return self.num_samples - self._offset()
