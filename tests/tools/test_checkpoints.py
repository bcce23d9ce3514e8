# Copyright (c) OpenMMLab. All rights reserved.
"""The authors' checkpoint layout, its converter, and merged export."""
import math
import os.path as osp

import pytest
import torch
import torch.nn.functional as F
from mmaction.registry import MODELS
from mmaction.utils import register_all_modules
from open_clip.model import CLIP

import mote_mmaction  # noqa: F401
from mote_mmaction.compat.checkpoint_fit import (CheckpointMismatchError,
                                                 load_checked)
from mote_mmaction.models.deploy import merge_experts_state_dict
from mote_mmaction.testing import tiny_clip_arch, tiny_mote_model_cfg
from _inprocess_tools import run_script, run_tool_inprocess  # noqa: E402
from _official_ckpt import C, D, L, N, official_checkpoint  # noqa: E402

register_all_modules()
REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CLASSES = [f'class {i}' for i in range(C)]


def authors_forward(frames, fusion, gen_table, spe_table):
    """MoTE's eval computation, written from the paper/code formulas."""
    x = frames
    b, t, d = x.shape
    # TFM
    clip = F.normalize(x.mean(1), dim=-1)
    gi = (clip @ gen_table.t()).topk(5, -1).indices
    si = (clip @ spe_table.t()).topk(5, -1).indices
    sim = torch.bmm(gen_table[gi], spe_table[si].transpose(1, 2))
    rho = 1 / torch.exp((1 - sim.max(-1).values.mean(-1)) / 0.05)
    # temporal transformer, (T, B, D), experts merged with softmax(zeros)
    h = (x + fusion['frame_position_embeddings.weight'][:t]).transpose(0, 1)
    for i in range(L):
        p = f'transformer.resblocks.{i}.'

        def ln(y, name):
            u = y.mean(-1, keepdim=True)
            s = (y - u).pow(2).mean(-1, keepdim=True)
            y = (y - u) / torch.sqrt(s + 1e-12)
            return (fusion[p + name + '.weight'] * y +
                    fusion[p + name + '.bias'])

        y = ln(h, 'ln_1')
        attn, _ = F.multi_head_attention_forward(
            y, y, y, d, d // 64, fusion[p + 'attn.in_proj_weight'],
            fusion[p + 'attn.in_proj_bias'], None, None, False, 0.0,
            fusion[p + 'attn.out_proj.weight'],
            fusion[p + 'attn.out_proj.bias'], training=False,
            need_weights=False)
        h = h + attn
        w = torch.softmax(fusion[p + 'mlp.mote_fusion_weight'], 0)
        up_w = sum(w[e] * fusion[p + f'mlp.fc_up.{e}.weight']
                   for e in range(N))
        up_b = sum(w[e] * fusion[p + f'mlp.fc_up.{e}.bias'] for e in range(N))
        dn_w = sum(w[e] * fusion[p + f'mlp.fc_dn.{e}.weight']
                   for e in range(N))
        dn_b = sum(w[e] * fusion[p + f'mlp.fc_dn.{e}.bias'] for e in range(N))
        y = F.linear(ln(h, 'ln_2'), up_w, up_b)
        h = h + F.linear(y * torch.sigmoid(1.702 * y), dn_w, dn_b)
    out = rho[:, None, None] * h.transpose(0, 1) + x
    z = F.normalize(out.mean(1), dim=-1)
    return z @ F.normalize(gen_table, dim=-1).t()


