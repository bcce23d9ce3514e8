# Copyright (c) OpenMMLab. All rights reserved.
"""Turn a MoTE checkpoint with experts into a plain single-FFN one."""
import re
from collections import OrderedDict
from typing import Dict, Optional, Sequence, Tuple

import torch

from ..compat.atomic_io import atomic_torch_save
from .layers.temporal_experts import (merge_expert_weights,
                                      normalize_merge_coeffs)

_EXPERT_KEY = re.compile(r'^(?P<stem>.*\.mlp\.fc_(?:up|dn))\.(?P<e>\d+)\.'
                         r'(?P<leaf>weight|bias)$')


def count_experts(state_dict: Dict[str, torch.Tensor]) -> int:
    """Number of experts per FFN in ``state_dict`` (0 if none)."""
    ids = {int(m['e']) for m in map(_EXPERT_KEY.match, state_dict) if m}
    return len(ids)


def merge_experts_state_dict(
        state_dict: Dict[str, torch.Tensor],
        coeffs: Optional[Sequence[float]] = None) -> 'OrderedDict':
    """Merge every ``*.mlp.fc_{up,dn}.{e}.*`` group into expert ``0``.

    Uses the same weighted sum as the model's eval-time merge, in fp32, and
    casts back to each tensor's dtype. Other keys are copied unchanged.

    Args:
        state_dict (dict): Model state dict with N experts per FFN.
        coeffs (Sequence[float], optional): N merge weights, normalised to
            sum 1. Defaults to uniform (MoTE).

    Returns:
        OrderedDict: State dict of the same model with ``num_experts=1``.
    """
    groups: Dict[Tuple[str, str], Dict[int, torch.Tensor]] = {}
    out: 'OrderedDict[str, torch.Tensor]' = OrderedDict()
    for key, value in state_dict.items():
        m = _EXPERT_KEY.match(key)
        if m is None:
            out[key] = value
            continue
        group = groups.setdefault((m['stem'], m['leaf']), {})
        if not group:
            out[f"{m['stem']}.0.{m['leaf']}"] = None  # keep key order
        group[int(m['e'])] = value
    for (stem, leaf), experts in groups.items():
        n = len(experts)
        if sorted(experts) != list(range(n)):
            raise KeyError(f'{stem}.*.{leaf}: expert ids {sorted(experts)} '
                           'are not 0..N-1')
        if coeffs is not None and len(coeffs) != n:
            raise ValueError(f'{n} experts in {stem} but {len(coeffs)} '
                             'coeffs')
        c = torch.full((n, ), 1.0 / n, dtype=torch.float64) if coeffs is \
            None else normalize_merge_coeffs(coeffs, n)
        stacked = torch.stack([experts[i].float() for i in range(n)])
        out[f'{stem}.0.{leaf}'] = merge_expert_weights(stacked, c).to(
            experts[0].dtype)
    return out


def save_merged_checkpoint(state_dict: Dict[str, torch.Tensor],
                           out_file: str,
                           coeffs: Optional[Sequence[float]] = None,
                           meta: Optional[dict] = None) -> int:
    """Merge the experts of ``state_dict`` and save a deploy checkpoint.

    The file holds ``state_dict`` (loadable by the same config with
    ``model.cls_head.num_experts=1``; the class table included) and
    ``meta``, written atomically. Returns the number of experts merged
    per FFN.
    """
    n = count_experts(state_dict)
    if n == 0:
        raise KeyError('no `*.mlp.fc_up.<e>.*` expert keys: not a MoTE '
                       'checkpoint of this package')
    state = {k: v.detach().cpu() for k, v in state_dict.items()}
    merged = merge_experts_state_dict(state, coeffs)
    meta = dict(meta or {}, mote_deploy=True, num_experts=1, merged_from=n)
    atomic_torch_save(dict(meta=meta, state_dict=merged), out_file)
    return n


_LAYER_KEY = re.compile(
    r'^(?P<stem>.*resblocks)\.(?P<layer>\d+)\.(?P<rest>.+)$')
_EXPERT_REST = re.compile(r'^mlp\.fc_(?:up|dn)\.(?P<e>\d+)\.(?:weight|bias)$')


def check_temporal_layers(state: Dict, source: str) -> None:
    """Raise ``KeyError`` naming the keys if the temporal layers of a MoTE
    state dict are incomplete.

    Every ``*resblocks.<i>.*`` layer must hold the same keys, expert ids
    must be ``0..N-1`` with all four expert tensors (``fc_up``/``fc_dn``
    weight and bias) each, and ``mlp.mote_fusion_weight`` (the authors'
    layout) must have ``N`` entries. Works on the authors' fusion state
    dict and on this package's checkpoints.

    Args:
        state (dict): The state dict.
        source (str): File name for the message.
    """
    stacks: Dict[str, Dict[int, set]] = {}
    for k in state:
        m = _LAYER_KEY.match(k)
        if m:
            stacks.setdefault(m['stem'], {}).setdefault(
                int(m['layer']), set()).add(m['rest'])
    for stem, layers in sorted(stacks.items()):
        _check_stack(state, source, stem, layers)


def _check_stack(state: Dict, source: str, stem: str,
                 layers: Dict[int, set]) -> None:
    union = set().union(*layers.values())
    for i, rests in sorted(layers.items()):
        missing = sorted(union - rests)
        if missing:
            raise KeyError(f'{source}: {stem}.{i} lacks '
                           f'{[f"{stem}.{i}.{r}" for r in missing[:6]]} '
                           '(other layers have them): incomplete file')
    ids = sorted({int(m['e']) for m in map(_EXPERT_REST.match, union) if m})
    if not ids:
        return
    n = len(ids)
    first = min(layers)
    if ids != list(range(n)):
        raise KeyError(f'{source}: expert ids {ids} in {stem}.* are not '
                       f'0..{n - 1}: an expert is missing')
    need = {f'mlp.fc_{p}.{e}.{leaf}' for p in ('up', 'dn') for e in ids
            for leaf in ('weight', 'bias')}
    missing = sorted(need - layers[first])
    if missing:
        raise KeyError(f'{source}: {stem}.{first} lacks '
                       f'{[f"{stem}.{first}.{r}" for r in missing[:6]]}')
    fusion = state.get(f'{stem}.{first}.mlp.mote_fusion_weight')
    if hasattr(fusion, 'numel') and fusion.numel() != n:
        raise KeyError(f'{source}: {stem}.{first}.mlp.mote_fusion_weight has '
                       f'{fusion.numel()} entries but the file has {n} '
                       'experts per FFN: an expert is missing')
