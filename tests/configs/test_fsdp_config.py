# Copyright (c) OpenMMLab. All rights reserved.
"""configs/mote/k400_vit-l14_16f_fsdp.py: FlexibleRunner + FSDPStrategy.

On CPU, torch 2.14's FSDP (FSDP1, what MMEngine 0.10.7's FSDPStrategy
wraps) runs on gloo only with ``device_id='cpu'`` (the strategy's default,
``LOCAL_RANK``, asks for an accelerator). FSDP cannot shard 0-d
parameters, so ``MoTEHead.logit_scale`` has shape ``[1]``.
"""
import json
import os.path as osp

from _torchrun import run_ranks
from mmengine.config import Config
from mmengine.registry import FUNCTIONS, STRATEGIES

from mote_mmaction.testing.synthetic_videos import (MOTION_CLASSES,
                                                    generate_motion_dataset)

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CFG = osp.join(REPO, 'configs', 'mote', 'k400_vit-l14_16f_fsdp.py')


def test_config_is_l14_16f_with_fsdp():
    cfg = Config.fromfile(CFG)
    assert cfg.runner_type == 'FlexibleRunner'
    assert cfg.model.backbone.arch == 'ViT-L-14'
    assert cfg.model.cls_head.in_channels == 768
    assert cfg.train_dataloader.dataset.pipeline[1].clip_len == 16
    wrapper = cfg.strategy.model_wrapper
    assert wrapper.use_orig_params  # lr_mult groups need real parameters
    strategy = STRATEGIES.build(cfg.strategy.to_dict())
    assert type(strategy).__name__ == 'FSDPStrategy'
    with FUNCTIONS.switch_scope_and_registry(None):
        policy = FUNCTIONS.get(wrapper.auto_wrap_policy.type)
    assert callable(policy)


def test_fsdp_trains_on_two_gloo_ranks(tmp_path):
    root = str(tmp_path / 'data')
    generate_motion_dataset(root, list(MOTION_CLASSES[:3]), 2, 'train',
                            seed=0)
    run_ranks('tests/_fsdp_worker.py', root, tmp_path, timeout=300)
    results = [json.loads((tmp_path / f'result_rank{r}.json').read_text())
               for r in (0, 1)]
    assert all(r['wrapper'] == 'MMFullyShardedDataParallel' and r['finite']
               and len(r['losses']) == 2 for r in results), results
    assert results[0]['ckpt'], results
    # Every rank ends with the same full (unsharded) weights.
    import torch
    params = [torch.load(str(tmp_path / f'params_rank{r}.pth'))
              for r in (0, 1)]
    assert params[0].keys() == params[1].keys() and params[0]
    for k in params[0]:
        assert torch.equal(params[0][k], params[1][k]), k
