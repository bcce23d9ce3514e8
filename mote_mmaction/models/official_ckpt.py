# Copyright (c) OpenMMLab. All rights reserved.
"""Read the MoTE authors' checkpoints (``MoTE_B16.pt``, ``MoTE_L14.pt``).

Their layout (``utils/utils.py`` of ZMHH-H/MoTE): a dict with
``model_state_dict`` (OpenAI-CLIP ``visual.*`` keys and ``logit_scale``) and
``fusion_model_state_dict`` (``spe_cls_feature``, the frame-position table,
``transformer.resblocks.{l}.{attn,ln_1,ln_2}.*``, experts
``mlp.fc_{up,dn}.{e}.*`` and ``mlp.mote_fusion_weight``).
"""
import os.path as osp
from collections import OrderedDict
from typing import Dict, List, Optional, Tuple

import torch

from ..compat.checkpoint_fit import strip_prefixes
from ..compat.tool_commands import tool_command
from .deploy import count_experts, merge_experts_state_dict

_REQUIRED_TOP = ('model_state_dict', 'fusion_model_state_dict')
_REQUIRED_FUSION = ('spe_cls_feature', 'frame_position_embeddings.weight')


def _strip_module(state: Dict[str, torch.Tensor]) -> Dict[str, torch.Tensor]:
    return strip_prefixes(state)


def is_official_layout(ckpt) -> bool:
    """Whether a loaded file has the authors' top-level keys."""
    return isinstance(ckpt, dict) and all(k in ckpt for k in _REQUIRED_TOP)


def converter_command(src: str = 'MoTE_B16.pt',
                      dst: Optional[str] = None) -> str:
    """The command that converts an authors' file ``src`` (to ``dst``,
    default: ``<src stem>_converted.pth`` beside it): the script in a
    source checkout, ``mim run`` where ``tools/`` is not on disk."""
    if dst is None:
        dst = osp.splitext(src)[0] + '_converted.pth'
    return tool_command('tools/convert_official_ckpt.py', src, dst)


def check_official_layout(ckpt) -> None:
    """Raise ``KeyError`` naming what is missing if ``ckpt`` is not in the
    authors' layout."""
    if not isinstance(ckpt, dict):
        raise KeyError(f'expected a dict checkpoint, got {type(ckpt)}')
    missing = [k for k in _REQUIRED_TOP if k not in ckpt]
    if missing:
        raise KeyError(
            f'not a MoTE checkpoint of the authors\' layout: missing '
            f'{missing} (top-level keys: {sorted(ckpt)[:8]})')
    model = _strip_module(ckpt['model_state_dict'])
    fusion = _strip_module(ckpt['fusion_model_state_dict'])
    problems = [k for k in _REQUIRED_FUSION if k not in fusion]
    if not any(k.startswith('transformer.resblocks.') for k in fusion):
        problems.append('transformer.resblocks.*')
    if not any(k.startswith('visual.') for k in model):
        problems.append('model_state_dict: visual.*')
    if 'logit_scale' not in model:
        problems.append('model_state_dict: logit_scale')
    if problems:
        raise KeyError('not a MoTE checkpoint of the authors\' layout: '
                       f'missing {problems}')