@pytest.mark.parametrize('merge', [False, True])
def test_converted_model_matches_authors_formulas(tmp_path, merge):
    ckpt, clip = official_checkpoint()
    src = str(tmp_path / 'MoTE_tiny.pt')
    torch.save(ckpt, src)
    # The original CLIP differs from the fine-tuned visual weights.
    torch.manual_seed(99)
    orig = CLIP(**{
        'embed_dim': D,
        'vision_cfg': tiny_clip_arch()['vision_cfg'],
        'text_cfg': tiny_clip_arch()['text_cfg']
    }, quick_gelu=True)
    clip_path = str(tmp_path / 'clip.pt')
    torch.save(orig.state_dict(), clip_path)
    dst = str(tmp_path / 'converted.pth')
    args = ['tools/convert_official_ckpt.py', src, dst, '--clip', clip_path,
            '--alpha', '0.99'] + (['--merge'] if merge else [])
    res = run_script(*args)
    assert res.returncode == 0, res.stderr
    assert 'spe_cls_feature -> cls_head.train_class_embeds' in res.stdout
    # recorded, so MoTECLIPBlendHook does not blend these weights again
    meta = torch.load(dst, map_location='cpu', weights_only=True)['meta']
    assert meta['clip_blend_alpha'] == 0.99

    model = MODELS.build(
        tiny_mote_model_cfg(CLASSES, num_layers=L,
                            num_experts=1 if merge else N))
    # strict: no missing or unexpected keys
    load_checked(model, dst, strict=True)
    model.eval()

    # Independent computation: blend, encode frames, authors' head formulas.
    blended = CLIP(D, tiny_clip_arch()['vision_cfg'],
                   tiny_clip_arch()['text_cfg'], quick_gelu=True).eval()
    bsd = blended.state_dict()
    for k in bsd:
        if k.startswith('visual.'):
            bsd[k] = 0.99 * ckpt['model_state_dict']['module.' + k] + \
                0.01 * orig.state_dict()[k]
    blended.load_state_dict(bsd)
    assert model.cls_head.logit_scale.item() == pytest.approx(
        0.99 * 4.5 + 0.01 * math.log(1 / 0.07), abs=1e-5)

    x = torch.randn(3, 3, 8, 32, 32)
    fusion = ckpt['fusion_model_state_dict']
    spe = fusion['spe_cls_feature']
    zs_names = ['a', 'b', 'c', 'd', 'e', 'f', 'g']
    with torch.no_grad():
        frames = blended.encode_image(x.transpose(1, 2).reshape(24, 3, 32,
                                                                32))
        frames = frames.view(3, 8, D)
        # close-set: the test table is the training table (rho = 1)
        ours = model.cls_head(model.backbone(x))
        ref = authors_forward(frames, fusion, spe, spe)
        assert (ours - ref).abs().max() < 1e-4
        # zero-shot: another vocabulary, TFM active
        model.set_vocabulary(zs_names)
        gen = model.cls_head.eval_table()[0]
        ours = model.cls_head(model.backbone(x))
        ref = authors_forward(frames, fusion, gen, spe)
        assert (ours - ref).abs().max() < 1e-4


def test_wrong_layout_is_refused(tmp_path):
    src = str(tmp_path / 'other.pth')
    torch.save({'state_dict': {'backbone.x': torch.zeros(1)}}, src)
    res = run_script('tools/convert_official_ckpt.py', src,
                     str(tmp_path / 'out.pth'))
    assert res.returncode != 0
    assert 'fusion_model_state_dict' in res.stderr
    assert not osp.exists(tmp_path / 'out.pth')

    ckpt, _ = official_checkpoint()
    del ckpt['fusion_model_state_dict']['spe_cls_feature']
    torch.save(ckpt, src)
    res = run_script('tools/convert_official_ckpt.py', src,
                     str(tmp_path / 'out.pth'))
    assert res.returncode != 0 and 'spe_cls_feature' in res.stderr


