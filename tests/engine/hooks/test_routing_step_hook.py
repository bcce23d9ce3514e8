# Copyright (c) OpenMMLab. All rights reserved.
import glob
import os.path as osp
from types import SimpleNamespace

from mmengine.config import Config

from _tiny_model import build_tiny
from mote_mmaction.engine.hooks import MoTERoutingStepHook

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.dirname(__file__))))


def test_hook_keys_the_draws_on_runner_iter():
    model = build_tiny(num_layers=3)
    hook = MoTERoutingStepHook()
    runner = SimpleNamespace(model=model, iter=41)
    hook.before_train_iter(runner, batch_idx=0)
    got = model.cls_head.router.draw()
    ref = build_tiny(num_layers=3).cls_head.router
    ref.set_step(41)
    assert got == ref.draw()
    runner.iter = 42
    hook.before_train_iter(runner, batch_idx=1)
    ref.set_step(42)
    assert model.cls_head.router.draw() == ref.draw()


def test_every_training_config_registers_the_hook():
    for path in sorted(glob.glob(osp.join(ROOT, 'configs', 'mote', '*.py'))):
        cfg = Config.fromfile(path)
        if cfg.get('train_cfg') is None or cfg.get('train_dataloader') is None:
            continue
        hooks = [h['type'] for h in cfg.get('custom_hooks', [])] + [
            h['type'] for h in (cfg.get('default_hooks') or {}).values()
            if h is not None]
        assert 'MoTERoutingStepHook' in hooks, path