def convert_official(ckpt: dict,
                     clip_state: Optional[Dict[str, torch.Tensor]] = None,
                     alpha: Optional[float] = None,
                     merge: bool = False
                     ) -> Tuple['OrderedDict', List[str], dict]:
    """Map an authors' checkpoint onto this package's ``MoTERecognizer``.

    Args:
        ckpt (dict): The loaded ``.pt`` file.
        clip_state (dict, optional): Original CLIP state dict (OpenAI layout)
            for the test-time blend.
        alpha (float, optional): Blend ``alpha * ft + (1 - alpha) * clip`` of
            every fine-tuned tensor also in ``clip_state`` (the visual tower
            and ``logit_scale``), as the authors' test scripts (0.99).
        merge (bool): Merge experts (deploy form, ``num_experts=1``) with
            ``softmax(mote_fusion_weight)``.

    Returns:
        tuple: ``(state_dict, report lines, info)`` where ``info`` holds
        ``num_experts``, ``num_layers``, ``embed_dim``, ``num_classes``,
        ``uniform_merge`` and, when blended, ``clip_blend_alpha``.
    """
    check_official_layout(ckpt)
    model = _strip_module(ckpt['model_state_dict'])
    fusion = _strip_module(ckpt['fusion_model_state_dict'])
    out: 'OrderedDict[str, torch.Tensor]' = OrderedDict()
    report: List[str] = []

    blended = 0
    for k, v in model.items():
        v = v.float() if v.is_floating_point() else v
        if alpha is not None and clip_state is not None and k in clip_state:
            v = alpha * v + (1 - alpha) * clip_state[k].float().to(v.device)
            blended += 1
        if k.startswith('visual.'):
            out['backbone.' + k] = v
        elif k == 'logit_scale':
            out['cls_head.logit_scale'] = v.reshape(())
        else:
            report.append(f'skipped model_state_dict.{k} (not used by MoTE)')
    n_visual = sum(k.startswith('visual.') for k in model)
    report.append(f'model_state_dict: {n_visual} visual.* -> '
                  'backbone.visual.*, logit_scale -> cls_head.logit_scale')
    if alpha is not None:
        if clip_state is None:
            raise ValueError('alpha given without the original CLIP weights')
        report.append(f'blended {blended} tensors with the original CLIP '
                      f'(alpha={alpha})')

    coeffs = None
    for k, v in fusion.items():
        v = v.float() if v.is_floating_point() else v
        if k == 'spe_cls_feature':
            out['cls_head.train_class_embeds'] = v
        elif k.endswith('mlp.mote_fusion_weight'):
            c = torch.softmax(v.double(), dim=0)
            if coeffs is None:
                coeffs = c
            elif not torch.allclose(coeffs, c):
                raise ValueError('mote_fusion_weight differs between layers')
        elif k.startswith(('transformer.resblocks.',
                           'frame_position_embeddings.')):
            out['cls_head.temporal.' + k.removeprefix('transformer.')] = v
        else:
            report.append(f'skipped fusion_model_state_dict.{k}')
    report.append('fusion_model_state_dict: spe_cls_feature -> '
                  'cls_head.train_class_embeds, transformer.resblocks.* -> '
                  'cls_head.temporal.resblocks.*, frame_position_embeddings '
                  '-> cls_head.temporal.frame_position_embeddings')

    n_exp = count_experts(out)
    uniform = coeffs is None or torch.allclose(
        coeffs, torch.full_like(coeffs, 1.0 / len(coeffs)))
    if merge:
        out = merge_experts_state_dict(
            out, None if coeffs is None else coeffs.tolist())
        used = 'uniform' if coeffs is None else [
            round(x, 4) for x in coeffs.tolist()]
        report.append(f'merged {n_exp} experts per FFN with '
                      f'softmax(mote_fusion_weight) = {used}')
    elif not uniform:
        report.append('WARNING: mote_fusion_weight is not uniform; set '
                      f'model.cls_head.eval_merge_coeffs={coeffs.tolist()}')
    layers = {k.split('.')[3] for k in out
              if k.startswith('cls_head.temporal.resblocks.')}
    info = dict(
        num_experts=1 if merge else n_exp,
        num_layers=len(layers),
        embed_dim=int(out['cls_head.train_class_embeds'].shape[1]),
        num_classes=int(out['cls_head.train_class_embeds'].shape[0]),
        uniform_merge=bool(uniform))
    if alpha is not None:
        # written to the checkpoint's meta: MoTECLIPBlendHook then does not
        # blend these weights a second time
        info['clip_blend_alpha'] = float(alpha)
    return out, report, info
