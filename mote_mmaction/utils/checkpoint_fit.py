# Copyright (c) OpenMMLab. All rights reserved.
"""Refuse checkpoints that would leave model weights random.

MMEngine loads ``load_from``, ``--resume`` and ``tools/test.py``
checkpoints non-strictly: missing or mis-shaped weights only produce a
warning, and the run goes on with random weights (e.g. a file sharing no
key with the model reports the accuracy of an untrained model). The
compat patch (:mod:`mote_mmaction.compat`) calls :func:`check_fits` after
each such load, so this is an error unless the user allows it:
``allow_partial_load = True`` in the config (Runner loads) or
``MOTE_ALLOW_PARTIAL_LOAD=1`` (every load, ``init_recognizer`` included).
"""
import os
import re
from typing import Dict, List, Sequence, Tuple

from torch import nn

PARTIAL_ENV = 'MOTE_ALLOW_PARTIAL_LOAD'
PARTIAL_CFG_KEY = 'allow_partial_load'


class CheckpointMismatchError(ValueError):
    """A checkpoint leaves model parameters unloaded or mis-shaped."""


def partial_load_allowed(cfg=None) -> bool:
    """``allow_partial_load`` of ``cfg`` or ``MOTE_ALLOW_PARTIAL_LOAD``."""
    if os.environ.get(PARTIAL_ENV, '').strip().lower() in ('1', 'true',
                                                           'yes'):
        return True
    return bool(cfg is not None and cfg.get(PARTIAL_CFG_KEY, False))


def _revised(keys, revise_keys: Sequence[Tuple[str, str]]) -> List[str]:
    out = []
    for k in keys:
        for pattern, repl in revise_keys:
            k = re.sub(pattern, repl, k)
        out.append(k)
    return out


def check_fits(model: nn.Module,
               checkpoint: dict,
               source: str,
               revise_keys: Sequence[Tuple[str, str]] = ((r'^module\.', ''),),
               max_listed: int = 8) -> None:
    """Raise unless ``checkpoint`` sets every parameter of ``model`` with
    the model's shape.

    Buffers may be missing (some are rebuilt, e.g. MoTE's class table) but
    not mis-shaped; extra keys in the file are MMEngine's warning.

    Args:
        model (nn.Module): The model just loaded (unwrapped).
        checkpoint (dict): The loaded file (``state_dict`` inside or flat).
        source (str): File name for the message.
        revise_keys: The key rewrites the load applied.
        max_listed (int): Keys named per kind. Defaults to 8.

    Raises:
        CheckpointMismatchError: Naming the file, the missing and the
            mis-shaped keys, and the opt-out.
    """
    state: Dict = checkpoint.get('state_dict', checkpoint) \
        if isinstance(checkpoint, dict) else {}
    file_keys = dict(zip(_revised(state, revise_keys), state.values()))
    own = model.state_dict()
    missing = [k for k, _ in model.named_parameters() if k not in file_keys]
    shapes = []
    for k, v in own.items():
        f = file_keys.get(k)
        if hasattr(f, 'shape') and tuple(f.shape) != tuple(v.shape):
            shapes.append(f'{k}: file {tuple(f.shape)} vs model '
                          f'{tuple(v.shape)}')
    if not missing and not shapes:
        return

    def listed(items: List[str]) -> str:
        more = len(items) - max_listed
        return ', '.join(items[:max_listed]) + (f', ... ({more} more)'
                                                if more > 0 else '')

    parts = []
    n_params = sum(1 for _ in model.named_parameters())
    if missing:
        parts.append(f'{len(missing)} of {n_params} model parameters are not '
                     f'in the file ({listed(missing)})')
        if len(missing) == n_params:
            parts.append('the file shares no parameter name with the model '
                         f'(its keys look like {listed(list(file_keys)[:3])})')
    if shapes:
        parts.append(f'{len(shapes)} have another shape ({listed(shapes)})')
    raise CheckpointMismatchError(
        f'{source} does not fit the model: ' + '; '.join(parts) +
        '. Loading it would leave these weights random. Check the config '
        'against the file (architecture, num_classes, num_experts); if a '
        'partial load is intended (e.g. fine-tuning a new head), set '
        f'{PARTIAL_CFG_KEY} = True in the config or {PARTIAL_ENV}=1.')


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
