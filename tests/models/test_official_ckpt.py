# Copyright (c) OpenMMLab. All rights reserved.
"""The MoTE authors' checkpoint layout onto ``MoTERecognizer``.

Every tensor of the authors' file lands, unchanged, on one key of the
model and every key of the model is filled (the converted state dict loads
strictly); the merge and the CLIP blend give the weights their formulas
say; files of another layout are refused naming what they lack, and keys
the model does not use are reported. The command line around it
(tools/convert_official_ckpt.py, checked against the authors' forward
formulas) is tested in tests/tools/test_checkpoints.py."""
import math

import pytest
import torch
from mmaction.registry import MODELS

from _official_ckpt import C, D, L, N, official_checkpoint
from mote_mmaction.compat.checkpoint_fit import (CheckpointMismatchError,
                                                 check_fits)
from mote_mmaction.models.official_ckpt import (check_official_layout,
                                                convert_official)
from mote_mmaction.testing import tiny_mote_model_cfg

CLASSES = [f'class {i}' for i in range(C)]
FFN = 'transformer.resblocks.{i}.mlp.{fc}.{e}.{leaf}'


@pytest.fixture(scope='module')
def authors():
    """A checkpoint in the authors' layout (``module.`` prefixes) and the
    CLIP its visual tower was taken from."""
    return official_checkpoint()


@pytest.fixture
def ckpt(authors):
    """A copy of the authors' checkpoint whose key sets are free to edit
    (the tensors are shared: not to be changed in place)."""
    ckpt = dict(authors[0])
    for part in ('model_state_dict', 'fusion_model_state_dict'):
        ckpt[part] = dict(ckpt[part])
    return ckpt


def _build(num_experts):
    """The tiny MoTE the authors' test file fits (``num_experts=1``: the
    deploy form)."""
    cfg = tiny_mote_model_cfg(CLASSES, num_layers=L, num_experts=num_experts)
    return MODELS.build(cfg)


@pytest.mark.parametrize('prefix', ['module.', ''])
def test_keys_map_both_ways(prefix):
    """Each authors' tensor is on its model key with the same values, and
    the keys are exactly the model's: it loads strictly."""
    ckpt, _ = official_checkpoint(prefix=prefix)
    out, report, info = convert_official(ckpt)
    src_model, fusion = ckpt['model_state_dict'], ckpt[
        'fusion_model_state_dict']
    want = {}
    for k, v in src_model.items():
        k = k[len(prefix):]
        want['backbone.' + k if k.startswith('visual.') else
             'cls_head.' + k] = v
    for k, v in fusion.items():
        if k == 'spe_cls_feature':
            want['cls_head.train_class_embeds'] = v
        elif not k.endswith('mote_fusion_weight'):
            want['cls_head.temporal.' + k.replace('transformer.', '')] = v
    assert sorted(out) == sorted(want)
    for k, v in want.items():
        assert torch.equal(out[k], v.reshape(out[k].shape)), k
    assert out['cls_head.logit_scale'].shape == ()  # CLIP's scalar

    model = _build(N)
    assert sorted(model.state_dict()) == sorted(out)
    model.load_state_dict(out, strict=True)
    assert model.cls_head.logit_scale.item() == pytest.approx(4.5)
    assert torch.equal(model.cls_head.train_class_embeds,
                       fusion['spe_cls_feature'])
    assert info == dict(num_experts=N, num_layers=L, embed_dim=D,
                        num_classes=C, uniform_merge=True)
    n_visual = sum(k.startswith(prefix + 'visual.') for k in src_model)
    assert report == [
        f'model_state_dict: {n_visual} visual.* -> backbone.visual.*, '
        'logit_scale -> cls_head.logit_scale',
        'fusion_model_state_dict: spe_cls_feature -> '
        'cls_head.train_class_embeds, transformer.resblocks.* -> '
        'cls_head.temporal.resblocks.*, frame_position_embeddings -> '
        'cls_head.temporal.frame_position_embeddings'
    ]


