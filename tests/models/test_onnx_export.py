# Copyright (c) OpenMMLab. All rights reserved.
"""ONNX export of the test path, checked against PyTorch with
onnxruntime: constant vocabulary (close-set and zero-shot with TFM) and
the class table as an input; the tool on its target, the merged deploy
checkpoint, and on a stock MMAction2 backbone under a MoTE head; the
tool's input size and its early errors."""
import json
import os
import os.path as osp
import re
import runpy
import stat

import pytest
import torch
from mmaction.registry import MODELS

from _inprocess_tools import REPO, run_script
from mote_mmaction.models.deploy import (merge_experts_state_dict,
                                         save_merged_checkpoint)
from mote_mmaction.models.onnx_export import check_onnx, export_onnx
from mote_mmaction.testing import tiny_clip_arch, tiny_mote_model_cfg

TRAIN = ['moving left', 'moving right', 'growing', 'shrinking', 'spinning',
         'jumping']
ZERO_SHOT = ['falling', 'waving', 'rolling', 'sliding', 'bouncing', 'hopping']
TOOL = 'tools/deployment/export_onnx.py'
# a one-stage X3D: 24 channels out, a stock backbone in a second
TINY_X3D = dict(type='X3D', num_stages=1, spatial_strides=(2, ))


@pytest.fixture(scope='module')
def model():
    torch.manual_seed(0)
    model = MODELS.build(tiny_mote_model_cfg(TRAIN, num_layers=2)).eval()
    model.cls_head.train_table()
    return model


def x3d_cfg(head='MoTEHead'):
    """A ``Recognizer3D`` with a stock X3D and a MoTE text head (as
    ``configs/mote/x3d-s_text-head_k400.py``), or another ``head``."""
    cls_head = dict(
        type='MoTEHead', num_classes=len(TRAIN), in_channels=64,
        class_names=TRAIN, num_layers=1,
        text_encoder=dict(type='CLIPTextEncoder', arch=tiny_clip_arch()),
        feature_adapter=dict(type='MoTEFeatureAdapter', in_channels=24,
                             out_channels=64))
    if head != 'MoTEHead':
        cls_head = dict(type=head, num_classes=len(TRAIN), in_channels=24)
    return dict(
        type='Recognizer3D', backbone=TINY_X3D, cls_head=cls_head,
        data_preprocessor=dict(
            type='ActionDataPreprocessor', mean=[123.7, 116.3, 103.5],
            std=[58.4, 57.1, 57.4], format_shape='NCTHW'))


def write_cfg(path, model_cfg, pipeline):
    path.write_text(f'model = {model_cfg!r}\n'
                    f'test_dataloader = dict(dataset=dict(pipeline='
                    f'{pipeline!r}))\n')
    return str(path)


def recognizer_scores(model, video):
    """Eval scores ``[V, C]`` of one video's views by the recognizer's own
    test path: data preprocessor, ``extract_feat``, head."""
    with torch.no_grad():
        data = model.data_preprocessor(
            dict(inputs=[video], data_samples=None))['inputs']
        feats, _ = model.extract_feat(data, test_mode=True)
        return model.cls_head(feats)


def ort_scores(onnx_file, video):
    """``scores`` of an exported graph by onnxruntime."""
    import onnxruntime as ort
    session = ort.InferenceSession(onnx_file,
                                   providers=['CPUExecutionProvider'])
    return torch.from_numpy(
        session.run(['scores'], {'video': video.numpy()})[0])


def tool_diff(stdout):
    """The max abs difference the tool printed."""
    return float(re.search(r'max abs diff (\S+)', stdout)[1])


@pytest.mark.parametrize('vocab', [None, ZERO_SHOT])
def test_constant_vocabulary(model, tmp_path, vocab):
    """A vocabulary baked into the graph (close-set, or zero-shot with TFM):
    onnxruntime matches the exported module, which is the model's own test
    path."""
    model.set_vocabulary(vocab)
    out = str(tmp_path / 'm.onnx')
    module = export_onnx(model, out, (2, 3, 4, 32, 32))
    video = torch.rand(3, 3, 4, 32, 32) * 255
    assert check_onnx(module, out, video) <= 1e-4
    with torch.no_grad():
        torch.testing.assert_close(module(video),
                                   recognizer_scores(model, video),
                                   rtol=0, atol=1e-5)
    model.set_vocabulary(None)


def test_class_table_as_input(model, tmp_path):
    """The class table as the graph's second input: any vocabulary (here 8
    classes, not the 6 of the example) scores as the model set to it."""
    out = str(tmp_path / 't.onnx')
    module = export_onnx(model, out, (2, 3, 4, 32, 32), table_input=True)
    table = model.cls_head.text_encoder.encode(ZERO_SHOT + ['x', 'y'])
    video = torch.rand(2, 3, 4, 32, 32) * 255
    assert check_onnx(module, out, video, table) <= 1e-4
    model.set_vocabulary(ZERO_SHOT + ['x', 'y'])
    with torch.no_grad():
        torch.testing.assert_close(
            module(video, table), recognizer_scores(model, video),
            atol=1e-5, rtol=0)
    model.set_vocabulary(None)


