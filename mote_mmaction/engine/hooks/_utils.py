# Copyright (c) OpenMMLab. All rights reserved.
from typing import Optional, Sequence

from mmengine.model import is_model_wrapper
from torch import nn


def unwrap(model: nn.Module) -> nn.Module:
    """The model inside DDP/other wrappers."""
    return model.module if is_model_wrapper(model) else model


def _vocabulary_target(model: nn.Module):
    model = unwrap(model)
    target = model if hasattr(model, 'set_vocabulary') else getattr(
        model, 'cls_head', None)
    return target if hasattr(target, 'set_vocabulary') else None


def has_vocabulary(model: nn.Module) -> bool:
    """Whether the model (or its head) scores against a settable
    vocabulary, as MoTE does; stock MMAction2 heads do not."""
    return _vocabulary_target(model) is not None


def set_vocabulary(model: nn.Module, names: Optional[Sequence[str]],
                   source: Optional[str] = None) -> bool:
    """Set the val/test vocabulary of a MoTE model or a model with a MoTE
    head (``source``: their file, for logs); returns False for models
    without one."""
    target = _vocabulary_target(model)
    if target is None:
        return False
    if names is None:
        target.set_vocabulary(None)
    else:
        target.set_vocabulary(list(names), source=source)
    return True


def dataset_classes(dataset) -> Optional[Sequence[str]]:
    """``metainfo['classes']`` of a dataset (or a wrapped one), if any."""
    meta = getattr(dataset, 'metainfo', None) or {}
    return meta.get('classes')


def dataset_vocabulary_file(dataset) -> Optional[str]:
    """The class-name file of a dataset (or of the one it wraps), if it
    read one (``MoTEVideoDataset.class_names_file``)."""
    while dataset is not None:
        path = getattr(dataset, 'class_names_file', None)
        if path:
            return path
        dataset = getattr(dataset, 'dataset', None)
    return None


def dataset_vocabulary(dataset) -> Optional[Sequence]:
    """What to score a dataset against: ``metainfo['class_phrasings']``
    (descriptor vocabularies, see :class:`MoTEVideoDataset`) when given,
    else ``metainfo['classes']``."""
    meta = getattr(dataset, 'metainfo', None) or {}
    return meta.get('class_phrasings') or meta.get('classes')


def ensure_default_hook(cfg, key: str, hook_type: str) -> None:
    """Add ``dict(type=hook_type)`` as ``default_hooks[key]`` of a config
    (``Config`` or dict) that has that hook type neither in
    ``default_hooks`` nor in ``custom_hooks``."""
    default_hooks = dict(cfg.get('default_hooks') or {})
    hooks = [h for h in default_hooks.values() if h]
    hooks += list(cfg.get('custom_hooks') or [])
    if any(isinstance(h, dict) and h.get('type') == hook_type
           for h in hooks):
        return
    default_hooks[key] = dict(type=hook_type)
    cfg['default_hooks'] = default_hooks