@pytest.mark.parametrize('merge', [False, True])
def test_incomplete_authors_file_writes_nothing(tmp_path, merge):
    out = str(tmp_path / 'out.pth')
    flag = ['--merge'] if merge else []
    ckpt, _ = official_checkpoint()
    del ckpt['fusion_model_state_dict'][
        'transformer.resblocks.1.mlp.fc_dn.2.weight']
    src = str(tmp_path / 'one_key.pt')
    torch.save(ckpt, src)
    failed, msg = run_tool_inprocess('tools/convert_official_ckpt.py', src,
                                     out, *flag)
    assert failed and not osp.exists(out)
    assert msg.startswith(src) and \
        'transformer.resblocks.1.mlp.fc_dn.2.weight' in msg
    # the last expert missing everywhere: caught by mote_fusion_weight
    ckpt, _ = official_checkpoint()
    fusion = ckpt['fusion_model_state_dict']
    for k in [k for k in fusion if f'.{N - 1}.' in k]:
        del fusion[k]
    src = str(tmp_path / 'last_expert.pt')
    torch.save(ckpt, src)
    failed, msg = run_tool_inprocess('tools/convert_official_ckpt.py', src,
                                     out, *flag)
    assert failed and not osp.exists(out)
    assert f'has {N} entries but the file has {N - 1} experts' in msg


def _trained_like_model(seed=0):
    torch.manual_seed(seed)
    model = MODELS.build(tiny_mote_model_cfg(CLASSES, num_layers=2))
    with torch.no_grad():  # experts far apart, as after training
        for p in model.cls_head.parameters():
            p.add_(0.05 * torch.randn_like(p))
    model.cls_head.train_table()
    return model


def test_merge_experts_tool_writes_the_merge(tmp_path):
    """The tool's file is ``merge_experts_state_dict`` of the checkpoint
    and loads strictly into the deploy config (that the deploy model
    predicts as the expert model: tests/models/test_deploy.py)."""
    model = _trained_like_model()
    src = str(tmp_path / 'epoch_1.pth')
    torch.save(dict(meta={}, state_dict=model.state_dict()), src)
    dst = str(tmp_path / 'merged.pth')
    res = run_script('tools/merge_experts.py', src, dst)
    assert res.returncode == 0, res.stderr
    assert 'merged 4 experts per FFN' in res.stdout
    ckpt = torch.load(dst, map_location='cpu', weights_only=True)
    want = merge_experts_state_dict(model.state_dict())
    assert list(ckpt['state_dict']) == list(want)
    for key, value in want.items():
        assert torch.equal(ckpt['state_dict'][key], value), key
    deploy = MODELS.build(tiny_mote_model_cfg(CLASSES, num_layers=2,
                                              num_experts=1))
    load_checked(deploy, dst, strict=True)


def test_merge_tool_with_a_folder_as_output_names_a_file(tmp_path):
    """A folder as the output (it ended in IsADirectoryError): one line
    naming a file to give instead, before the checkpoint is read."""
    src = tmp_path / 'epoch_1.pth'
    src.write_bytes(b'not read')
    out = tmp_path / 'deploy'
    out.mkdir()
    res = run_script('tools/merge_experts.py', str(src), str(out))
    assert res.returncode == 1
    assert res.stderr.strip() == (
        f'{out} is a folder; give the output file, e.g. '
        f'{out / "mote_merged.pth"}')
    assert list(out.iterdir()) == []


def test_merge_tool_rejects_non_mote_checkpoint(tmp_path):
    src = str(tmp_path / 'x.pth')
    torch.save({'state_dict': {'a.weight': torch.zeros(1)}}, src)
    res = run_script('tools/merge_experts.py', src, str(tmp_path / 'y.pth'))
    assert res.returncode != 0 and 'not a MoTE checkpoint' in res.stderr


def test_expert_checkpoint_into_deploy_model_is_a_clear_error(tmp_path):
    model = _trained_like_model()
    src = str(tmp_path / 'experts.pth')
    torch.save(dict(state_dict=model.state_dict()), src)
    deploy = MODELS.build(tiny_mote_model_cfg(CLASSES, num_layers=2,
                                              num_experts=1))
    with pytest.raises(CheckpointMismatchError, match='num_experts=4'):
        load_checked(deploy, src)
