# Copyright (c) OpenMMLab. All rights reserved.
"""``tools/data/check_videos.py`` on real clips and broken files, and its
output as the dataset's ``bad_video_list``."""
import os.path as osp

import pytest
from _bad_videos import BROKEN, CLASSES
from _inprocess_tools import run_script
from mmaction.registry import DATASETS

from mote_mmaction.testing import tiny_video_pipeline

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TOOL = osp.join(REPO, 'tools', 'data', 'check_videos.py')


def load_tool():
    import importlib.util
    spec = importlib.util.spec_from_file_location('check_videos', TOOL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_cli_lists_bad_files_with_reasons(vids, tmp_path):
    out = tmp_path / 'bad.txt'
    res = run_script(osp.relpath(TOOL, REPO), vids.lists['mixed'],
                     vids.root, '--workers', '2', '--out', str(out))
    assert res.returncode == 0, res.stderr
    total = len(vids.good) + len(BROKEN)
    assert f'checked {total} videos' in res.stdout
    assert f'{len(BROKEN)} bad, listed in {out}' in res.stdout
    # summary by reason category
    assert '2  cannot open' in res.stdout and '1  missing file' in res.stdout
    rows = [ln.split('\t') for ln in out.read_text().splitlines()]
    assert [r[0] for r in rows] == [vids.path(rel) for rel in BROKEN]
    assert [r[1].split(':')[0].split(' (')[0]
            for r in rows] == list(BROKEN.values())

    # the list lets an evaluation leave them out without re-checking
    ds = DATASETS.build(
        dict(
            type='MoTEVideoDataset',
            ann_file=vids.lists['mixed'],
            data_prefix=dict(video=vids.root),
            class_names=CLASSES,
            pipeline=tiny_video_pipeline(),
            test_mode=True,
            skip_bad_videos=True,
            bad_video_list=str(out)))
    assert len(ds) == len(vids.good)
    assert [p for p, _ in ds.excluded] == [r[0] for r in rows]


def test_fail_on_bad_and_clean_list(vids, tmp_path, capsys):
    tool = load_tool()
    out = str(tmp_path / 'bad.txt')
    args = [
        vids.lists['broken'], vids.root, '--workers', '1', '--out', out,
        '--num-frames', '1'
    ]
    assert tool.main(args) == 0
    assert tool.main(args + ['--fail-on-bad']) == 1
    assert tool.main([
        vids.lists['good'], vids.root, '--workers', '2', '--out', out,
        '--fail-on-bad'
    ]) == 0
    assert open(out).read() == ''
    assert f'checked {len(vids.good)} videos' in capsys.readouterr().out
    with pytest.raises(SystemExit, match='annotation file not found'):
        tool.main([str(tmp_path / 'nope.txt'), vids.root])
