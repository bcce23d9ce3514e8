# Copyright (c) OpenMMLab. All rights reserved.
"""Deploy form of MoTE: the experts of every FFN merged into one.

The merged weights are the normalised weighted sum of the experts, the
single-FFN model built from them predicts what the expert model predicts
in eval mode (training and zero-shot vocabularies), and bad merge inputs
are refused before anything is written."""
import os

import pytest
import torch
from mmaction.registry import MODELS

from _tiny_model import CLASSES, build_tiny, clips, samples
from mote_mmaction.models.deploy import (check_temporal_layers, count_experts,
                                         merge_experts_state_dict,
                                         save_merged_checkpoint)
from mote_mmaction.testing import tiny_mote_model_cfg

LAYERS = 2
FFN = 'cls_head.temporal.resblocks.{i}.mlp.{fc}.{e}.{leaf}'


@pytest.fixture(scope='module')
def experts():
    """A 2-layer, 4-expert tiny MoTE whose experts (biases included) are
    far apart, as after training, with its training table built."""
    model = build_tiny(num_layers=LAYERS)
    g = torch.Generator().manual_seed(1)
    with torch.no_grad():
        for p in model.cls_head.parameters():
            p.add_(0.05 * torch.randn(p.shape, generator=g))
    model.cls_head.train_table()
    return model.eval()


def _build(**kwargs):
    """A tiny MoTE of ``LAYERS`` layers, to load a state dict into."""
    return MODELS.build(tiny_mote_model_cfg(CLASSES, num_layers=LAYERS,
                                            **kwargs))


def _ffn_keys():
    for i in range(LAYERS):
        for fc in ('fc_up', 'fc_dn'):
            for leaf in ('weight', 'bias'):
                yield i, fc, leaf


def test_count_experts(experts):
    """Experts per FFN from the key names; 0 for a state dict without."""
    state = experts.state_dict()
    assert count_experts(state) == 4
    assert count_experts(_build(num_experts=1).state_dict()) == 1
    assert count_experts(experts.backbone.state_dict()) == 0


@pytest.mark.parametrize('coeffs', [None, [1.0, 2.0, 3.0, 4.0]])
def test_merged_weights_are_the_normalised_weighted_sum(experts, coeffs):
    """Each merged FFN tensor is ``sum_e c_e W_e / sum_e c_e`` (uniform by
    default); every other tensor is copied unchanged and the keys are
    exactly those of the single-FFN model, in its order."""
    state = experts.state_dict()
    merged = merge_experts_state_dict(state, coeffs)
    c = [0.25] * 4 if coeffs is None else [x / 10.0 for x in coeffs]
    for i, fc, leaf in _ffn_keys():
        want = sum(c[e] * state[FFN.format(i=i, fc=fc, e=e,
                                           leaf=leaf)].double()
                   for e in range(4))
        got = merged[FFN.format(i=i, fc=fc, e=0, leaf=leaf)]
        assert got.dtype == torch.float32
        torch.testing.assert_close(got, want.float())
    deploy_keys = list(_build(num_experts=1).state_dict())
    assert list(merged) == deploy_keys
    for key in deploy_keys:
        if '.mlp.fc_' not in key:
            assert merged[key] is state[key], key


def test_half_precision_is_merged_in_fp32(experts):
    """fp16 experts are summed in fp32 and cast back once: the result is
    the fp32 merge rounded to fp16, not an fp16 running sum."""
    state = {k: v.half() for k, v in experts.state_dict().items()}
    merged = merge_experts_state_dict(state, [1.0, 1.0, 1.0, 5.0])
    key = FFN.format(i=0, fc='fc_up', e=0, leaf='weight')
    stack = torch.stack([
        state[FFN.format(i=0, fc='fc_up', e=e, leaf='weight')].float()
        for e in range(4)
    ])
    want = (torch.tensor([1, 1, 1, 5.0])[:, None, None] / 8 * stack).sum(0)
    assert merged[key].dtype == torch.float16
    assert torch.equal(merged[key], want.half())


