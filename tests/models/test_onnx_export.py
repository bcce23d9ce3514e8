# Copyright (c) OpenMMLab. All rights reserved.
"""ONNX export of the test path, checked against PyTorch with
onnxruntime: constant vocabulary (close-set and zero-shot with TFM) and
the class table as an input; the tool end to end."""
import os.path as osp
import runpy
import sys

import pytest
import torch
from mmaction.registry import MODELS

from mote_mmaction.models.onnx_export import check_onnx, export_onnx
from mote_mmaction.testing import tiny_mote_model_cfg

TRAIN = ['moving left', 'moving right', 'growing', 'shrinking', 'spinning',
         'jumping']
ZERO_SHOT = ['falling', 'waving', 'rolling', 'sliding', 'bouncing', 'hopping']
REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


@pytest.fixture(scope='module')
def model():
    torch.manual_seed(0)
    model = MODELS.build(tiny_mote_model_cfg(TRAIN, num_layers=2)).eval()
    model.cls_head.train_table()
    return model


@pytest.mark.parametrize('vocab', [None, ZERO_SHOT])
def test_constant_vocabulary(model, tmp_path, vocab):
    model.set_vocabulary(vocab)
    out = str(tmp_path / 'm.onnx')
    module = export_onnx(model, out, (2, 3, 4, 32, 32))
    video = torch.rand(3, 3, 4, 32, 32) * 255
    assert check_onnx(module, out, video) <= 1e-4
    # the graph is the model's own test path
    data = model.data_preprocessor(
        dict(inputs=[v[None] for v in video], data_samples=None))['inputs']
    with torch.no_grad():
        want = model.cls_head(model.backbone(data.flatten(0, 1)))
        torch.testing.assert_close(module(video), want, rtol=0, atol=1e-5)
    model.set_vocabulary(None)


def test_class_table_as_input(model, tmp_path):
    out = str(tmp_path / 't.onnx')
    module = export_onnx(model, out, (2, 3, 4, 32, 32), table_input=True)
    table = model.cls_head.text_encoder.encode(ZERO_SHOT + ['x', 'y'])
    video = torch.rand(2, 3, 4, 32, 32) * 255
    assert check_onnx(module, out, video, table) <= 1e-4
    model.set_vocabulary(ZERO_SHOT + ['x', 'y'])
    with torch.no_grad():
        torch.testing.assert_close(
            module(video, table), MoTEScoresRef(model, video), atol=1e-5,
            rtol=0)
    model.set_vocabulary(None)


def MoTEScoresRef(model, video):
    pre = model.data_preprocessor
    x = (video - pre.mean) / pre.std
    return model.cls_head(model.backbone(x))


def test_tool_end_to_end(model, tmp_path, monkeypatch, capsys):
    ckpt = str(tmp_path / 'ckpt.pth')
    torch.save(dict(state_dict=model.state_dict()), ckpt)
    cfg = tmp_path / 'cfg.py'
    cfg.write_text(
        f'model = {tiny_mote_model_cfg(TRAIN, num_layers=2)!r}\n'
        'test_dataloader = dict(dataset=dict(pipeline=[\n'
        "    dict(type='MoTETestSample', clip_len=4, num_clips=3)]))\n")
    out = str(tmp_path / 'out' / 'mote.onnx')
    monkeypatch.setattr(sys, 'argv', [
        'export_onnx.py', str(cfg), ckpt, out, '--labels',
        ','.join(ZERO_SHOT)])
    runpy.run_path(osp.join(REPO, 'tools', 'deployment', 'export_onnx.py'),
                   run_name='__main__')
    text = capsys.readouterr().out
    assert 'max abs diff' in text and osp.isfile(out)
    assert f'scores [views, {len(ZERO_SHOT)}]' in text
    assert 'video [views, 3, 4, 32, 32]' in text
