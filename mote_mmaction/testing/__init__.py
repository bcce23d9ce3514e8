# Copyright (c) OpenMMLab. All rights reserved.
"""Test and demo helpers.

Tiny model configs (here; random weights, CPU-fast) and small real videos
whose classes are defined by motion (:mod:`.synthetic_videos`, imported
from there so that ``python -m mote_mmaction.testing.synthetic_videos``
runs it as a script).
"""
import copy
import os.path as osp
from typing import Optional, Sequence, Tuple

# A 2-layer, 64-wide CLIP (3.4 M parameters) in open_clip's config format.
TINY_CLIP_ARCH = dict(
    embed_dim=64,
    vision_cfg=dict(
        image_size=32, layers=2, width=64, head_width=32, patch_size=8),
    text_cfg=dict(
        context_length=77, vocab_size=49408, width=64, heads=2, layers=2))


def tiny_clip_arch() -> dict:
    """A fresh copy of :data:`TINY_CLIP_ARCH`."""
    return copy.deepcopy(TINY_CLIP_ARCH)


def tiny_mote_model_cfg(class_names: Sequence[str],
                        num_layers: int = 1,
                        num_experts: int = 4,
                        pretrained: Optional[str] = None,
                        **head_kwargs) -> dict:
    """Config of a tiny ``MoTERecognizer`` (64-d CLIP, random weights).

    Args:
        class_names (Sequence[str] | str): Training vocabulary.
        num_layers (int): Temporal layers. Defaults to 1.
        num_experts (int): Experts per FFN. Defaults to 4.
        pretrained (str, optional): Local CLIP file for both towers.
        **head_kwargs: Extra ``MoTEHead`` arguments.
    """
    arch = tiny_clip_arch()
    num_classes = len(class_names) if not isinstance(class_names, str) \
        else head_kwargs.pop('num_classes')
    return dict(
        type='MoTERecognizer',
        backbone=dict(type='CLIPViT', arch=arch, pretrained=pretrained),
        cls_head=dict(
            type='MoTEHead',
            num_classes=num_classes,
            in_channels=arch['embed_dim'],
            class_names=class_names,
            text_encoder=dict(
                type='CLIPTextEncoder', arch=arch, pretrained=pretrained),
            num_layers=num_layers,
            num_experts=num_experts,
            **head_kwargs),
        data_preprocessor=dict(
            type='ActionDataPreprocessor',
            mean=[122.771, 116.746, 104.093],
            std=[68.5, 66.632, 70.323],
            format_shape='NCTHW'))


def tiny_video_pipeline(clip_len: int = 4,
                        num_clips: int = 1,
                        test_mode: bool = True,
                        size: int = 32) -> list:
    """Deterministic decord pipeline to ``[V, 3, T, size, size]`` inputs:
    uniform sampling, short side ``size``, centre crop."""
    return [
        dict(type='DecordInit'),
        dict(type='UniformSample', clip_len=clip_len, num_clips=num_clips,
             test_mode=test_mode),
        dict(type='DecordDecode'),
        dict(type='Resize', scale=(-1, size)),
        dict(type='CenterCrop', crop_size=size),
        dict(type='FormatShape', input_format='NCTHW'),
        dict(type='PackActionInputs')
    ]


def save_tiny_checkpoint(cfg, directory: str, name: str = 'model',
                         seed: int = 0) -> Tuple[str, str, object]:
    """Dump ``cfg`` as ``<directory>/<name>.py`` and save its model, built
    with ``seed`` (training table included), as ``<name>.pth``.

    Returns:
        tuple: ``(config_file, checkpoint_file, model)``, the model in eval
        mode.
    """
    import torch
    from mmaction.registry import MODELS
    config = osp.join(directory, f'{name}.py')
    cfg.dump(config)
    torch.manual_seed(seed)
    model = MODELS.build(cfg.model)
    model.cls_head.train_table()
    ckpt = osp.join(directory, f'{name}.pth')
    torch.save(dict(state_dict=model.state_dict()), ckpt)
    return config, ckpt, model.eval()