@pytest.mark.parametrize('coeffs', [None, [1.0, 2.0, 3.0, 4.0]])
def test_deploy_model_predicts_as_the_expert_model(experts, coeffs):
    """The single-FFN model loaded strictly from the merge gives the
    4-expert model's eval predictions (same ``eval_merge_coeffs``), over
    the training classes and over a zero-shot vocabulary (TFM on)."""
    if coeffs is None:
        ref = experts
    else:
        ref = _build(eval_merge_coeffs=coeffs)
        ref.load_state_dict(experts.state_dict(), strict=True)
        ref.eval()
    deploy = _build(num_experts=1)
    deploy.load_state_dict(merge_experts_state_dict(experts.state_dict(),
                                                    coeffs), strict=True)
    deploy.eval()
    assert sum(p.numel() for p in deploy.parameters()) < sum(
        p.numel() for p in ref.parameters())
    batch = dict(inputs=list(clips(b=3)), data_samples=samples([0, 1, 2]))
    models = (ref, deploy, experts)
    for m in models[:2]:  # one (seeded, frozen) text tower: tables once
        m.cls_head.tables.text_encoder = experts.cls_head.text_encoder
    try:
        for vocab in (None, ['spinning', 'jumping', 'falling']):
            for m in models:
                m.set_vocabulary(vocab)
            with torch.no_grad():
                want, got, uniform = (m.test_step(batch) for m in models)
            n = len(CLASSES) if vocab is None else len(vocab)
            for a, b, u in zip(want, got, uniform):
                assert a.pred_score.shape == (n, )
                torch.testing.assert_close(b.pred_score, a.pred_score,
                                           rtol=0, atol=1e-6)
                if coeffs is not None:  # the coefficients matter
                    assert (u.pred_score - a.pred_score).abs().max() > 1e-5
    finally:
        for m in models:
            m.set_vocabulary(None)


@pytest.mark.parametrize('coeffs,match', [
    ([1.0, 1.0, 1.0], '4 experts in .*fc_up but 3 coeffs'),
    ([1.0, -1.0, 1.0, 1.0], 'must be 4 finite, non-negative'),
    ([1.0, float('nan'), 1.0, 1.0], 'must be 4 finite, non-negative'),
    ([0.0, 0.0, 0.0, 0.0], 'with a positive sum, got \\[0.0, 0.0'),
])
def test_bad_coefficients_are_refused(experts, tmp_path, coeffs, match):
    """Wrong count, negative, non-finite or all-zero merge weights raise a
    ``ValueError`` saying what is expected, and no file is written."""
    with pytest.raises(ValueError, match=match):
        merge_experts_state_dict(experts.state_dict(), coeffs)
    out = str(tmp_path / 'merged.pth')
    with pytest.raises(ValueError, match=match):
        save_merged_checkpoint(experts.state_dict(), out, coeffs)
    assert os.listdir(tmp_path) == []


def test_expert_ids_with_a_gap_are_refused(experts):
    """An FFN whose experts are not ``0..N-1`` (a key lost) names the FFN
    and the ids it has."""
    state = dict(experts.state_dict())
    del state[FFN.format(i=1, fc='fc_dn', e=2, leaf='bias')]
    with pytest.raises(KeyError, match=r'resblocks\.1\.mlp\.fc_dn\.\*\.bias'
                       r': expert ids \[0, 1, 3\]'):
        merge_experts_state_dict(state)


def test_save_merged_checkpoint(experts, tmp_path):
    """The file holds the merge and the given meta plus the deploy marks;
    a state dict without experts is refused and nothing is written."""
    out = str(tmp_path / 'mote_merged.pth')
    n = save_merged_checkpoint(experts.state_dict(), out, [1, 2, 3, 4],
                               meta=dict(epoch=3, num_experts=4))
    assert n == 4
    assert os.listdir(tmp_path) == ['mote_merged.pth']  # no temp file left
    ckpt = torch.load(out, map_location='cpu', weights_only=True)
    assert ckpt['meta'] == dict(epoch=3, mote_deploy=True, num_experts=1,
                                merged_from=4)
    want = merge_experts_state_dict(experts.state_dict(), [1, 2, 3, 4])
    assert list(ckpt['state_dict']) == list(want)
    for key, value in want.items():
        assert torch.equal(ckpt['state_dict'][key], value), key

    none = str(tmp_path / 'none.pth')
    with pytest.raises(KeyError, match='not a MoTE checkpoint'):
        save_merged_checkpoint(experts.backbone.state_dict(), none)
    assert not os.path.exists(none)


def test_incomplete_temporal_layers_are_named():
    state = {}
    for i in range(2):
        for e in range(3):
            for p in ('up', 'dn'):
                for leaf in ('weight', 'bias'):
                    state[f'transformer.resblocks.{i}.mlp.fc_{p}.{e}.{leaf}'] \
                        = torch.zeros(1)
        state[f'transformer.resblocks.{i}.mlp.mote_fusion_weight'] = \
            torch.zeros(3)
    check_temporal_layers(state, 'f.pt')
    one = dict(state)
    del one['transformer.resblocks.1.mlp.fc_up.1.bias']
    with pytest.raises(KeyError, match=r"resblocks.1 lacks \['transformer"
                       r".resblocks.1.mlp.fc_up.1.bias'\]"):
        check_temporal_layers(one, 'f.pt')
    last = {k: v for k, v in state.items() if '.2.' not in k}
    with pytest.raises(KeyError, match='mote_fusion_weight has 3 entries '
                       'but the file has 2 experts'):
        check_temporal_layers(last, 'f.pt')
