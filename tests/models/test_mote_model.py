# Copyright (c) OpenMMLab. All rights reserved.
"""MoTE model parts: backbone, text side, experts, head, TFM, losses."""
import math

import pytest
import torch
import torch.nn.functional as F
from mmaction.registry import MODELS
from mmaction.structures import ActionDataSample
from mmaction.utils import register_all_modules
from mmengine.logging import MessageHub

import mote_mmaction  # noqa: F401
from mote_mmaction.models.layers import (MoTETemporalTransformer,
                                         merge_coefficients, routing_probs,
                                         tau_candidates, temporal_modulation)
from mote_mmaction.testing import tiny_clip_arch, tiny_mote_model_cfg

register_all_modules()

CLASSES = ['moving left', 'moving right', 'growing', 'shrinking']


def build_tiny(**kwargs):
    torch.manual_seed(0)
    model = MODELS.build(tiny_mote_model_cfg(CLASSES, **kwargs))
    model.init_weights()
    return model


def samples(labels):
    return [ActionDataSample().set_gt_label(int(i)) for i in labels]


def clips(b=2, v=1, t=8, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.randint(0, 256, (b, v, 3, t, 32, 32), generator=g).float()


def test_backbone_shapes():
    arch = tiny_clip_arch()
    bb = MODELS.build(dict(type='CLIPViT', arch=arch))
    x = torch.randn(3, 3, 5, 32, 32)
    assert bb(x).shape == (3, 5, 64)
    bb3d = MODELS.build(dict(type='CLIPViT', arch=arch, out_format='NCTHW'))
    bb3d.load_state_dict(bb.state_dict())
    out = bb3d(x)
    assert out.shape == (3, 64, 5, 1, 1)
    assert torch.allclose(out[..., 0, 0].permute(0, 2, 1), bb(x))
    # Frames are encoded independently of each other.
    assert torch.allclose(bb(x[:, :, 2:3])[:, 0], bb(x)[:, 2], atol=1e-6)


def test_backbone_frozen_and_checkpointing():
    arch = tiny_clip_arch()
    bb = MODELS.build(
        dict(type='CLIPViT', arch=arch, frozen=True, grad_checkpointing=True))
    assert not any(p.requires_grad for p in bb.parameters())
    bb.train()
    assert not bb.visual.training
    bb = MODELS.build(dict(type='CLIPViT', arch=arch, grad_checkpointing=True))
    bb.train()
    x = torch.randn(2, 3, 2, 32, 32)
    bb(x).sum().backward()
    assert bb.visual.conv1.weight.grad.abs().sum() > 0


def test_unknown_arch_is_a_clear_error():
    with pytest.raises(KeyError, match='Unknown CLIP architecture'):
        MODELS.build(dict(type='CLIPViT', arch='ViT-Nope-99'))


def test_routing_frequencies_match_softmax():
    model = build_tiny(num_layers=3)
    head = model.cls_head
    counts = torch.zeros(4)
    hub = MessageHub.get_current_instance()
    for it in range(3000):
        hub.update_info('iter', it)
        experts, _ = head.draw_routing()
        for e in experts:
            counts[e] += 1
    freq = counts / counts.sum()
    expected = torch.softmax(torch.arange(1., 5.), 0)
    assert torch.allclose(freq, expected, atol=0.015), (freq, expected)
    assert torch.allclose(routing_probs(4).float(), expected)


def test_routing_is_a_function_of_iteration():
    head = build_tiny(num_layers=4).cls_head
    hub = MessageHub.get_current_instance()
    hub.update_info('iter', 123)
    first = head.draw_routing()
    hub.update_info('iter', 124)
    head.draw_routing()
    hub.update_info('iter', 123)
    assert head.draw_routing() == first  # same (seed, iter, call) -> same


def test_tau_set_and_coefficients():
    taus = tau_candidates(0.6, 5, True)
    assert len(taus) == 11
    expected = sorted([s * 0.6 * 2**k for k in range(5)
                       for s in (-1, 1)] + [math.inf])
    assert list(taus) == pytest.approx(expected)
    assert merge_coefficients(4, math.inf).tolist() == [0.25] * 4
    c = merge_coefficients(4, 0.6)
    assert c.tolist() == pytest.approx([0.0055, 0.029, 0.153, 0.812],
                                       abs=1e-3)
    assert merge_coefficients(4, -0.6).tolist() == pytest.approx(
        c.flip(0).tolist())
    head = build_tiny().cls_head
    assert head.tau_coeffs.shape == (11, 4)
    assert torch.allclose(head.tau_coeffs.sum(1), torch.ones(11))


def _ref_block(x, blk, w_up, b_up, w_dn, b_dn):
    """Independent pre-LN block with torch's MultiheadAttention (T, B, D)."""
    d = x.shape[-1]
    mha = torch.nn.MultiheadAttention(d, blk.attn.num_heads)
    mha.in_proj_weight.data.copy_(blk.attn.in_proj_weight)
    mha.in_proj_bias.data.copy_(blk.attn.in_proj_bias)
    mha.out_proj.weight.data.copy_(blk.attn.out_proj.weight)
    mha.out_proj.bias.data.copy_(blk.attn.out_proj.bias)
    ln = lambda y, m: F.layer_norm(y, (d, ), m.weight, m.bias, 1e-12)  # noqa
    xt = x.transpose(0, 1)
    y = ln(xt, blk.ln_1)
    xt = xt + mha(y, y, y, need_weights=False)[0]
    y = ln(xt, blk.ln_2)
    hid = F.linear(y, w_up, b_up)
    hid = hid * torch.sigmoid(1.702 * hid)
    xt = xt + F.linear(hid, w_dn, b_dn)
    return xt.transpose(0, 1)


def _ref_temporal(x, tt, coeffs_per_layer):
    h = x + tt.frame_position_embeddings.weight[:x.shape[1]]
    for blk, c in zip(tt.resblocks, coeffs_per_layer):
        mlp = blk.mlp
        w_up = sum(ci * m.weight for ci, m in zip(c, mlp.fc_up))
        b_up = sum(ci * m.bias for ci, m in zip(c, mlp.fc_up))
        w_dn = sum(ci * m.weight for ci, m in zip(c, mlp.fc_dn))
        b_dn = sum(ci * m.bias for ci, m in zip(c, mlp.fc_dn))
        h = _ref_block(h, blk, w_up, b_up, w_dn, b_dn)
    return h


def test_merged_path_matches_functional_computation():
    torch.manual_seed(0)
    tt = MoTETemporalTransformer(64, num_layers=2, num_experts=4)
    x = torch.randn(3, 8, 64)
    coeffs = [merge_coefficients(4, 1.2).float(),
              merge_coefficients(4, -4.8).float()]
    with torch.no_grad():
        ours = tt(x, coeffs=coeffs)
        ref = _ref_temporal(x, tt, [c.tolist() for c in coeffs])
    assert (ours - ref).abs().max() < 1e-5
    # One expert per layer equals a merge with one-hot coefficients.
    with torch.no_grad():
        single = tt(x, experts=[2, 0])
        ref = _ref_temporal(x, tt, [[0, 0, 1, 0], [1, 0, 0, 0]])
    assert (single - ref).abs().max() < 1e-5


def test_eval_equals_plain_single_ffn_transformer():
    torch.manual_seed(1)
    tt = MoTETemporalTransformer(64, num_layers=2, num_experts=4).eval()
    plain = MoTETemporalTransformer(64, num_layers=2, num_experts=1).eval()
    state = {}
    for k, v in tt.state_dict().items():
        if '.mlp.fc_' in k:
            stem, e, leaf = k.rsplit('.', 2)
            if e != '0':
                continue
            state[f'{stem}.0.{leaf}'] = torch.stack([
                tt.state_dict()[f'{stem}.{i}.{leaf}'] for i in range(4)
            ]).mean(0)
        else:
            state[k] = v
    plain.load_state_dict(state)
    x = torch.randn(4, 8, 64)
    with torch.no_grad():
        diff = (tt(x) - plain(x)).abs().max()
        ref = _ref_temporal(x, tt, [[0.25] * 4] * 2)
    assert diff <= 1e-6
    assert (tt(x) - ref).abs().max() < 1e-5


def test_eval_merge_is_cached_until_weights_change():
    torch.manual_seed(2)
    tt = MoTETemporalTransformer(64, num_layers=1, num_experts=4).eval()
    mlp = tt.resblocks[0].mlp
    with torch.no_grad():
        first = mlp.eval_params()
        assert mlp.eval_params()[0] is first[0]  # served from the cache
        mlp.fc_up[1].weight.add_(1.0)  # e.g. an optimizer step
        second = mlp.eval_params()
    assert second[0] is not first[0]
    assert torch.allclose(second[0] - first[0],
                          torch.full_like(first[0], 0.25))


def test_init_is_independent_per_expert():
    torch.manual_seed(3)
    tt = MoTETemporalTransformer(64, num_layers=1, num_experts=4)
    mlp = tt.resblocks[0].mlp
    w = [m.weight for m in mlp.fc_up]
    assert not torch.equal(w[0], w[1])
    assert abs(w[0].std().item() - 0.02) < 0.002
    assert all(m.bias.abs().sum() == 0 for m in mlp.fc_up)
    attn = tt.resblocks[0].attn
    bound = math.sqrt(6 / (64 + 3 * 64))  # xavier_uniform on [3D, D]
    assert attn.in_proj_weight.abs().max() <= bound
    assert attn.in_proj_weight.std() > 0.03  # not the N(0, 0.02) init
    assert tt.resblocks[0].ln_1.eps == 1e-12


def test_training_step_gives_every_expert_gradient_and_loss_keys():
    model = build_tiny(num_layers=2)
    model.train()
    losses = model(clips(), samples([0, 3]), mode='loss')
    assert {'loss_cls', 'loss_wmr', 'loss_mse'} <= set(losses)
    total = sum(v for k, v in losses.items() if 'loss' in k)
    total.backward()
    for name, p in model.cls_head.named_parameters():
        assert p.grad is not None and p.grad.abs().sum() > 0, name
    assert model.backbone.visual.conv1.weight.grad.abs().sum() > 0


def test_loss_weights_and_mse_definition(monkeypatch):
    model = build_tiny(num_layers=1)
    head = model.cls_head
    head.train()
    x = torch.randn(2, 8, 64)
    ds = samples([1, 2])
    captured = {}
    orig = head.temporal.forward

    def spy(inp, experts=None, coeffs=None):
        out = orig(inp, experts=experts, coeffs=coeffs)
        captured['merged' if coeffs is not None else 'expert'] = out
        return out

    monkeypatch.setattr(head.temporal, 'forward', spy)
    losses = head.loss(x, ds)
    table = head.train_table()
    scale = head.logit_scale.exp()
    labels = torch.tensor([1, 2])

    def logits(h):
        z = F.normalize((x + h).mean(1), dim=-1)
        return scale * z @ table.t()

    assert torch.allclose(losses['loss_cls'],
                          F.cross_entropy(logits(captured['expert']), labels))
    assert torch.allclose(
        losses['loss_wmr'],
        0.5 * F.cross_entropy(logits(captured['merged']), labels))
    # Code variant: per-frame MSE of (e + h_merged) against e.
    assert torch.allclose(losses['loss_mse'],
                          0.1 * (captured['merged']**2).mean(), atol=1e-6)


def test_video_level_mse_variant():
    model = build_tiny(num_layers=1, mse_target='video')
    head = model.cls_head.train()
    x = torch.randn(2, 8, 64)
    losses = head.loss(x, samples([0, 1]))
    assert losses['loss_mse'] >= 0


def test_tfm_same_vocab_and_constructed_case():
    torch.manual_seed(0)
    train = F.normalize(torch.randn(10, 16), dim=-1)
    frames = torch.randn(3, 8, 16)
    rho = temporal_modulation(frames, train, train, topk=5, gamma=0.05)
    assert torch.allclose(rho, torch.ones(3), atol=1e-5)
    # Constructed: train classes e0, e1; test classes at angle a to e0 and
    # orthogonal to everything. Clip mean along e0 -> top-1 proxies.
    e = torch.eye(16)
    a = 0.3
    test = torch.stack([math.cos(a) * e[0] + math.sin(a) * e[2], e[3]])
    train = torch.stack([e[0], e[1]])
    clip = e[0].expand(1, 4, 16)
    rho = temporal_modulation(clip, test, train, topk=1, gamma=0.05)
    assert rho.item() == pytest.approx(math.exp(-(1 - math.cos(a)) / 0.05),
                                       rel=1e-5)
    # K = 2: test proxies {t0, t1}, best train match cos(a) and 0 -> mean.
    rho = temporal_modulation(clip, test, train, topk=2, gamma=0.05)
    m = (math.cos(a) + 0.0) / 2
    assert rho.item() == pytest.approx(math.exp(-(1 - m) / 0.05), rel=1e-5)


def test_eval_uses_tfm_only_for_other_vocabularies(monkeypatch):
    import mote_mmaction.models.heads.mote_head as mh
    model = build_tiny(num_layers=1).eval()
    calls = []
    orig = mh.temporal_modulation
    monkeypatch.setattr(mh, 'temporal_modulation',
                        lambda *a, **k: calls.append(1) or orig(*a, **k))
    with torch.no_grad():
        model(clips(), samples([0, 1]), mode='predict')
        assert calls == []  # same vocabulary: rho = 1, no retrieval
        model.set_vocabulary(['jumping', 'spinning', 'falling'])
        out = model(clips(), samples([0, 1]), mode='predict')
    assert calls == [1]
    assert out[0].pred_score.shape == (3, )
    assert torch.allclose(out[0].pred_score.sum(), torch.tensor(1.0))


def test_multi_view_fusion_is_mean_of_softmax():
    model = build_tiny(num_layers=1).eval()
    x = clips(b=2, v=3)
    with torch.no_grad():
        out = model(x, samples([0, 1]), mode='predict')
        feats = model.backbone(x.view(6, 3, 8, 32, 32))
        cos = model.cls_head(feats).view(2, 3, -1)
    expected = cos.softmax(-1).mean(1)
    assert torch.allclose(out[1].pred_score, expected[1], atol=1e-6)


def test_text_tower_runs_once_per_vocabulary():
    model = build_tiny(num_layers=1).eval()
    enc = model.cls_head.text_encoder
    with torch.no_grad():
        model(clips(), samples([0, 1]), mode='predict')
        runs = enc.num_tower_runs
        model(clips(), samples([0, 1]), mode='predict')
        assert enc.num_tower_runs == runs
        model.set_vocabulary(['a', 'b'])
        model(clips(), samples([0, 1]), mode='predict')
        runs2 = enc.num_tower_runs
        assert runs2 == runs + 1
        model.set_vocabulary(None)
        model(clips(), samples([0, 1]), mode='predict')
        model.set_vocabulary(['a', 'b'])
        model(clips(), samples([0, 1]), mode='predict')
        assert enc.num_tower_runs == runs2


def test_text_tower_is_outside_the_model():
    model = build_tiny(num_layers=1)
    model.cls_head.train_table()
    names = [k for k, _ in model.named_parameters()]
    assert not any('text' in k or 'token_embedding' in k for k in names)
    keys = list(model.state_dict())
    assert 'cls_head.train_class_embeds' in keys
    assert not any('token_embedding' in k for k in keys)
    table = model.cls_head.train_class_embeds
    assert torch.allclose(table.norm(dim=-1), torch.ones(len(CLASSES)))


def test_class_table_is_template_ensemble():
    model = build_tiny(num_layers=1)
    enc = model.cls_head.text_encoder
    assert len(enc.templates) == 28
    assert 'a video of a person practicing {}.' in enc.templates
    table = enc.encode(['growing'])
    tokens = enc.tokenizer([t.format('growing') for t in enc.templates])
    with torch.no_grad():
        per = F.normalize(enc.tower(tokens), dim=-1)
    assert torch.allclose(table[0], F.normalize(per.mean(0), dim=-1),
                          atol=1e-6)


def test_num_classes_must_match_names():
    cfg = tiny_mote_model_cfg(CLASSES)
    cfg['cls_head']['num_classes'] = 5
    with pytest.raises(ValueError, match='num_classes=5'):
        MODELS.build(cfg)


def test_too_many_frames_is_a_clear_error():
    tt = MoTETemporalTransformer(64, num_layers=1, max_frames=77)
    with pytest.raises(ValueError, match='77'):
        tt(torch.randn(1, 78, 64))


@pytest.mark.parametrize('arch,expected', [('ViT-B-16', 98.8),
                                           ('ViT-L-14', 346.6)])
def test_deploy_parameter_count_matches_paper(arch, expected):
    from mote_mmaction.models.clip_utils import resolve_arch
    layers = 4 if arch == 'ViT-B-16' else 6
    d = resolve_arch(arch)['embed_dim']
    with torch.device('meta'):
        model = MODELS.build(
            dict(
                type='MoTERecognizer',
                backbone=dict(type='CLIPViT', arch=arch),
                cls_head=dict(
                    type='MoTEHead',
                    num_classes=2,
                    in_channels=d,
                    class_names=['a', 'b'],
                    text_encoder=dict(type='CLIPTextEncoder', arch=arch),
                    num_layers=layers,
                    num_experts=1)))
    n = sum(p.numel() for p in model.parameters()) / 1e6
    assert n == pytest.approx(expected, abs=0.1)


def test_expert_merge_stays_fp32_under_autocast():
    torch.manual_seed(4)
    tt = MoTETemporalTransformer(64, num_layers=1, num_experts=4)
    mlp = tt.resblocks[0].mlp
    coeffs = merge_coefficients(4, 0.6).float()
    with torch.autocast('cpu', dtype=torch.bfloat16):
        merged = mlp.merged_params(coeffs)
        out = tt(torch.randn(2, 8, 64), coeffs=[coeffs])
    assert all(p.dtype == torch.float32 for p in merged)
    ref = sum(c * m.weight for c, m in zip(coeffs, mlp.fc_up))
    assert torch.allclose(merged[0], ref, atol=1e-7)
    assert out.dtype == torch.float32
