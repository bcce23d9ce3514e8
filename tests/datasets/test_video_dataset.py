# Copyright (c) OpenMMLab. All rights reserved.
"""``MoTEVideoDataset`` with real clips and deliberately broken files:
checks of the list, substitution in training, none at val/test and the
opt-in exclusion (the video checker itself: ``test_video_check.py``)."""
import os
import os.path as osp

import pytest
from _bad_videos import BROKEN, CLASSES
from mmaction.registry import DATASETS, MODELS

from mote_mmaction.datasets.video_check import write_bad_video_list
from mote_mmaction.datasets.video_dataset import VideoLoadError
from mote_mmaction.testing import tiny_mote_model_cfg, tiny_video_pipeline


def build(vids, ann, test_mode, **kw):
    kw.setdefault('class_names', CLASSES)
    return DATASETS.build(
        dict(
            type='MoTEVideoDataset',
            ann_file=vids.lists.get(ann, ann),
            data_prefix=dict(video=vids.root),
            pipeline=tiny_video_pipeline(),
            test_mode=test_mode,
            **kw))


# ----------------------------------------------------------------------
# the list: one clear message naming the file (and line)
def test_label_out_of_range_names_file_and_line(vids, tmp_path):
    ann = tmp_path / 'labels.txt'
    ann.write_text('a.mp4 0\n\nb.mp4 7\n')
    with pytest.raises(ValueError) as info:
        build(vids, str(ann), True)
    msg = str(info.value)
    assert 'labels.txt line 3: label 7 is out of range for 3 classes' in msg
    assert msg.count('labels.txt') == 1


def test_bad_lines_name_file_and_line(vids, tmp_path):
    ann = tmp_path / 'fields.txt'
    ann.write_text('a.mp4 0\nclass with spaces/b.mp4 1\n')
    with pytest.raises(
            ValueError,
            match=r'fields.txt line 2: expected '
            r'`path label`.*delimiter'):
        build(vids, str(ann), True)
    ann.write_text('a.mp4 zero\n')
    with pytest.raises(
            ValueError, match=r'fields.txt line 1: labels must be integers'):
        build(vids, str(ann), True)
    with pytest.raises(
            FileNotFoundError,
            match='annotation file not found: .*no_list.txt'):
        build(vids, str(tmp_path / 'no_list.txt'), True)


def test_unlabeled_and_multi_class_lists(vids, tmp_path):
    ann = tmp_path / 'plain.txt'
    ann.write_text('videos/c0_0.mp4\nvideos/c1_0.mp4 -1\n')
    ds = build(vids, str(ann), True, labeled=False)
    assert [ds.get_data_info(i)['label'] for i in range(2)] == [-1, -1]
    ann.write_text('videos/c0_0.mp4 0 2\nvideos/c1_0.mp4 3\n')
    with pytest.raises(ValueError, match='line 2: label 3 is out of range'):
        build(
            vids,
            str(ann),
            True,
            multi_class=True,
            num_classes=3,
            class_names=None)


@pytest.mark.parametrize('test_mode', [False, True])
def test_missing_labels_fail_when_the_list_is_read(vids, tmp_path,
                                                   test_mode):
    """Not when the sample is drawn (``Target -1 is out of bounds``)."""
    ann = tmp_path / 'labels.txt'
    for bad in ('videos/c1_0.mp4 -1', 'videos/c1_0.mp4'):
        ann.write_text(f'videos/c0_0.mp4 0\n{bad}\n')
        with pytest.raises(ValueError,
                           match=r'labels.txt line 2: no label .*'
                           'labeled=False'):
            build(vids, str(ann), test_mode)
    with pytest.raises(ValueError, match='labeled=False is for val/test'):
        build(vids, str(ann), False, labeled=False)


def test_empty_and_all_unreadable_lists(vids, tmp_path):
    ann = tmp_path / 'empty.txt'
    ann.write_text('\n\n')
    with pytest.raises(ValueError, match='empty.txt: the list has no '
                       'samples'):
        build(vids, str(ann), True)
    with pytest.raises(ValueError,
                       match=r'broken.txt: all \d+ videos are unreadable '
                       r'\(skip_bad_videos=True'):
        build(vids, 'broken', True, skip_bad_videos=True)


