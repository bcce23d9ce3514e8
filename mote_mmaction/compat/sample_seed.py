# Copyright (c) OpenMMLab. All rights reserved.
"""Per-sample random seeds: augmentation as a function of (sampler seed,
epoch, sample index, rank) rather than of dataloader-worker state.

DataLoader workers keep their own RNG streams, seeded when they start.
With ``persistent_workers=True`` a resumed run starts fresh workers where
the uninterrupted run had workers several epochs into their streams, so
the two draw different crops and flips. A sampler that yields
:class:`SeededIndex` carries the seed of each draw from the main process
(where the epoch is always right) to whichever worker loads it; the
dataset runs the pipeline under :func:`seeded_rng`.
"""
import random
from contextlib import contextmanager
from typing import Iterator

import numpy as np
import torch

_UINT64 = (1 << 64) - 1


class SeededIndex(int):
    """A dataset index that carries the seed of its sample's randomness.

    It is an ``int`` wherever one is expected; datasets that know it
    (:class:`MoTEVideoDataset`) seed the pipeline from :attr:`seed`.

    Args:
        index (int): The dataset index.
        seed (int): Seed of this draw, in ``[0, 2**63)``.
    """

    seed: int

    def __new__(cls, index: int, seed: int) -> 'SeededIndex':
        obj = super().__new__(cls, index)
        obj.seed = int(seed)
        return obj

    def __reduce__(self):
        # to dataloader workers through a pipe: keep the seed
        return (SeededIndex, (int(self), self.seed))

    def __repr__(self) -> str:
        return f'SeededIndex({int(self)}, seed={self.seed})'


def sample_seed(seed: int, epoch: int, index: int, rank: int = 0) -> int:
    """The seed of one draw of sample ``index`` in ``epoch`` on ``rank``.

    Mixed by numpy's ``SeedSequence``, so neighbouring indices, epochs and
    ranks get unrelated streams (``seed + index`` would make sample 1 of
    epoch 0 repeat sample 0 of epoch 1).

    Args:
        seed (int): The sampler's seed (the run's seed).
        epoch (int): Epoch, from 0.
        index (int): Dataset index.
        rank (int): Distributed rank. Defaults to 0.

    Returns:
        int: A seed in ``[0, 2**63)``.
    """
    entropy = [int(v) & _UINT64 for v in (seed, epoch, index, rank)]
    hi, lo = np.random.SeedSequence(entropy).generate_state(2)
    return ((int(hi) << 32) | int(lo)) >> 1


@contextmanager
def seeded_rng(seed: int) -> Iterator[None]:
    """Seed python ``random``, ``numpy.random`` and torch's CPU generator
    from ``seed`` for the body, then put their previous states back.

    Restoring keeps the caller's streams untouched, so loading a sample in
    the main process (``num_workers=0``) does not shift the randomness of
    whatever runs after it.

    Args:
        seed (int): Seed in ``[0, 2**63)`` (:func:`sample_seed`).
    """
    py_state = random.getstate()
    np_state = np.random.get_state()
    torch_state = torch.random.get_rng_state()
    random.seed(seed)
    # numpy's legacy seeding takes 32-bit words
    np.random.seed([seed & 0xFFFFFFFF, seed >> 32])
    # the CPU generator only: torch.manual_seed would also reseed CUDA's,
    # whose state is not restored here
    torch.default_generator.manual_seed(seed)
    try:
        yield
    finally:
        random.setstate(py_state)
        np.random.set_state(np_state)
        torch.random.set_rng_state(torch_state)