def test_class_table_input_with_few_classes(model, tmp_path):
    """A table-input graph scores 3 classes (TFM's top-5 retrieval
    failed inside onnxruntime's TopK with fewer than 5), as the model
    set to those 3 does."""
    out = str(tmp_path / 't3.onnx')
    module = export_onnx(model, out, (2, 3, 4, 32, 32), table_input=True)
    video = torch.rand(2, 3, 4, 32, 32) * 255
    for names in (ZERO_SHOT[:3], ZERO_SHOT[:1]):
        table = model.cls_head.text_encoder.encode(names)
        assert check_onnx(module, out, video, table) <= 1e-4
        model.set_vocabulary(names)
        with torch.no_grad():
            torch.testing.assert_close(
                module(video, table), recognizer_scores(model, video),
                atol=1e-5, rtol=0)
    model.set_vocabulary(None)


def test_tool_rejects_size_and_frames_it_cannot_export(tmp_path):
    """``--size`` other than CLIP's and ``--num-frames 0`` (it exported
    the pipeline's 8 frames without a word) stop before anything is read
    or written."""
    ckpt = tmp_path / 'ckpt.pth'
    ckpt.write_bytes(b'not read')
    cfg = write_cfg(tmp_path / 'cfg.py', tiny_mote_model_cfg(TRAIN),
                    [dict(type='MoTETestSample', clip_len=8, num_clips=1)])
    for args, error in (
            (['--size', '31'], '--size 31: the CLIP backbone takes 32x32 '
             'images'),
            (['--num-frames', '0'], '--num-frames 0: give a positive '
             "number of frames (leave it out for the test pipeline's "
             'clip_len)')):
        res = run_script(TOOL, cfg, str(ckpt), str(tmp_path / 'm.onnx'),
                         *args)
        assert res.returncode == 1
        assert res.stderr.strip().startswith(error)
    assert set(tmp_path.iterdir()) == {ckpt, tmp_path / 'cfg.py'}


def test_tool_exports_the_merged_deploy_model(tmp_path):
    """The tool's target: experts merged by ``save_merged_checkpoint``,
    loaded by the single-FFN config (as ``configs/mote/k400_deploy.py``).
    Its onnxruntime check passes at 1e-4 and the graph scores what the
    4-expert model scores in eval mode (its own merge) within 1e-4. The
    experts are far apart (as after training): expert 0 alone scores
    otherwise, so the tolerance tells a merge from none."""
    torch.manual_seed(0)
    experts = MODELS.build(tiny_mote_model_cfg(TRAIN, num_layers=2))
    g = torch.Generator().manual_seed(1)
    with torch.no_grad():
        for p in experts.cls_head.temporal.parameters():
            p.add_(0.05 * torch.randn(p.shape, generator=g))
    experts.cls_head.train_table()
    experts.eval()
    ckpt = str(tmp_path / 'mote_merged.pth')
    assert save_merged_checkpoint(experts.state_dict(), ckpt) == 4
    cfg = write_cfg(
        tmp_path / 'deploy.py',
        tiny_mote_model_cfg(TRAIN, num_layers=2, num_experts=1),
        [dict(type='MoTETestSample', clip_len=4, num_clips=3)])
    out = str(tmp_path / 'out' / 'mote.onnx')

    res = run_script(TOOL, cfg, ckpt, out)
    assert res.returncode == 0, res.stderr
    assert tool_diff(res.stdout) <= 1e-4
    # the permissions of a new file (0644 under the usual umask), as the
    # checkpoints it comes from, not mkstemp's 0600
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o666 & ~umask
    assert f'video [views, 3, 4, 32, 32] -> scores [views, {len(TRAIN)}]' \
        in res.stdout
    video = torch.rand(3, 3, 4, 32, 32) * 255
    want = recognizer_scores(experts, video)
    torch.testing.assert_close(ort_scores(out, video), want, atol=1e-4,
                               rtol=0)

    first = MODELS.build(
        tiny_mote_model_cfg(TRAIN, num_layers=2, num_experts=1)).eval()
    first.load_state_dict(
        merge_experts_state_dict(experts.state_dict(), [1, 0, 0, 0]))
    assert (recognizer_scores(first, video) - want).abs().max() > 1e-3


