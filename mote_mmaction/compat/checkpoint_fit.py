# Copyright (c) OpenMMLab. All rights reserved.
"""The one check that a checkpoint sets every weight of a model.

MMEngine loads ``load_from``, ``--resume`` and ``tools/test.py``
checkpoints non-strictly: missing or mis-shaped weights only produce a
warning, and the run goes on with random weights (e.g. a file sharing no
key with the model reports the accuracy of an untrained model). Every
loader of this package calls :func:`check_fits` after reading a file (the
compat patch does so for MMEngine's loads), so this is an error unless the
user allows it: ``allow_partial_load = True`` in the config (Runner loads)
or ``MOTE_ALLOW_PARTIAL_LOAD=1`` (every load).

Legitimate layouts: 1-element tensors fit in either shape (0-d scales of
CLIP files vs ``[1]`` parameters, which FSDP can shard); buffers may be
missing (they are rebuilt); extra keys fit unless they lie inside a module
of the model (e.g. more experts in the file than in the model). A module
may explain a mismatch in its own terms with a ``checkpoint_fit_hint``
method (see :func:`check_fits`).
"""
import inspect
import os
import re
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

from torch import nn

PARTIAL_ENV = 'MOTE_ALLOW_PARTIAL_LOAD'
PARTIAL_CFG_KEY = 'allow_partial_load'
#: Wrappers' key prefixes (DDP/FSDP ``module.``), stripped on every load.
WRAPPER_PREFIXES = ('module.', )


class CheckpointMismatchError(ValueError):
    """A checkpoint leaves model parameters unloaded or mis-shaped."""


def partial_load_allowed(cfg=None) -> bool:
    """``allow_partial_load`` of ``cfg`` or ``MOTE_ALLOW_PARTIAL_LOAD``."""
    if os.environ.get(PARTIAL_ENV, '').strip().lower() in ('1', 'true',
                                                           'yes'):
        return True
    return bool(cfg is not None and cfg.get(PARTIAL_CFG_KEY, False))


def strip_prefixes(state: Dict,
                   prefixes: Sequence[str] = WRAPPER_PREFIXES) -> Dict:
    """``state`` with each key's leading ``prefixes`` removed (repeatedly,
    in any order: ``module.model.x`` -> ``x``)."""
    out = {}
    for k, v in state.items():
        stripped = True
        while stripped:
            stripped = False
            for prefix in prefixes:
                if k.startswith(prefix):
                    k, stripped = k[len(prefix):], True
        out[k] = v
    return out


def state_dict_of(checkpoint) -> Dict:
    """The weights of a loaded file: its ``state_dict`` or the file."""
    if not isinstance(checkpoint, dict):
        return {}
    inner = checkpoint.get('state_dict')
    return inner if isinstance(inner, dict) else checkpoint


def _revised(keys: Iterable[str],
             revise_keys: Sequence[Tuple[str, str]]) -> List[str]:
    out = []
    for k in keys:
        for pattern, repl in revise_keys:
            k = re.sub(pattern, repl, k)
        out.append(k)
    return out


def _fits(file_tensor, own) -> bool:
    if not hasattr(file_tensor, 'shape'):
        return True
    if tuple(file_tensor.shape) == tuple(own.shape):
        return True
    return file_tensor.numel() == own.numel() == 1  # scalar layouts


def _inside(key: str, modules: set) -> bool:
    """Whether ``key`` names a tensor inside one of ``modules``."""
    parts = key.split('.')
    return any('.'.join(parts[:i]) in modules for i in range(1, len(parts)))


def _listed(items: List[str], max_listed: int) -> str:
    more = len(items) - max_listed
    return ', '.join(items[:max_listed]) + (f', ... ({more} more)'
                                            if more > 0 else '')


def _hints(model: nn.Module, state: Dict, checkpoint,
           source: str) -> List[str]:
    """What the model's modules say about a mismatch
    (``checkpoint_fit_hint(state, prefix, checkpoint) -> str | None``; a
    hint that takes a ``source`` keyword also gets the file's name, e.g. to
    write the exact command that fixes it)."""
    out = []
    for name, module in model.named_modules():
        explain = getattr(module, 'checkpoint_fit_hint', None)
        if callable(explain):
            kwargs = {}
            if 'source' in inspect.signature(explain).parameters:
                kwargs['source'] = source
            hint = explain(state, f'{name}.' if name else '', checkpoint,
                           **kwargs)
            if hint:
                out.append(hint)
    return out