def test_merge_uses_softmax_of_the_fusion_weights(ckpt):
    """``merge=True``: one FFN per layer, the experts weighted by
    ``softmax(mote_fusion_weight)``; the keys are the deploy model's."""
    fusion = ckpt['fusion_model_state_dict']
    for i in range(L):
        fusion[f'transformer.resblocks.{i}.mlp.mote_fusion_weight'] = \
            torch.arange(N, dtype=torch.float32)
    out, report, info = convert_official(ckpt, merge=True)
    w = [math.exp(i) / sum(math.exp(j) for j in range(N)) for i in range(N)]
    for i in range(L):
        for fc in ('fc_up', 'fc_dn'):
            for leaf in ('weight', 'bias'):
                want = sum(w[e] * fusion[FFN.format(
                    i=i, fc=fc, e=e, leaf=leaf)].double() for e in range(N))
                got = out[f'cls_head.temporal.resblocks.{i}.mlp.{fc}.0.'
                          f'{leaf}']
                torch.testing.assert_close(got, want.float())
    model = _build(1)
    assert sorted(model.state_dict()) == sorted(out)
    model.load_state_dict(out, strict=True)
    assert info['num_experts'] == 1 and info['uniform_merge'] is False
    assert report[-1] == (f'merged {N} experts per FFN with '
                          'softmax(mote_fusion_weight) = '
                          '[0.0321, 0.0871, 0.2369, 0.6439]')


def test_non_uniform_fusion_weights_without_merge_warn(ckpt):
    """Kept experts with non-uniform fusion weights: the report says which
    ``eval_merge_coeffs`` reproduce the authors' merge."""
    fusion = ckpt['fusion_model_state_dict']
    for i in range(L):
        fusion[f'transformer.resblocks.{i}.mlp.mote_fusion_weight'] = \
            torch.tensor([0.0, 0.0, 0.0, math.log(5.0)])
    _, report, info = convert_official(ckpt)
    assert info['uniform_merge'] is False and info['num_experts'] == N
    warning = report[-1]
    assert warning.startswith('WARNING: mote_fusion_weight is not uniform; '
                              'set model.cls_head.eval_merge_coeffs=[')
    coeffs = [float(x) for x in warning.split('=[')[1][:-1].split(',')]
    assert coeffs == pytest.approx([0.125, 0.125, 0.125, 0.625])


def test_fusion_weights_differing_between_layers_are_refused(ckpt):
    """One merge for the whole model: layers that disagree are an error."""
    fusion = ckpt['fusion_model_state_dict']
    fusion['transformer.resblocks.1.mlp.mote_fusion_weight'] = \
        torch.tensor([1.0, 0.0, 0.0, 0.0])
    with pytest.raises(ValueError, match='differs between layers'):
        convert_official(ckpt)


def test_blend_with_the_original_clip(ckpt, authors):
    """``alpha``: every fine-tuned tensor the CLIP file also has (visual
    tower, ``logit_scale``) becomes ``alpha * ft + (1 - alpha) * clip``;
    the rest is untouched and the alpha is recorded."""
    _, clip = authors
    torch.manual_seed(5)
    clip_state = {k: torch.randn_like(v) if v.is_floating_point() else v
                  for k, v in clip.state_dict().items()}
    clip_state['logit_scale'] = torch.tensor(math.log(1 / 0.07))
    out, report, info = convert_official(ckpt, clip_state, alpha=0.9)
    model_sd = ckpt['model_state_dict']
    for k, v in model_sd.items():
        k = k[len('module.'):]
        key = 'backbone.' + k if k.startswith('visual.') else 'cls_head.' + k
        torch.testing.assert_close(
            out[key], 0.9 * v + 0.1 * clip_state[k])
    assert out['cls_head.logit_scale'].item() == pytest.approx(
        0.9 * 4.5 + 0.1 * math.log(1 / 0.07))
    assert torch.equal(out['cls_head.train_class_embeds'],
                       ckpt['fusion_model_state_dict']['spe_cls_feature'])
    assert f'blended {len(model_sd)} tensors with the original CLIP ' \
        '(alpha=0.9)' in report
    assert info['clip_blend_alpha'] == 0.9
    # the CLIP weights alone blend nothing; alpha alone is an error
    out, _, info = convert_official(ckpt, clip_state)
    assert torch.equal(out['cls_head.logit_scale'], torch.tensor(4.5))
    assert 'clip_blend_alpha' not in info
    with pytest.raises(ValueError, match='alpha given without the original'):
        convert_official(ckpt, alpha=0.9)