def test_tool_on_a_stock_backbone(tmp_path):
    """X3D under a MoTE head through ``Recognizer3D``: no CLIP image size,
    so ``H, W`` come from the test pipeline's ``crop_size`` (MMAction2's
    ``(w, h)``); ``--labels`` goes to the head (a stock recognizer has no
    ``set_vocabulary``; the training names keep the stored table, so the
    graph can be checked against the recognizer's test path)."""
    torch.manual_seed(0)
    x3d = MODELS.build(x3d_cfg()).eval()
    x3d.cls_head.train_table()
    ckpt = str(tmp_path / 'x3d.pth')
    torch.save(dict(state_dict=x3d.state_dict()), ckpt)
    cfg = write_cfg(tmp_path / 'x3d.py', x3d_cfg(), [
        dict(type='UniformSample', clip_len=4, num_clips=1,
             test_mode=True),
        dict(type='CenterCrop', crop_size=(40, 24))])
    out = str(tmp_path / 'x3d.onnx')

    res = run_script(TOOL, cfg, ckpt, out, '--labels', ','.join(TRAIN))
    assert res.returncode == 0, res.stderr
    assert tool_diff(res.stdout) <= 1e-4
    assert f'video [views, 3, 4, 24, 40] -> scores [views, {len(TRAIN)}]' \
        in res.stdout
    video = torch.rand(2, 3, 4, 24, 40) * 255
    torch.testing.assert_close(ort_scores(out, video),
                               recognizer_scores(x3d, video), atol=1e-4,
                               rtol=0)

    # a descriptor vocabulary keeps its descriptions in the graph, as the
    # head scores it at test (names alone would give another table)
    vocab = tmp_path / 'vocab.json'
    vocab.write_text(json.dumps(
        [[TRAIN[0], 'a thing moving to the left side'], *TRAIN[1:]]))
    res = run_script(TOOL, cfg, ckpt, out, '--labels-file', vocab)
    assert res.returncode == 0, res.stderr
    x3d.cls_head.set_vocabulary(str(vocab))
    want = recognizer_scores(x3d, video)
    x3d.cls_head.set_vocabulary(list(TRAIN))  # the names alone
    assert (recognizer_scores(x3d, video) - want).abs().max() > 1e-4
    torch.testing.assert_close(ort_scores(out, video), want, atol=1e-4,
                               rtol=0)


@pytest.mark.parametrize('head, pipeline, error', [
    ('MoTEHead', [dict(type='MoTETestSample', clip_len=4, num_clips=1)],
     'cannot tell the input size of X3D: no CLIP image size and no '
     'crop_size in the test pipeline; pass --size'),
    ('MoTEHead', [dict(type='CenterCrop', crop_size=32)],
     'no clip_len in the test pipeline: pass --num-frames'),
    ('I3DHead', [dict(type='MoTETestSample', clip_len=4, num_clips=1),
                 dict(type='CenterCrop', crop_size=32)],
     'I3DHead is not a MoTEHead: only MoTE heads export'),
], ids=['no-size', 'no-frames', 'not-a-mote-head'])
def test_tool_fails_early(tmp_path, head, pipeline, error):
    """What the tool cannot export it names, with the option to pass,
    before it reads the checkpoint (here not one) or writes anything."""
    ckpt = tmp_path / 'ckpt.pth'
    ckpt.write_bytes(b'not read')
    cfg = write_cfg(tmp_path / 'cfg.py', x3d_cfg(head), pipeline)
    out = tmp_path / 'm.onnx'
    res = run_script(TOOL, cfg, str(ckpt), str(out))
    assert res.returncode == 1
    assert res.stderr.strip() == error
    assert set(tmp_path.iterdir()) == {ckpt, tmp_path / 'cfg.py'}


def test_input_size(model):
    """``--size`` first, then the CLIP backbone's image size, then the
    test pipeline's last ``crop_size`` (an int, or MMAction2's ``(w,
    h)``)."""
    from mmengine.config import Config
    input_hw = runpy.run_path(osp.join(REPO, TOOL))['input_hw']
    x3d = MODELS.build(x3d_cfg())

    def cfg(*crops):
        return Config(dict(test_dataloader=dict(dataset=dict(pipeline=[
            dict(type='Resize', scale=(-1, 64))] + [
                dict(type='CenterCrop', crop_size=c) for c in crops]))))

    assert input_hw(cfg(48), x3d, 20) == (20, 20)
    assert input_hw(cfg(48), model) == (32, 32)  # the tiny CLIP's
    assert input_hw(cfg(48), model, 32) == (32, 32)
    # CLIP's position embeddings fit one size: another one is named early
    # (it ended in a tensor-size error inside the export)
    with pytest.raises(KeyError) as info:
        input_hw(cfg(48), model, 31)
    assert info.value.args[0] == (
        '--size 31: the CLIP backbone takes 32x32 images (its position '
        'embeddings fit that grid of patches); pass --size 32 or leave '
        '--size out')
    with pytest.raises(KeyError, match='--size 0: give a positive'):
        input_hw(cfg(48), x3d, 0)
    assert input_hw(cfg(64, 48), x3d) == (48, 48)
    assert input_hw(cfg((40, 24)), x3d) == (24, 40)
    with pytest.raises(KeyError, match='pass --size'):
        input_hw(cfg(), x3d)
