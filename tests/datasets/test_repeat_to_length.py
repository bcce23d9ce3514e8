# Copyright (c) OpenMMLab. All rights reserved.
"""``MoTERepeatToLength``: a small (K-shot) dataset repeated to a fixed
number of samples per epoch."""
from collections import Counter

import pytest
from mmaction.registry import DATASETS
from mmengine.dataset import BaseDataset

from mote_mmaction.datasets import MoTERepeatToLength


class _Numbers(BaseDataset):
    """``n`` samples ``dict(i=i)``; counts how often it loads them."""

    def __init__(self, n, **kwargs):
        self.n, self.loads = n, 0
        super().__init__(ann_file='', serialize_data=False, **kwargs)

    def load_data_list(self):
        self.loads += 1
        return [dict(i=i) for i in range(self.n)]


@pytest.mark.parametrize('n,length', [(3, 7), (3, 6), (1, 4)])
def test_sample_i_is_sample_i_mod_n(n, length):
    """Exactly ``length`` samples; each one ``length // n`` or one more
    times."""
    ds = MoTERepeatToLength(_Numbers(n), length=length)
    assert len(ds) == length
    got = [ds[i]['i'] for i in range(length)]
    assert got == [i % n for i in range(length)]
    assert set(Counter(got).values()) <= {length // n, length // n + 1}
    assert [ds.get_data_info(i)['i'] for i in range(length)] == got


def test_larger_dataset_is_not_cut():
    """A target below the dataset's size keeps every sample once."""
    ds = MoTERepeatToLength(_Numbers(5), length=2)
    assert len(ds) == 5
    assert [ds[i]['i'] for i in range(5)] == list(range(5))


def test_lazy_init_defers_loading():
    inner = _Numbers(2, lazy_init=True)
    ds = MoTERepeatToLength(inner, length=5, lazy_init=True)
    assert inner.loads == 0
    assert len(ds) == 5 and inner.loads == 1


def test_built_from_a_config_of_a_video_list(tmp_path):
    """As in the few-shot configs: a ``MoTEVideoDataset`` config repeated
    to the full training set's length."""
    ann = tmp_path / 'k1.txt'
    ann.write_text('c0/a.mp4 0\nc1/b.mp4 1\n')
    ds = DATASETS.build(
        dict(
            type='MoTERepeatToLength',
            length=5,
            dataset=dict(
                type='MoTEVideoDataset',
                ann_file=str(ann),
                data_prefix=dict(video=str(tmp_path)),
                class_names=['a', 'b'],
                pipeline=[],
                # mmengine's serialisation runs gc.collect(): 0.4 s here
                serialize_data=False)))
    assert isinstance(ds, MoTERepeatToLength) and len(ds) == 5
    assert [ds.get_data_info(i)['label'] for i in range(5)] == [0, 1, 0, 1, 0]


@pytest.mark.parametrize('length', [0, -3])
def test_length_must_be_positive(length):
    with pytest.raises(ValueError, match=f'length must be >= 1, got {length}'):
        MoTERepeatToLength(_Numbers(2), length=length)


def test_empty_dataset_is_a_clear_error():
    with pytest.raises(ValueError, match='the wrapped dataset _Numbers is '
                       'empty'):
        MoTERepeatToLength(_Numbers(0), length=4)
