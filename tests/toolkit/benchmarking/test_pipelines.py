# Copyright (c) OpenMMLab. All rights reserved.
"""The benchmark's datasets: the config's pipelines over video files, in a
folder and through a list that leave nothing behind."""
import os
import tempfile
from types import SimpleNamespace

import pytest
from mmengine.config import Config

from mote_mmaction.toolkit.benchmarking import pipelines
from mote_mmaction.testing import tiny_video_pipeline
from mote_mmaction.testing.synthetic_videos import write_motion_clip


@pytest.fixture
def scratch(tmp_path, monkeypatch):
    """The folder tempfile uses, to see what is left in it."""
    folder = tmp_path / 'tmp'
    folder.mkdir()
    monkeypatch.setattr(tempfile, 'tempdir', str(folder))
    return folder


def test_pipeline_of_prefers_the_dataloader():
    loader = dict(dataset=dict(pipeline=[dict(type='A')]))
    cfg = Config(dict(val_dataloader=loader, val_pipeline=[dict(type='B')],
                      test_pipeline=[dict(type='C')]))
    assert pipelines.pipeline_of(cfg, 'val') == [dict(type='A')]
    assert pipelines.pipeline_of(cfg, 'test') == [dict(type='C')]
    assert pipelines.pipeline_of(cfg, 'train') == []


def test_video_folder_is_temporary_unless_given(scratch, tmp_path):
    args = SimpleNamespace(video_dir=None, ann_file=None)
    with pipelines.video_folder(args) as root:
        assert os.path.dirname(root) == str(scratch)
        open(os.path.join(root, 'clip.mp4'), 'w').close()
    assert os.listdir(scratch) == []
    kept = tmp_path / 'videos'
    kept.mkdir()
    with pipelines.video_folder(SimpleNamespace(video_dir=str(kept),
                                                ann_file=None)) as root:
        assert root == str(kept)
    assert kept.is_dir()
    with pipelines.video_folder(SimpleNamespace(video_dir=None,
                                                ann_file='a.txt')) as root:
        assert root == ''  # the list's own paths


def test_video_datasets_one_per_pipeline_and_no_list_left(scratch, tmp_path):
    files = [str(tmp_path / f'v{i}.mp4') for i in range(2)]
    for i, path in enumerate(files):
        write_motion_clip(path, 'growing', num_frames=8, seed=i)
    dss = pipelines.video_datasets(
        files, dict(short=tiny_video_pipeline(clip_len=2),
                    long=tiny_video_pipeline(clip_len=4)), test_mode=True)
    assert os.listdir(scratch) == []
    assert {k: len(ds) for k, ds in dss.items()} == dict(short=2, long=2)
    for name, frames in (('short', 2), ('long', 4)):
        sample = dss[name][1]
        assert sample['inputs'].shape[2] == frames  # [views, C, T, H, W]
        assert sample['data_samples'].gt_label.item() == 0
    assert dss['long'].get_data_info(1)['filename'] == files[1]


def test_cpu_only_fields():
    fields = pipelines.cpu_only_fields()
    # grad_ckpt, merged and compile: set by the CLI (test_cli.py)
    assert {k: fields[k] for k in ('batch', 'amp_dtype')} == dict(
        batch=1, amp_dtype='n/a')
    assert fields['peak_mem_mb'] > 0  # this process holds torch
