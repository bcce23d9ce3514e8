# Copyright (c) OpenMMLab. All rights reserved.
"""toolkit.benchmarking.train: the optimizer wrapper, the routing step
counter and one tiny training benchmark (CPU, one step per part)."""
import copy

import pytest
import torch
from mmengine.config import Config
from mmengine.optim import OptimWrapper

from mote_mmaction.toolkit.benchmarking import train
from mote_mmaction.models.layers.expert_router import MoTERouter


class TwoPart(torch.nn.Module):
    """A backbone and a head: enough for the config's paramwise lr."""

    def __init__(self):
        super().__init__()
        self.backbone = torch.nn.Linear(2, 2)
        self.head = torch.nn.Linear(2, 2)


def test_cpu_autocast_optim_wrapper():
    """Its context runs CPU autocast in the given dtype; outside, fp32."""
    model = TwoPart()
    wrapper = train.CPUAutocastOptimWrapper(
        dtype='bfloat16', optimizer=torch.optim.SGD(model.parameters(), 0.1))
    x = torch.ones(1, 2)
    with wrapper.optim_context(model):
        assert model.head(x).dtype == torch.bfloat16
    assert model.head(x).dtype == torch.float32


def test_build_optim_fp32_keeps_the_config_optimizer(tiny_cfg, bench_args):
    """No AMP: a plain OptimWrapper with the config's AdamW and its
    paramwise lr multipliers (backbone x0.3)."""
    model = TwoPart()
    wrapper, info = train.build_optim(model, tiny_cfg, bench_args(), 'none')
    assert type(wrapper) is OptimWrapper
    assert info == dict(type='OptimWrapper', optimizer='AdamW',
                        loss_scale='n/a')
    lrs = {id(p): g['lr'] for g in wrapper.optimizer.param_groups
           for p in g['params']}
    assert lrs[id(model.backbone.weight)] == pytest.approx(3e-3 * 0.3)
    assert lrs[id(model.head.weight)] == pytest.approx(3e-3)


def test_build_optim_cpu_amp_and_defaults(bench_args):
    """CPU AMP uses CPU autocast (AmpOptimWrapper needs an accelerator); the
    AMP-only keys of an AmpOptimWrapper config are dropped; without an
    optimizer in the config, AdamW(lr 5e-5, weight decay 0.2)."""
    cfg = Config(dict(optim_wrapper=dict(
        type='AmpOptimWrapper', dtype='float16', loss_scale='dynamic')))
    wrapper, info = train.build_optim(TwoPart(), cfg, bench_args(),
                                      'bfloat16')
    assert isinstance(wrapper, train.CPUAutocastOptimWrapper)
    assert wrapper.cast_dtype == torch.bfloat16
    assert info == dict(type='CPUAutocastOptimWrapper', optimizer='AdamW',
                        loss_scale='n/a')
    group = wrapper.optimizer.param_groups[0]
    assert (group['lr'], group['weight_decay']) == (5e-5, 0.2)
    assert cfg.optim_wrapper.type == 'AmpOptimWrapper'  # not modified
    wrapper, info = train.build_optim(TwoPart(), Config(), bench_args(),
                                      'none')
    assert info['type'] == 'OptimWrapper'


def test_new_iter_counter_advances_the_routing_step():
    """Call k keys every router's draws on step k (0, 1, 2, ...), as the
    routing-step hook does with ``runner.iter``: the draws equal those of
    a fresh copy set to step k, for routers nested anywhere."""
    model = torch.nn.Sequential(
        MoTERouter(4, 2, seed=3),
        torch.nn.Sequential(torch.nn.Linear(1, 1), MoTERouter(4, 3, seed=5)))
    routers = [model[0], model[1][1]]
    fresh = [copy.deepcopy(r) for r in routers]
    tick = train.new_iter_counter(model)
    for step in range(3):
        tick()
        for router, ref in zip(routers, fresh):
            ref.set_step(step)
            assert [router.draw() for _ in range(2)] == [
                ref.draw() for _ in range(2)
            ], step
    # without routers (stock heads) a tick is a no-op
    train.new_iter_counter(torch.nn.Linear(1, 1))()


def test_bench_train_tiny(tiny_cfg, bench_args):
    """Two repeats of one step per part: the rates, shares and parts are
    consistent with each other; the class table is built in warm-up only;
    fp32 on CPU: no AMP, no sync audit."""
    args = bench_args('--batch', 1, '--frames', 2, '--num-classes', 4,
                      '--text-templates', 1, '--repeats', 2)
    r = train.bench_train(tiny_cfg, args)
    assert (r['unit'], r['batch'], r['views'], r['frames'], r['size'],
            r['num_classes']) == ('clips/s', 1, 1, 2, 32, 4)
    assert (r['amp_dtype'], r['grad_ckpt']) == ('none', 'off')
    assert r['optim_wrapper'] == dict(type='OptimWrapper', optimizer='AdamW',
                                      loss_scale='n/a')
    bd = r['breakdown']
    step_ms = bd['step_ms_spread']['values']
    assert r['n'] == 2 and len(step_ms) == 2
    # clips/s per repeat = batch / seconds per step of that repeat
    assert r['values'] == pytest.approx([1e3 / ms for ms in step_ms])
    assert r['seconds_per_step'] == pytest.approx(sum(step_ms) / 2e3)
    assert bd['step_ms'] == pytest.approx(1e3 * r['seconds_per_step'])
    assert bd['other_ms'] == pytest.approx(bd['step_ms'] - bd['backbone_ms'] -
                                           bd['head_ms'])
    assert bd['backbone_share'] == pytest.approx(bd['backbone_ms'] /
                                                 bd['step_ms'])
    assert bd['backbone_share'] + bd['other_share'] == pytest.approx(
        1 - bd['head_ms'] / bd['step_ms'])
    assert bd['head_share'] == bd['head_share_spread']['median']
    assert bd['head_share_of_min'] == pytest.approx(
        min(bd['head_ms_spread']['values']) / min(step_ms))
    assert r['text_tower_runs_warmup'] == 1
    assert r['text_tower_runs_during_timing'] == 0
    assert r['sync_audit']['enabled'] is False
    assert r['mem_method'].startswith('CPU peak RSS delta')


def test_bench_train_without_breakdown(tiny_cfg, bench_args):
    """--no-breakdown times the full step only; --grad-ckpt on is what the
    result reports."""
    args = bench_args('--batch', 1, '--frames', 2, '--num-classes', 2,
                      '--random-text-tables', '--no-breakdown',
                      '--grad-ckpt', 'on')
    r = train.bench_train(tiny_cfg, args)
    assert set(r['breakdown']) == {'step_ms', 'step_ms_spread'}
    assert r['grad_ckpt'] == 'on'
    assert r['text_tower_runs_warmup'] == 0  # random tables
    assert r['median'] == pytest.approx(1 / r['seconds_per_step'])
