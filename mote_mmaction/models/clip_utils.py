# Copyright (c) OpenMMLab. All rights reserved.
"""Shared helpers to build CLIP towers with open_clip and read CLIP files.

Both towers are built from one description (``arch``): an open_clip model
name (``'ViT-B-16'``, ``'ViT-L-14'``, ...) or an explicit dict with
``embed_dim``, ``vision_cfg`` and ``text_cfg`` (as in open_clip's model
JSON files). Weights only ever come from a local file.
"""
import copy
import os.path as osp
from typing import Dict, Tuple, Union

import torch

from ..compat.checkpoint_fit import check_fits, strip_prefixes
from ..compat.safe_load import (TRUSTED_ENV, UntrustedCheckpointError,
                                is_trusted, load_checkpoint_file)
from ..compat.torchscript_weights import (is_torchscript_archive,
                                          read_torchscript_state_dict)

ArchType = Union[str, dict]

_PREFIXES = ('module.', 'model.')


def resolve_arch(arch: ArchType) -> dict:
    """Return the open_clip model config dict of ``arch``.

    Args:
        arch (str | dict): open_clip model name or explicit config.

    Returns:
        dict: Deep copy with keys ``embed_dim``, ``vision_cfg``,
        ``text_cfg`` (and any other open_clip model keys).
    """
    if isinstance(arch, dict):
        cfg = copy.deepcopy(dict(arch))
    else:
        import open_clip
        cfg = open_clip.get_model_config(arch)
        if cfg is None:
            known = ', '.join(open_clip.list_models()[:12])
            raise KeyError(f'Unknown CLIP architecture {arch!r}: open_clip '
                           f'has no model config of that name (e.g. '
                           f'{known}, ...).')
        cfg = copy.deepcopy(cfg)
    for key in ('embed_dim', 'vision_cfg'):
        if key not in cfg:
            raise KeyError(f'CLIP arch config lacks {key!r}: {cfg}')
    return cfg


def build_visual_tower(arch: ArchType, quick_gelu: bool = True):
    """Build a randomly initialised open_clip visual tower.

    Args:
        arch (str | dict): See :func:`resolve_arch`.
        quick_gelu (bool): OpenAI's CLIP was trained with QuickGELU; open_clip
            only selects it for ``pretrained='openai'``. Defaults to True.

    Returns:
        nn.Module: The visual tower, mapping ``[N, 3, H, W]`` to ``[N, D]``.
    """
    from open_clip.model import CLIPVisionCfg, _build_vision_tower
    cfg = resolve_arch(arch)
    return _build_vision_tower(cfg['embed_dim'],
                               CLIPVisionCfg(**cfg['vision_cfg']),
                               quick_gelu=quick_gelu)


def build_text_tower(arch: ArchType, quick_gelu: bool = True):
    """Build a randomly initialised open_clip text tower.

    Returns:
        nn.Module: The text tower, mapping tokens ``[N, 77]`` to ``[N, D]``.
    """
    from open_clip.model import CLIPTextCfg, _build_text_tower
    cfg = resolve_arch(arch)
    if 'text_cfg' not in cfg:
        raise KeyError(f'CLIP arch config lacks \'text_cfg\': {cfg}')
    return _build_text_tower(cfg['embed_dim'], CLIPTextCfg(**cfg['text_cfg']),
                             quick_gelu=quick_gelu)


def load_clip_state_dict(path: str) -> Dict[str, torch.Tensor]:
    """Read a full CLIP state dict from a local file, in fp32.

    Accepts OpenAI's released TorchScript archives (``ViT-B-16.pt``), OpenAI
    plain state dicts and open_clip checkpoints (optionally wrapped in
    ``state_dict``/``model`` and prefixed with ``module.``). Never downloads.
    Nothing is cached: the file is read at initialisation only (backbone,
    text tower), and keeping a whole CLIP in memory for the run is worse.
    No code from the file runs: TorchScript archives are read without
    ``torch.jit.load`` (:mod:`mote_mmaction.compat.torchscript_weights`),
    pickles with ``weights_only=True``
    (:func:`mote_mmaction.compat.safe_load.load_checkpoint_file`); a file
    that needs more loads only when the user trusts it
    (``MOTE_TRUSTED_CHECKPOINTS``).

    Args:
        path (str): Local file path.

    Returns:
        dict: Keys in OpenAI CLIP layout (``visual.*``, ``transformer.*``,
        ``token_embedding.weight``, ``text_projection``, ``logit_scale``...).
    """
    if not isinstance(path, str) or not osp.isfile(path):
        raise FileNotFoundError(
            f'CLIP weights not found: {path!r}. MoTE never downloads '
            'weights; set `pretrained` to a local OpenAI CLIP file '
            '(e.g. ViT-B-16.pt) or an open_clip checkpoint.')
    if is_torchscript_archive(path):
        try:
            state = read_torchscript_state_dict(path)
        except ValueError as e:
            if not is_trusted(path):
                raise UntrustedCheckpointError(
                    f'{e}. torch.jit.load runs code from the archive; if '
                    f'you trust this file, allow it with {TRUSTED_ENV}='
                    f'{path} (see docs/reliability.md).') from None
            state = torch.jit.load(path, map_location='cpu').state_dict()
    else:
        state = load_checkpoint_file(path, what='CLIP weights file')
    for wrapper in ('state_dict', 'model'):
        if isinstance(state, dict) and isinstance(state.get(wrapper), dict):
            state = state[wrapper]
    if not isinstance(state, dict) or not state:
        raise ValueError(f'{path} holds no CLIP state dict '
                         f'(found {type(state).__name__}).')
    out = {}
    # 'text.': open_clip's CustomTextCLIP layout
    for k, v in strip_prefixes(state, _PREFIXES + ('text.', )).items():
        out[k] = v.float() if torch.is_tensor(v) and v.is_floating_point() \
            else v
    if not any(k.startswith('visual.') for k in out):
        raise KeyError(f'{path} is not a CLIP checkpoint: no `visual.*` keys '
                       f'(first keys: {list(out)[:5]}).')
    return out


def sub_state_dict(state: Dict[str, torch.Tensor],
                   prefix: str) -> Dict[str, torch.Tensor]:
    """Keys under ``prefix`` with the prefix removed."""
    return {k[len(prefix):]: v for k, v in state.items()
            if k.startswith(prefix)}


def load_into(module: torch.nn.Module, state: Dict[str, torch.Tensor],
              source: str, ignore: Tuple[str, ...] = ()) -> None:
    """Load ``state`` into ``module``; one clear error unless it sets every
    weight (:func:`~mote_mmaction.compat.checkpoint_fit.check_fits`).

    Args:
        module (nn.Module): Target.
        state (dict): Weights to load.
        source (str): File name for the error message.
        ignore (tuple[str]): Target keys allowed to be missing (buffers that
            are rebuilt, e.g. the text attention mask).
    """
    check_fits(module, state, f'CLIP weights in {source}', revise_keys=(),
               advice='Check `arch` against the file.')
    module.load_state_dict(
        {k: v for k, v in state.items() if k not in ignore}, strict=False)