def test_unused_keys_are_reported_not_loaded(ckpt):
    """Keys the model has no place for are named in the report and left
    out, so the result still loads strictly."""
    ckpt['model_state_dict']['module.token_embedding.weight'] = \
        torch.zeros(3, D)
    ckpt['fusion_model_state_dict']['prompt_learner.ctx'] = torch.zeros(2)
    out, report, _ = convert_official(ckpt)
    assert 'skipped model_state_dict.token_embedding.weight (not used by ' \
        'MoTE)' in report
    assert 'skipped fusion_model_state_dict.prompt_learner.ctx' in report
    assert not any('token_embedding' in k or 'prompt' in k for k in out)
    _build(N).load_state_dict(out, strict=True)


def test_missing_expert_is_named(ckpt):
    """A file that lost one expert tensor: merging names the FFN and its
    expert ids; unmerged, the model refuses it naming the key."""
    del ckpt['fusion_model_state_dict'][FFN.format(i=1, fc='fc_dn', e=2,
                                                   leaf='weight')]
    with pytest.raises(KeyError, match=r'resblocks\.1\.mlp\.fc_dn\.\*\.'
                       r'weight: expert ids \[0, 1, 3\]'):
        convert_official(ckpt, merge=True)
    out, _, _ = convert_official(ckpt)
    with pytest.raises(CheckpointMismatchError,
                       match=r'not in the file \(cls_head\.temporal\.'
                       r'resblocks\.1\.mlp\.fc_dn\.2\.weight\)'):
        check_fits(_build(N), out, 'f.pth')


def _drop(part, start):
    """An edit removing the keys of ``ckpt[part]`` that start with
    ``start`` (``module.`` aside)."""

    def edit(ckpt):
        state = ckpt[part]
        for k in [k for k in state
                  if k.removeprefix('module.').startswith(start)]:
            del state[k]
        return ckpt

    return edit


@pytest.mark.parametrize('edit,match', [
    (lambda c: [c], "expected a dict checkpoint, got <class 'list'>"),
    (lambda c: dict(state_dict=c['model_state_dict']),
     r"missing \['model_state_dict', 'fusion_model_state_dict'\] "
     r"\(top-level keys: \['state_dict'\]\)"),
    (lambda c: dict(model_state_dict=c['model_state_dict']),
     r"missing \['fusion_model_state_dict'\]"),
    (_drop('fusion_model_state_dict', 'spe_cls_feature'),
     r"missing \['spe_cls_feature'\]"),
    (_drop('fusion_model_state_dict', 'frame_position_embeddings.weight'),
     r"missing \['frame_position_embeddings.weight'\]"),
    (_drop('fusion_model_state_dict', 'transformer.resblocks.'),
     r"missing \['transformer.resblocks.\*'\]"),
    (_drop('model_state_dict', 'visual.'),
     r"missing \['model_state_dict: visual.\*'\]"),
    (_drop('model_state_dict', 'logit_scale'),
     r"missing \['model_state_dict: logit_scale'\]"),
])
def test_other_layouts_are_refused_naming_what_is_missing(ckpt, edit, match):
    """``check_official_layout`` (and so ``convert_official``) raise a
    ``KeyError`` that names the missing parts."""
    bad = edit(ckpt)
    with pytest.raises(KeyError, match=match):
        check_official_layout(bad)
    with pytest.raises(KeyError, match=match):
        convert_official(bad)


def test_every_missing_part_is_named_at_once(ckpt, authors):
    """All that is missing is listed, not only the first."""
    del ckpt['fusion_model_state_dict']['spe_cls_feature']
    del ckpt['model_state_dict']['module.logit_scale']
    with pytest.raises(KeyError, match=r"missing \['spe_cls_feature', "
                       r"'model_state_dict: logit_scale'\]"):
        check_official_layout(ckpt)
    check_official_layout(authors[0])  # the complete layout passes