def test_bad_video_list_matching_nothing_is_an_error(vids, tmp_path):
    listed = tmp_path / 'bad.txt'
    write_bad_video_list(str(listed), [('/elsewhere/videos/empty.mp4',
                                        'empty file (0 bytes)')])
    with pytest.raises(ValueError,
                       match=r'bad.txt: none of its 1 videos is in'):
        build(vids, 'mixed', True, skip_bad_videos=True,
              bad_video_list=str(listed))


def test_unwritable_record_folder_shows_the_os_error(vids, tmp_path):
    from mote_mmaction.datasets.video_dataset import BadVideoRecordError
    ds = build(vids, 'mixed', False)
    blocker = tmp_path / 'not_a_folder'
    blocker.write_text('')
    ds.bad_video_dir = str(blocker / 'records')  # cannot be created
    with pytest.raises(BadVideoRecordError) as info:
        ds[len(vids.good) + 1]  # empty.mp4
    msg = str(info.value)
    assert 'cannot record unreadable training video' in msg
    assert 'empty.mp4' in msg and 'NotADirectoryError' in msg
    assert isinstance(info.value.__cause__, OSError)


def test_missing_class_name_file_is_one_clear_error(vids):
    missing = osp.join(vids.root, 'no_such_names.txt')
    with pytest.raises(FileNotFoundError) as info:
        build(vids, 'good', True, class_names=missing)
    assert 'class-name file not found' in str(info.value)
    assert str(info.value).count('no_such_names.txt') == 1


def test_split_placeholder_fills_list_and_names(vids, tmp_path):
    (tmp_path / 'list_2.txt').write_text('\n'.join(vids.good) + '\n')
    (tmp_path / 'names_2.txt').write_text('\n'.join(CLASSES) + '\n')
    ds = build(
        vids,
        str(tmp_path / 'list_{split}.txt'),
        True,
        split=2,
        class_names=str(tmp_path / 'names_{split}.txt'))
    assert len(ds) == len(vids.good) and ds.classes == tuple(CLASSES)


def test_model_num_classes_must_match_its_class_names():
    cfg = tiny_mote_model_cfg(CLASSES)
    cfg['cls_head']['num_classes'] = 4
    with pytest.raises(
            ValueError,
            match=r'num_classes=4 but the class '
            r'names \(inline list: 3 classes'):
        MODELS.build(cfg)


# ----------------------------------------------------------------------
# val/test: never substituted
def test_val_stops_with_file_and_reason(vids):
    ds = build(vids, 'mixed', True)
    assert len(ds) == len(vids.good) + len(BROKEN)
    assert ds[0]['inputs'].shape[-3:] == (4, 32, 32)
    for i, rel in enumerate(BROKEN):
        with pytest.raises(VideoLoadError) as info:
            ds[len(vids.good) + i]
        msg = str(info.value)
        assert f'cannot load {vids.path(rel)} for evaluation' in msg
        assert 'never replaced' in msg and 'skip_bad_videos' in msg


def test_val_opt_in_excludes_bad_videos(vids):
    ds = build(vids, 'mixed', True, skip_bad_videos=True, scan_workers=2)
    assert len(ds) == len(vids.good)
    assert [p for p, _ in ds.excluded] == [vids.path(r) for r in BROKEN]
    assert ds.excluded[0][1] == 'missing file'
    names = {ds.get_data_info(i)['filename'] for i in range(len(ds))}
    assert names == {vids.path(ln.split()[0]) for ln in vids.good}
    ds[len(ds) - 1]


