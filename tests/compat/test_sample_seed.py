# Copyright (c) OpenMMLab. All rights reserved.
import pickle
import random

import numpy as np
import torch

from mote_mmaction.compat.sample_seed import (SeededIndex, sample_seed,
                                              seeded_rng)


def test_sample_seed_depends_on_every_part_and_fits_63_bits():
    base = sample_seed(7, 1, 3, 0)
    assert base == sample_seed(7, 1, 3, 0)
    others = {sample_seed(8, 1, 3, 0), sample_seed(7, 2, 3, 0),
              sample_seed(7, 1, 4, 0), sample_seed(7, 1, 3, 1),
              sample_seed(7, 0, 4, 0)}  # not seed + epoch + index
    assert base not in others and len(others) == 5
    assert all(0 <= s < 2**63 for s in others | {base})
    assert 0 <= sample_seed(-1, 0, 0) < 2**63  # negative seeds are mixed


def test_seeded_index_is_an_int_that_keeps_its_seed_through_pickle():
    idx = SeededIndex(3, seed=12345)
    assert idx == 3 and [10, 11, 12, 13][idx] == 13
    back = pickle.loads(pickle.dumps(idx))
    assert type(back) is SeededIndex and back == 3 and back.seed == 12345
    assert type(int(idx)) is int


def draw():
    return (random.random(), float(np.random.rand()), float(torch.rand(1)))


def test_seeded_rng_draws_from_the_seed_and_restores_the_global_streams():
    random.seed(0)
    np.random.seed(0)
    torch.manual_seed(0)
    expected_next = draw()
    random.seed(0)
    np.random.seed(0)
    torch.manual_seed(0)
    with seeded_rng(99):
        inside = draw()
    with seeded_rng(99):
        assert draw() == inside
    with seeded_rng(100):
        assert draw() != inside
    assert draw() == expected_next  # as if nothing had run
