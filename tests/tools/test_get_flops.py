# Copyright (c) OpenMMLab. All rights reserved.
"""tools/analysis/get_flops.py: a MoTE config without --shape counts one
view of the config's shape; a stock image shape is refused with the fix."""
import re

from mmengine.config import Config

from _inprocess_tools import run_script
from mote_mmaction.testing import tiny_mote_model_cfg, tiny_video_pipeline

TOOL = 'tools/analysis/get_flops.py'


def flops(stdout: str) -> float:
    value, unit = re.search(r'Flops: ([\d.]+)([KMG]?)', stdout).groups()
    return float(value) * {'': 1, 'K': 1e3, 'M': 1e6, 'G': 1e9}[unit]


def test_flops_default_shape_and_errors(tmp_path):
    cfg = str(tmp_path / 'tiny.py')
    Config(dict(
        default_scope='mmaction',
        model=tiny_mote_model_cfg(['a', 'b'], num_layers=1),
        test_dataloader=dict(dataset=dict(
            pipeline=tiny_video_pipeline(clip_len=4))))).dump(cfg)
    res = run_script(TOOL, cfg)
    assert res.returncode == 0, res.stderr[-2000:]
    # T from the test pipeline, H = W the CLIP image size
    assert 'Input shape: (1, 3, 4, 32, 32)' in res.stdout
    assert 'cls_head' in res.stdout  # the temporal transformer is counted
    res8 = run_script(TOOL, cfg, '--shape', '1', '3', '8', '32', '32')
    assert res8.returncode == 0, res8.stderr[-2000:]
    # the frame encoder runs per frame: twice the frames, about twice
    assert 1.8 < flops(res8.stdout) / flops(res.stdout) < 2.2
    # a head without class_names (configs name them on the dataset) counts
    # the same
    nameless = str(tmp_path / 'nameless.py')
    cfg_d = Config.fromfile(cfg)
    cfg_d.model.cls_head.pop('class_names')
    cfg_d.dump(nameless)
    res_n = run_script(TOOL, nameless)
    assert res_n.returncode == 0, res_n.stderr[-2000:]
    assert flops(res_n.stdout) == flops(res.stdout)
    res = run_script(TOOL, cfg, '--shape', '224', '224')
    assert res.returncode == 1
    assert res.stderr.strip() == (
        '--shape 224 224: a MoTE model takes a video view, give 5 numbers '
        'N C T H W (e.g. --shape 1 3 8 224 224), or leave --shape out for '
        "the config's (1, 3, 4, 32, 32)")
