# Copyright (c) OpenMMLab. All rights reserved.
"""init_recognizer / inference_recognizer and the free-label demo."""
import os.path as osp
import runpy
import sys

import pytest
import torch
from mmaction.apis import inference_recognizer, init_recognizer
from mmengine.config import Config

import mote_mmaction  # noqa: F401
from mote_mmaction.testing import (save_tiny_checkpoint, tiny_mote_model_cfg,
                                   tiny_video_pipeline)
from mote_mmaction.testing.synthetic_videos import write_motion_clip

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CLASSES = ['moving left', 'moving right', 'growing']


@pytest.fixture(scope='module')
def model_files(tmp_path_factory):
    tmp = tmp_path_factory.mktemp('demo')
    cfg = Config(
        dict(
            default_scope='mmaction',
            custom_imports=dict(imports=['mote_mmaction']),
            model=tiny_mote_model_cfg(CLASSES, num_layers=1),
            test_pipeline=tiny_video_pipeline(clip_len=8, num_clips=2)))
    cfg_path, ckpt, _ = save_tiny_checkpoint(cfg, str(tmp), 'demo_cfg')
    return cfg_path, ckpt, tmp


def test_mmaction_inference_api(model_files):
    cfg_path, ckpt, tmp = model_files
    video = str(tmp / 'clip.mp4')
    write_motion_clip(video, 'moving left', num_frames=16, seed=1)
    model = init_recognizer(cfg_path, ckpt, device='cpu')
    result = inference_recognizer(model, video)
    assert result.pred_score.shape == (3, )
    assert torch.allclose(result.pred_score.sum(), torch.tensor(1.0))
    model.set_vocabulary(['jumping', 'running', 'cooking', 'sleeping'])
    result = inference_recognizer(model, video)
    assert result.pred_score.shape == (4, )


DEMO = osp.join(REPO, 'tools', 'demo', 'demo_video.py')


def run_demo(args, monkeypatch, capsys) -> str:
    """demo_video.py's command line in this process; its stdout."""
    monkeypatch.setattr(sys, 'argv', ['demo_video.py', *args])
    capsys.readouterr()
    runpy.run_path(DEMO, run_name='__main__')
    return capsys.readouterr().out


# In this process, sparing a torch start-up each (tools/train.py's test
# runs a real subprocess).
@pytest.mark.parametrize('ext', ['mp4', 'avi', 'mkv', 'webm'])
def test_demo_script_with_free_labels(model_files, ext, monkeypatch, capsys):
    cfg_path, ckpt, tmp = model_files
    video = str(tmp / f'clip.{ext}')
    write_motion_clip(video, 'growing', num_frames=16, seed=2)
    args = [cfg_path, ckpt, video, '--labels',
            'riding a bike, playing guitar,cooking', '--topk', '2']
    out = run_demo(args, monkeypatch, capsys)
    lines = [ln for ln in out.splitlines() if ln[:2] in ('1.', '2.')]
    assert len(lines) == 2
    probs = [float(ln.rsplit(':', 1)[1]) for ln in lines]
    assert probs[0] >= probs[1] > 0
    names = {ln.split('. ', 1)[1].rsplit(':', 1)[0] for ln in lines}
    assert names <= {'riding a bike', 'playing guitar', 'cooking'}


def test_demo_labels_file_and_missing_video(model_files, monkeypatch,
                                            capsys):
    cfg_path, ckpt, tmp = model_files
    labels = tmp / 'labels.csv'
    labels.write_text('id,name\n0,Apply Eye Makeup\n1,brush hair\n')
    video = str(tmp / 'c.mp4')
    write_motion_clip(video, 'moving right', num_frames=16)
    out = run_demo([cfg_path, ckpt, video, '--labels-file', str(labels)],
                   monkeypatch, capsys)
    assert 'Apply Eye Makeup' in out
    with pytest.raises(FileNotFoundError, match='nope.mp4'):
        run_demo([cfg_path, ckpt, str(tmp / 'nope.mp4'), '--labels', 'a,b'],
                 monkeypatch, capsys)


def test_demo_out_filename_draws_the_topk(model_files, monkeypatch, capsys):
    """--out-filename: the written video, decoded again, has every frame of
    the input with the printed top-k drawn in its corner and the rest of
    the picture unchanged."""
    import decord
    import numpy as np
    sys.path.insert(0, osp.join(REPO, 'tools', 'demo'))
    from video_overlay import draw_lines, format_lines
    cfg_path, ckpt, tmp = model_files
    video = str(tmp / 'src.avi')
    write_motion_clip(video, 'growing', num_frames=16, seed=3,
                      size=(96, 96))
    out_file = tmp / 'labelled.avi'
    out = run_demo([cfg_path, ckpt, video, '--labels',
                    'moving left,growing,shrinking', '--topk', '2',
                    '--out-filename', str(out_file), '--font-scale', '0.4'],
                   monkeypatch, capsys)
    assert f'16 frames with the top-2 labels -> {out_file}' in out
    ranked = [ln.split('. ', 1)[1].rsplit(': ', 1) for ln in out.splitlines()
              if ln[:2] in ('1.', '2.')]
    ranked = [(name, float(p)) for name, p in ranked]
    assert oct(out_file.stat().st_mode & 0o777) != '0o600'
    src = decord.VideoReader(video)
    written = decord.VideoReader(str(out_file))
    assert len(written) == len(src) == 16
    for i in (0, 15):
        frame = written[i].asnumpy().astype(np.float32)
        orig = src[i].asnumpy()
        expected = draw_lines(orig, format_lines(ranked), 0.4)
        swapped = draw_lines(orig, format_lines(ranked[::-1]), 0.4)
        # the printed ranking is drawn, in its order (codec noise aside)
        err = np.abs(frame - expected).mean()
        assert err < np.abs(frame - swapped).mean()
        assert err < np.abs(frame - orig).mean()
        assert err < 4
        # below the text box the picture is the input's
        assert np.abs(frame[60:] - orig[60:]).mean() < 4


def test_demo_out_filename_rejects_unknown_container(
        model_files, monkeypatch, capsys):
    cfg_path, ckpt, tmp = model_files
    video = str(tmp / 'src2.mp4')
    write_motion_clip(video, 'growing', num_frames=8)
    with pytest.raises(ValueError, match=r"cannot write '\.gif'.*\.avi"):
        run_demo([cfg_path, ckpt, video, '--labels', 'a,b',
                  '--out-filename', str(tmp / 'out.gif')],
                 monkeypatch, capsys)
    assert not list(tmp.glob('.out.gif*'))