def test_val_opt_in_with_a_precomputed_list(vids, tmp_path):
    listed = tmp_path / 'bad.txt'
    rows = [(vids.path('videos/empty.mp4'), 'empty file (0 bytes)'),
            (vids.path('videos/unrelated.mp4'), 'missing file')]
    write_bad_video_list(str(listed), rows)
    ds = build(
        vids, 'mixed', True, skip_bad_videos=True, bad_video_list=str(listed))
    # only what the list names is left out, without decoding anything
    assert ds.excluded == rows[:1]
    assert len(ds) == len(vids.good) + len(BROKEN) - 1
    with pytest.raises(FileNotFoundError, match='bad-video list not found'):
        build(
            vids,
            'mixed',
            True,
            skip_bad_videos=True,
            bad_video_list=str(tmp_path / 'nope.txt'))


# ----------------------------------------------------------------------
# training: substituted, bounded, logged once per process without the hook
def test_training_replaces_a_bad_sample(vids, log_messages):
    ds = build(vids, 'mixed', False)
    for _ in range(3):
        out = ds[len(vids.good) + 1]  # empty.mp4
        assert out['inputs'].shape[-3:] == (4, 32, 32)
    empty = vids.path('videos/empty.mp4')
    # logged once per process, with the reason
    assert sum(f'unreadable training video {empty} (' in m
               for m in log_messages) == 1


def test_training_records_failures_for_the_hook(vids, tmp_path):
    ds = build(vids, 'mixed', False)
    ds.bad_video_dir = str(tmp_path / 'records')
    ds[len(vids.good) + 2]  # truncated.mp4
    ds[len(vids.good) + 2]
    (record, ) = os.listdir(ds.bad_video_dir)
    lines = open(osp.join(ds.bad_video_dir, record)).read().splitlines()
    truncated = vids.path('videos/truncated.mp4')
    names = [ln.split('\t')[0] for ln in lines]
    # each failure, including broken random replacements, is one line
    assert names[0] == truncated and names.count(truncated) >= 2
    assert set(names) <= {vids.path(rel) for rel in BROKEN}
    assert lines[0].split('\t')[1].startswith('DECORDError: ')
    assert not ds._logged_bad  # the hook logs, not each worker


def test_training_gives_up_after_max_refetch_naming_files(vids):
    ds = build(vids, 'broken', False, max_refetch=5)
    with pytest.raises(VideoLoadError) as info:
        ds[0]
    msg = str(info.value)
    assert '6 training samples in a row could not be loaded' in msg
    assert 'max_refetch=5' in msg and '6 failed' in msg
    assert vids.path('videos/missing.mp4') + ' (FileNotFoundError' in msg


def test_unlisted_bad_video_says_no_check_ran(vids, tmp_path):
    listed = tmp_path / 'bad.txt'
    write_bad_video_list(str(listed), [(vids.path('videos/empty.mp4'),
                                        'empty file (0 bytes)')])
    ds = build(vids, 'mixed', True, skip_bad_videos=True,
               bad_video_list=str(listed))
    truncated = vids.path('videos/truncated.mp4')
    idx = next(i for i in range(len(ds))
               if ds.get_data_info(i)['filename'] == truncated)
    with pytest.raises(VideoLoadError) as info:
        ds[idx]
    msg = str(info.value)
    assert f'is not in bad_video_list {listed}' in msg
    assert 'passed the start-up check' not in msg


def test_missing_demo_data_says_how_to_make_it(tmp_path):
    import os.path as osp

    from mmaction.registry import DATASETS
    from mmengine.config import Config
    repo = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
    cfg = Config.fromfile(
        osp.join(repo, 'configs', 'mote', 'demo_tiny_motion.py'))
    ds = cfg.train_dataloader.dataset
    # the demo's files: under its video root (here tmp_path)
    ds.data_prefix = dict(video=str(tmp_path))
    ds.class_names = str(tmp_path / 'train_classes.txt')
    with pytest.raises(FileNotFoundError,
                       match='train_classes.txt.*make_motion_demo.py'):
        DATASETS.build(ds)
    (tmp_path / 'train_classes.txt').write_text('a\nb\n')
    ds.ann_file = str(tmp_path / 'train.txt')
    with pytest.raises(FileNotFoundError,
                       match='annotation file not found.*make_motion_demo'):
        DATASETS.build(ds)
