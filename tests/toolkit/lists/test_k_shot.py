# Copyright (c) OpenMMLab. All rights reserved.
"""All-way K-shot subsets: K distinct videos per class, in the list's
order, with a draw per class that depends only on the seed and that
class's videos."""
import pytest

from mote_mmaction.toolkit.lists import by_class, sample_k_shot


def make_list(per_class):
    """``per_class[c]`` videos of class c, classes interleaved."""
    return [(f'c{c}/v{i}.mp4', c) for i in range(max(per_class))
            for c, n in enumerate(per_class) if i < n]


def test_by_class_keeps_file_order():
    entries = make_list([2, 3])
    assert by_class(entries) == {
        0: [('c0/v0.mp4', 0), ('c0/v1.mp4', 0)],
        1: [('c1/v0.mp4', 1), ('c1/v1.mp4', 1), ('c1/v2.mp4', 1)]
    }


def test_k_distinct_videos_per_class_in_list_order():
    entries = make_list([5, 6, 7])
    got = sample_k_shot(entries, 3, seed=1, labels=[0, 1, 2], source='l.txt')
    assert [e for e in entries if e in got] == got  # list order, no repeats
    assert sorted(c for _, c in got) == [0, 0, 0, 1, 1, 1, 2, 2, 2]
    assert sample_k_shot(entries, 3, 1, [0, 1, 2], 'l.txt') == got
    assert sample_k_shot(entries, 3, 2, [0, 1, 2], 'l.txt') != got
    # K = all videos of the smallest class: all of them
    assert [e for e in sample_k_shot(entries, 5, 1, [0, 1, 2], 'l.txt')
            if e[1] == 0] == by_class(entries)[0]


def test_draw_of_a_class_ignores_the_other_classes():
    """Adding, removing or moving other classes does not change the
    K-shot set of a class (its own videos keep their order)."""
    entries = make_list([5, 6, 7])
    draw = sample_k_shot(entries, 2, seed=3, labels=[0, 1, 2], source='a')
    class_0 = by_class(entries)[0]
    others = make_list([0, 0, 0, 9])[::-1] + by_class(entries)[1]
    changed = others[:4] + class_0 + others[4:]
    for labels in ([0], [0, 1], [3, 0]):
        got = sample_k_shot(changed, 2, 3, labels, 'b')
        assert [e for e in got if e[1] == 0] == \
            [e for e in draw if e[1] == 0]


def test_too_few_videos_or_shots_is_an_error():
    """The message names the list and every short class with its count
    (a class of ``labels`` without videos counts 0)."""
    entries = make_list([5, 3, 1])
    with pytest.raises(ValueError) as info:
        sample_k_shot(entries, 4, 0, [0, 1, 2, 3], 'train.txt')
    assert str(info.value) == ('train.txt: 3 class(es) have fewer than 4 '
                               'videos (label: count) {1: 3, 2: 1, 3: 0}')
    with pytest.raises(ValueError, match='shots must be >= 1, got 0'):
        sample_k_shot(entries, 0, 0, [0], 'train.txt')


def test_a_video_listed_twice_is_an_error():
    """Else it could be drawn twice, or fill one shot and count as two."""
    entries = make_list([3, 3]) + [('c0/v1.mp4', 0)]
    with pytest.raises(ValueError, match='train.txt: c0/v1.mp4 is listed '
                       'more than once'):
        sample_k_shot(entries, 2, 0, [0, 1], 'train.txt')
