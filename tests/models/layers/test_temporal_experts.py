# Copyright (c) OpenMMLab. All rights reserved.
import pytest
import torch

from mote_mmaction.models.layers import (MoTEExpertsFFN,
                                         normalize_merge_coeffs, rank_softmax)


def _ffn(seed=0, n=4, **kw):
    torch.manual_seed(seed)
    m = MoTEExpertsFFN(16, num_experts=n, **kw)
    m.reset_parameters()
    return m


def _manual(m, x, coeffs):
    w_up = sum(c * e.weight for c, e in zip(coeffs, m.fc_up))
    b_up = sum(c * e.bias for c, e in zip(coeffs, m.fc_up))
    w_dn = sum(c * e.weight for c, e in zip(coeffs, m.fc_dn))
    b_dn = sum(c * e.bias for c, e in zip(coeffs, m.fc_dn))
    hid = x @ w_up.t() + b_up
    return (hid * torch.sigmoid(1.702 * hid)) @ w_dn.t() + b_dn


def test_three_ways_to_run_the_experts():
    m = _ffn()
    x = torch.randn(3, 5, 16)
    c = rank_softmax(4, 0.6).float()
    with torch.no_grad():
        assert torch.allclose(m(x, coeffs=c), _manual(m, x, c), atol=1e-6)
        one_hot = torch.tensor([0., 0., 1., 0.])
        assert torch.allclose(m(x, expert=2), _manual(m, x, one_hot),
                              atol=1e-6)
        # eval merge: uniform by default
        assert torch.allclose(m(x), _manual(m, x, [0.25] * 4), atol=1e-6)


def test_eval_coeffs_are_normalised_and_checked():
    m = _ffn(eval_coeffs=[1, 1, 2, 0])
    assert m.eval_coeffs.tolist() == [0.25, 0.25, 0.5, 0.0]
    x = torch.randn(2, 16)
    with torch.no_grad():
        assert torch.allclose(m(x), _manual(m, x, [0.25, 0.25, 0.5, 0.0]),
                              atol=1e-6)
    for bad in ([1, 1, 1], [1, -1, 1, 1], [0, 0, 0, 0],
                [1, float('nan'), 1, 1], [1, float('inf'), 1, 1]):
        with pytest.raises(ValueError, match='non-negative'):
            MoTEExpertsFFN(16, num_experts=4, eval_coeffs=bad)
    assert normalize_merge_coeffs([2, 2], 2).tolist() == [0.5, 0.5]


def test_eval_merge_sees_every_weight_change():
    m = _ffn().eval()
    x = torch.randn(2, 16)
    with torch.no_grad():
        before = m(x)
        m.fc_up[1].weight.data.add_(0.5)  # no version bump through .data
        after = m(x)
        assert not torch.allclose(before, after)
        assert torch.allclose(after, _manual(m, x, [0.25] * 4), atol=1e-6)
        m.fc_dn[3].bias.add_(1.0)  # in place, as an optimizer step
        assert torch.allclose(m(x), _manual(m, x, [0.25] * 4), atol=1e-6)
        m.load_state_dict(_ffn(seed=5).state_dict())
        assert torch.allclose(m(x), _manual(m, x, [0.25] * 4), atol=1e-6)


def test_eval_merge_has_gradient_when_autograd_is_on():
    m = _ffn()
    m(torch.randn(2, 16)).sum().backward()
    assert all(p.grad is not None and p.grad.abs().sum() > 0
               for name, p in m.named_parameters() if name.endswith(
                   'weight'))


def test_init_is_independent_per_expert():
    m = _ffn(seed=3, n=4)
    for layers in (m.fc_up, m.fc_dn):
        w = [e.weight for e in layers]
        assert all(not torch.equal(w[i], w[j]) for i in range(4)
                   for j in range(i + 1, 4))
        for e in layers:
            assert abs(e.weight.std().item() - 0.02) < 0.003
            assert abs(e.weight.mean().item()) < 0.003
            assert torch.count_nonzero(e.bias) == 0


def test_merge_stays_fp32_under_autocast():
    m = _ffn(seed=4)
    c = rank_softmax(4, 0.6).float()
    with torch.autocast('cpu', dtype=torch.bfloat16):
        merged = m.merged_params(c)
    assert all(p.dtype == torch.float32 for p in merged)
    ref = sum(ci * e.weight for ci, e in zip(c, m.fc_up))
    assert torch.allclose(merged[0], ref, atol=1e-7)


def test_one_expert_is_a_plain_ffn():
    m = _ffn(n=1)
    x = torch.randn(2, 16)
    with torch.no_grad():
        plain = m.fc_dn[0](m.act(m.fc_up[0](x)))
        assert torch.equal(m(x), plain)
        assert torch.equal(m(x, expert=0), plain)
    with pytest.raises(ValueError, match='num_experts'):
        MoTEExpertsFFN(16, num_experts=0)
