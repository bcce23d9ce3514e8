# Copyright (c) OpenMMLab. All rights reserved.
"""Hints name tools as the user can run them: ``python tools/...`` in a
source checkout, ``mim run mote_mmaction ...`` where ``tools/`` is not on
disk (pip installs); the demo's data hint only for the demo's own files."""
import os.path as osp

import pytest

import mote_mmaction  # noqa: F401
from mote_mmaction.compat import tool_commands
from mote_mmaction.compat.tool_commands import (tool_command,
                                                with_tool_commands)
from mote_mmaction.datasets.video_dataset import (MoTEVideoDataset,
                                                  VideoLoadError)
from mote_mmaction.models.official_ckpt import converter_command
from mote_mmaction.testing import tiny_video_pipeline

HINT = 'generate the demo data first: python tools/data/make_motion_demo.py'


@pytest.fixture
def pip_install(monkeypatch, tmp_path):
    """As a pip install: no tools/ next to the package."""
    monkeypatch.setattr(tool_commands, '_REPO', str(tmp_path / 'site'))


def test_source_checkout_names_the_script():
    assert tool_command('tools/data/check_videos.py', 'a.txt') == \
        'python tools/data/check_videos.py a.txt'
    assert converter_command('w/MoTE_B16.pt') == (
        'python tools/convert_official_ckpt.py w/MoTE_B16.pt '
        'w/MoTE_B16_converted.pth')


def test_pip_install_names_mim_run(pip_install):
    assert tool_command('tools/data/check_videos.py', 'a.txt') == \
        'mim run mote_mmaction check_videos a.txt'
    assert converter_command('MoTE_B16.pt', 'out.pth') == \
        'mim run mote_mmaction convert_official_ckpt MoTE_B16.pt out.pth'
    assert with_tool_commands(HINT) == (
        'generate the demo data first: mim run mote_mmaction '
        'make_motion_demo')


def dataset(root, ann, **kw):
    return MoTEVideoDataset(ann_file=ann, data_prefix=dict(video=root),
                            class_names=['a', 'b'], missing_hint=HINT,
                            pipeline=tiny_video_pipeline(), test_mode=True,
                            **kw)


def test_demo_hint_only_for_the_demo_files(tmp_path):
    root = str(tmp_path / 'data' / 'motion_demo')
    ann = osp.join(root, 'train.txt')
    with pytest.raises(FileNotFoundError) as info:
        dataset(root, ann)
    assert str(info.value) == f'annotation file not found: {ann} ({HINT})'
    # the user's own list elsewhere (a config derived from the demo's)
    mine = str(tmp_path / 'mine' / 'train.txt')
    with pytest.raises(FileNotFoundError) as info:
        dataset(root, mine)
    assert str(info.value) == f'annotation file not found: {mine}'


def test_demo_hint_in_a_pip_install(tmp_path, pip_install):
    root = str(tmp_path / 'motion_demo')
    with pytest.raises(FileNotFoundError,
                       match=r'\(generate the demo data first: mim run '
                       r'mote_mmaction make_motion_demo\)$'):
        dataset(root, osp.join(root, 'val.txt'))


def test_bad_video_hint_in_a_pip_install(tmp_path, pip_install):
    (tmp_path / 'broken.mp4').write_bytes(b'not a video')
    ann = tmp_path / 'val.txt'
    ann.write_text('broken.mp4 0\n')
    ds = dataset(str(tmp_path), str(ann))
    with pytest.raises(VideoLoadError,
                       match=r'\(`mim run mote_mmaction check_videos` lists '
                       'all bad ones\\)'):
        ds[0]
