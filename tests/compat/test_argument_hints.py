# Copyright (c) OpenMMLab. All rights reserved.
"""A typo in a MoTE part's config names the part, the config key and the
nearest valid name (instead of Python's bare TypeError naming a base
class)."""
import pytest
from mmaction.registry import DATASETS, HOOKS, MODELS, TRANSFORMS
from mmengine.config import Config
from mmengine.runner import Runner

import mote_mmaction  # noqa: F401
from mote_mmaction.compat.argument_hints import (UnknownArgumentError,
                                                 valid_arguments)
from mote_mmaction.models.heads.mote_head import MoTEHead
from mote_mmaction.testing import tiny_mote_model_cfg

CLASSES = ['moving left', 'moving right']


def build_error(registry, cfg) -> str:
    with pytest.raises(UnknownArgumentError) as info:
        registry.build(cfg)
    assert isinstance(info.value, TypeError)  # what callers caught before
    return str(info.value)


def test_head_typo_names_key_path_and_nearest_name():
    cfg = tiny_mote_model_cfg(CLASSES)
    cfg['cls_head']['num_expert'] = 4
    assert build_error(MODELS, cfg) == (
        "MoTEHead got an unknown argument 'num_expert' (config key "
        "model.cls_head.num_expert): did you mean 'num_experts' or "
        "'num_layers'? Fix or remove the key.")


@pytest.mark.parametrize('where,key,want', [
    ((), 'tset_cfg', "MoTERecognizer got an unknown argument 'tset_cfg' "
     "(config key model.tset_cfg): did you mean 'test_cfg'?"),
    (('backbone', ), 'pretrianed', "CLIPViT got an unknown argument "
     "'pretrianed' (config key model.backbone.pretrianed): did you mean "
     "'pretrained'?"),
])
def test_nested_parts(where, key, want):
    cfg = tiny_mote_model_cfg(CLASSES)
    part = cfg
    for name in where:
        part = part[name]
    part[key] = None
    assert build_error(MODELS, cfg).startswith(want)


def test_text_encoder_typo_fails_at_build():
    """The head builds its text tower on first use, but its config is
    checked when the head is built, with the full key path."""
    cfg = tiny_mote_model_cfg(CLASSES)
    cfg['cls_head']['text_encoder']['archs'] = None
    with pytest.raises(UnknownArgumentError, match=(
            r"^CLIPTextEncoder got an unknown argument 'archs' \(config key "
            r"model\.cls_head\.text_encoder\.archs\): did you mean "
            r"'arch'\?")):
        MODELS.build(cfg)


def test_base_class_arguments_are_valid_and_suggested():
    """The head passes **kwargs on to MMAction2's BaseHead: its arguments
    count as valid (built, and suggested for a typo)."""
    assert {'num_experts', 'average_clips', 'init_cfg'} <= set(
        valid_arguments(MoTEHead))
    cfg = tiny_mote_model_cfg(CLASSES, init_cfg=None)
    MODELS.build(cfg)
    cfg['cls_head']['init_cgf'] = None
    assert "did you mean 'init_cfg'?" in build_error(MODELS, cfg)


def test_a_stock_recognizer_around_a_mote_head():
    cfg = tiny_mote_model_cfg(CLASSES)
    cfg['type'] = 'Recognizer3D'
    cfg['cls_head']['num_expert'] = 4
    assert build_error(MODELS, cfg).startswith(
        "MoTEHead got an unknown argument 'num_expert' (key 'num_expert' of "
        "its config): did you mean 'num_experts'")


def test_datasets_transforms_and_hooks(tmp_path):
    msg = build_error(DATASETS, dict(type='MoTEVideoDataset',
                                     ann_fle='x.txt', pipeline=[]))
    assert msg.startswith("MoTEVideoDataset got an unknown argument "
                          "'ann_fle' (key 'ann_fle' of its config): did you "
                          "mean 'ann_file'?")
    msg = build_error(TRANSFORMS, dict(type='MoTETestSample', clip_len=8,
                                       num_clip=2))
    assert "did you mean 'num_clips'?" in msg
    msg = build_error(HOOKS, dict(type='MoTEVocabularyHook', colour=1))
    assert msg == ("MoTEVocabularyHook got an unknown argument 'colour' "
                   "(key 'colour' of its config): it takes no arguments. "
                   "Fix or remove the key.")


def test_through_the_runner(tmp_path):
    """As a user meets it: ``Runner.from_cfg`` of a config with a typo."""
    cfg = Config(dict(
        default_scope='mmaction', work_dir=str(tmp_path),
        model=tiny_mote_model_cfg(CLASSES, num_layer=2)))
    with pytest.raises(UnknownArgumentError,
                       match=r"config key model\.cls_head\.num_layer\): did "
                       "you mean 'num_layers'"):
        Runner.from_cfg(cfg)


def test_other_type_errors_are_untouched():
    """A TypeError that is not an unknown keyword (a missing argument, or
    one raised inside the constructor) passes through as it was."""
    with pytest.raises(TypeError, match='missing 1 required') as info:
        TRANSFORMS.build(dict(type='MoTETestSample'))
    assert not isinstance(info.value, UnknownArgumentError)
    cfg = tiny_mote_model_cfg(CLASSES)
    cfg['cls_head']['loss_cls'] = dict(type='CrossEntropyLoss', wieght=1)
    with pytest.raises(TypeError, match="unexpected keyword argument "
                       "'wieght'") as info:
        MODELS.build(cfg)  # MMAction2's loss: not ours to explain
    assert not isinstance(info.value, UnknownArgumentError)
