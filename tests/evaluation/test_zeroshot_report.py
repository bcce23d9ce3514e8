# Copyright (c) OpenMMLab. All rights reserved.
import math

import pytest

from mote_mmaction.evaluation import (format_summary, harmonic_mean,
                                      mean_std, zeroshot_summary)


def test_paper_table4_numbers():
    # MoTE B/16: HM(83.4, 55.8, 70.2) = 67.9; trade-off with 81.8 = 74.2
    s = zeroshot_summary({'ucf101': [83.4], 'hmdb51': [55.8],
                          'k600': [70.2]}, closeset_top1=81.8)
    assert round(s['hmzs'], 1) == 67.9
    assert round(s['tradeoff'], 1) == 74.2
    # L/14: HM(88.7, 61.4, 78.4) = 74.4; with 86.8 -> 80.1
    s = zeroshot_summary({'u': [88.7], 'h': [61.4], 'k': [78.4]}, 86.8)
    assert round(s['hmzs'], 1) == 74.4 and round(s['tradeoff'], 1) == 80.1


def test_mean_std_over_splits():
    d = mean_std([82.0, 83.0, 84.0])
    assert d['mean'] == pytest.approx(83.0)
    assert d['std'] == pytest.approx(1.0)  # sample std (n - 1)
    s = zeroshot_summary({'ucf101': [82.0, 83.0, 84.0]})
    assert s['datasets']['ucf101']['splits'] == [82.0, 83.0, 84.0]
    assert 'tradeoff' not in s
    text = format_summary(s)
    assert 'ucf101' in text and '83.0 +- 1.0' in text


def test_harmonic_mean_edge_cases():
    assert harmonic_mean([50.0, 50.0]) == 50.0
    assert harmonic_mean([0.0, 90.0]) == 0.0
    assert harmonic_mean([40.0, 60.0]) == pytest.approx(48.0)
    with pytest.raises(ValueError):
        harmonic_mean([])
    assert not math.isnan(harmonic_mean([1e-9, 1.0]))
