# Copyright (c) OpenMMLab. All rights reserved.
import math

import pytest
import torch
import torch.nn.functional as F

from mote_mmaction.models.layers import MoTETemporalTransformer, rank_softmax


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


def test_merged_and_expert_paths_match_functional_computation():
    torch.manual_seed(0)
    tt = MoTETemporalTransformer(64, num_layers=2, num_experts=4)
    x = torch.randn(3, 8, 64)
    coeffs = [rank_softmax(4, 1.2).float(), rank_softmax(4, -4.8).float()]
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


def test_init_of_attention_positions_and_norms():
    torch.manual_seed(3)
    tt = MoTETemporalTransformer(64, num_layers=2, num_experts=4)
    pos = tt.frame_position_embeddings.weight
    assert pos.shape == (77, 64)
    assert abs(pos.std().item() - 0.02) < 0.002
    for blk in tt.resblocks:
        attn = blk.attn
        bound = math.sqrt(6 / (64 + 3 * 64))  # xavier_uniform on [3D, D]
        assert attn.in_proj_weight.abs().max() <= bound
        assert attn.in_proj_weight.std() > 0.03  # not the N(0, 0.02) init
        assert torch.count_nonzero(attn.in_proj_bias) == 0
        assert abs(attn.out_proj.weight.std().item() - 0.02) < 0.003
        for ln in (blk.ln_1, blk.ln_2):
            assert ln.eps == 1e-12
            assert torch.equal(ln.weight, torch.ones(64))
            assert torch.count_nonzero(ln.bias) == 0
    w0 = tt.resblocks[0].mlp.fc_dn[0].weight
    assert not torch.equal(w0, tt.resblocks[1].mlp.fc_dn[0].weight)


def test_too_many_frames_is_a_clear_error():
    tt = MoTETemporalTransformer(64, num_layers=1, max_frames=77)
    with pytest.raises(ValueError, match='77'):
        tt(torch.randn(1, 78, 64))


def test_width_must_divide_by_heads():
    with pytest.raises(ValueError, match='not divisible'):
        MoTETemporalTransformer(64, num_layers=1, num_heads=3)
