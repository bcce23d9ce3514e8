# Copyright (c) OpenMMLab. All rights reserved.
"""MoTESeededSampler: DefaultSampler's order, seeded indices, mid-epoch
start; with MoTEVideoDataset, augmentation independent of the workers."""
import random

import numpy as np
import pytest
import torch
from mmengine.dataset import DefaultSampler, pseudo_collate
from torch.utils.data import DataLoader

import mote_mmaction  # noqa: F401
from mote_mmaction.compat.sample_seed import SeededIndex, sample_seed
from mote_mmaction.compat.seeded_sampler import MoTESeededSampler
from mote_mmaction.datasets import MoTEVideoDataset


def test_order_is_default_samplers_with_a_seed_per_epoch_index_rank():
    data = list(range(10))
    ours, plain = MoTESeededSampler(data, seed=5), DefaultSampler(data,
                                                                  seed=5)
    for epoch in (0, 1):
        ours.set_epoch(epoch)
        plain.set_epoch(epoch)
        got = list(ours)
        assert [int(i) for i in got] == list(plain)
        assert all(type(i) is SeededIndex for i in got)
        assert [i.seed for i in got] == [
            sample_seed(5, epoch, i, 0) for i in got
        ]


def test_rank_enters_the_seed(monkeypatch):
    monkeypatch.setattr('mmengine.dataset.sampler.get_dist_info',
                        lambda: (1, 2))
    sampler = MoTESeededSampler(list(range(6)), seed=5)
    got = list(sampler)
    assert len(got) == 3
    assert [i.seed for i in got] == [sample_seed(5, 0, i, 1) for i in got]


def test_set_start_shortens_only_that_epoch():
    sampler = MoTESeededSampler(list(range(10)), seed=5)
    sampler.set_epoch(1)
    whole = list(sampler)
    sampler.set_start(1, 4)
    assert len(sampler) == 6
    tail = list(sampler)
    assert tail == whole[4:]
    assert [i.seed for i in tail] == [i.seed for i in whole[4:]]
    sampler.set_epoch(2)
    assert len(sampler) == 10 and len(list(sampler)) == 10
    sampler.set_start(2, 10)  # the epoch was complete
    assert len(sampler) == 0 and list(sampler) == []
    with pytest.raises(ValueError, match=r'start=11 is outside \[0, 10\]'):
        sampler.set_start(2, 11)


def random_pipeline():
    return [
        dict(type='DecordInit'),
        dict(type='UniformSample', clip_len=4, num_clips=1),
        dict(type='DecordDecode'),
        dict(type='RandomResizedCrop', area_range=(0.3, 1.0)),
        dict(type='Resize', scale=(24, 24), keep_ratio=False),
        dict(type='Flip', flip_ratio=0.5),
        dict(type='MoTERandomGrayscale', p=0.5),
        dict(type='FormatShape', input_format='NCTHW'),
        dict(type='PackActionInputs')
    ]


@pytest.fixture(scope='module')
def dataset(motion_dataset):
    return MoTEVideoDataset(
        ann_file=motion_dataset.train_ann,
        data_prefix=motion_dataset.data_prefix,
        class_names=motion_dataset.class_file,
        pipeline=random_pipeline())


def _reseed_worker(worker_id):
    # workers whose own streams differ from any other setting's
    np.random.seed(1000 + worker_id)
    random.seed(1000 + worker_id)
    torch.manual_seed(1000 + worker_id)


def clips_per_epoch(dataset, num_workers, epochs=2):
    """``{epoch: {index: inputs}}`` through a DataLoader."""
    sampler = MoTESeededSampler(dataset, seed=3)
    extra = dict(persistent_workers=True,
                 worker_init_fn=_reseed_worker) if num_workers else {}
    loader = DataLoader(dataset, batch_size=4, sampler=sampler,
                        num_workers=num_workers, collate_fn=pseudo_collate,
                        **extra)
    out = {}
    for epoch in range(epochs):
        sampler.set_epoch(epoch)
        order = [int(i) for i in sampler]
        clips = [x for batch in loader for x in batch['inputs']]
        out[epoch] = dict(zip(order, clips))
    return out


def test_augmentation_is_the_same_with_any_workers(dataset):
    inline = clips_per_epoch(dataset, 0)
    persistent = clips_per_epoch(dataset, 2)
    for epoch in inline:
        assert inline[epoch].keys() == persistent[epoch].keys()
        for i in inline[epoch]:
            assert torch.equal(inline[epoch][i], persistent[epoch][i]), i
    # and it is random: another epoch, other crops/flips/frames
    changed = [
        i for i in inline[0] if not torch.equal(inline[0][i], inline[1][i])
    ]
    assert len(changed) >= len(inline[0]) // 2, changed


def test_seeded_loading_leaves_the_global_rng_alone(dataset):
    np.random.seed(0)
    before = np.random.get_state()[1].copy()
    torch_before = torch.random.get_rng_state()
    first = dataset[SeededIndex(2, seed=11)]['inputs']
    assert np.array_equal(np.random.get_state()[1], before)
    assert torch.equal(torch.random.get_rng_state(), torch_before)
    assert torch.equal(dataset[SeededIndex(2, seed=11)]['inputs'], first)
    dataset[2]  # a plain index draws from the global streams, as before
    assert not np.array_equal(np.random.get_state()[1], before)