def fit_problems(model: nn.Module,
                 state: Dict,
                 max_listed: int = 8) -> List[str]:
    """Why ``state`` does not set ``model`` completely (empty if it does).

    Args:
        model (nn.Module): The model (unwrapped).
        state (dict): Flat state dict, keys as the model names them.
        max_listed (int): Keys named per kind. Defaults to 8.

    Returns:
        list[str]: Missing parameters, mis-shaped tensors and extra keys
        inside the model's modules, each as one phrase.
    """
    own = model.state_dict()
    params = [k for k, _ in model.named_parameters()]
    missing = [k for k in params if k not in state]
    shapes = [
        f'{k}: file {tuple(state[k].shape)} vs model {tuple(v.shape)}'
        for k, v in own.items() if k in state and not _fits(state[k], v)
    ]
    modules = {name for name, _ in model.named_modules() if name}
    extra = [k for k in state if k not in own and _inside(k, modules)]
    parts = []
    if missing:
        parts.append(f'{len(missing)} of {len(params)} model parameters are '
                     f'not in the file ({_listed(missing, max_listed)})')
        if len(missing) == len(params):
            parts.append('the file shares no parameter name with the model '
                         f'(its keys look like {_listed(list(state), 3)})')
    if shapes:
        parts.append(f'{len(shapes)} have another shape '
                     f'({_listed(shapes, max_listed)})')
    if extra:
        parts.append(f'{len(extra)} file tensors belong to no weight of the '
                     f'model\'s modules ({_listed(extra, max_listed)})')
    return parts


def check_fits(model: nn.Module,
               checkpoint,
               source: str,
               revise_keys: Sequence[Tuple[str, str]] = ((r'^module\.', ''),),
               max_listed: int = 8,
               advice: Optional[str] = None) -> None:
    """Raise unless ``checkpoint`` sets every parameter of ``model`` with
    the model's shape.

    Args:
        model (nn.Module): The model just loaded (unwrapped).
        checkpoint: The loaded file (``state_dict`` inside or flat).
        source (str): File name for the message.
        revise_keys: The key rewrites the load applied.
        max_listed (int): Keys named per kind. Defaults to 8.
        advice (str, optional): What to check, for the message. Defaults to
            the config against the file, and the partial-load opt-out.

    Raises:
        CheckpointMismatchError: Naming the file, the missing, mis-shaped
            and extra keys, the model's hints (e.g. the number of experts,
            the converter for the authors' files) and the fix.
    """
    state = state_dict_of(checkpoint)
    state = dict(zip(_revised(state, revise_keys), state.values()))
    parts = fit_problems(model, state, max_listed)
    if not parts:
        return
    hints = _hints(model, state, checkpoint, source)
    hint_text = ''.join(h.rstrip('.') + '. ' for h in hints)
    if hints and not any(k in state for k, _ in model.named_parameters()):
        # Nothing would load: the modules' hints (e.g. the converter for
        # the MoTE authors' files) are the fix, a partial load never is.
        raise CheckpointMismatchError(
            f'{source} does not fit the model: {hint_text}(' +
            '; '.join(parts) + ')')
    if advice is None:
        advice = (
            'Check the config against the file (architecture, num_classes, '
            'num_experts); if a partial load is intended (e.g. fine-tuning '
            f'a new head), set {PARTIAL_CFG_KEY} = True in the config or '
            f'{PARTIAL_ENV}=1.')
    raise CheckpointMismatchError(
        f'{source} does not fit the model: ' + '; '.join(parts) +
        '. Loading it would leave these weights random or wrong. ' +
        hint_text + advice)


def load_checked(model: nn.Module, filename: str, map_location='cpu',
                 cfg=None, **kwargs):
    """MMEngine's ``load_checkpoint`` (every scheme, read without running
    code) followed by :func:`check_fits`, unless partial loads are allowed
    (``cfg.allow_partial_load`` or ``MOTE_ALLOW_PARTIAL_LOAD=1``).

    The loader of tools that build a model themselves (export, demos).

    Returns:
        The loaded checkpoint.
    """
    from mmengine.runner.checkpoint import load_checkpoint
    checkpoint = load_checkpoint(model, filename, map_location=map_location,
                                 **kwargs)
    if not partial_load_allowed(cfg):
        check_fits(model, checkpoint, filename)
    return checkpoint
