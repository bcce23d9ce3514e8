# Copyright (c) OpenMMLab. All rights reserved.
"""Training-step speed: ``model.train_step`` with the config's optimizer
wrapper, and a backbone/head breakdown.
"""
import contextlib
import copy
import itertools
import statistics
from typing import Callable, Dict, List

import torch
from mmengine.config import Config
from mmengine.optim import OptimWrapper, build_optim_wrapper

from ...models.layers.expert_router import find_routers

from .measure import MemoryProbe, SyncAudit, spread, time_block
from .models import (build_model, clip_geometry, frame_size, model_config,
                     resolve_amp, synthetic_batch, tower_runs)


class CPUAutocastOptimWrapper(OptimWrapper):
    """``OptimWrapper`` whose context runs CPU autocast (MMEngine's
    ``AmpOptimWrapper`` requires an accelerator)."""

    def __init__(self, dtype: str = 'bfloat16', **kwargs) -> None:
        super().__init__(**kwargs)
        self.cast_dtype = getattr(torch, dtype)

    @contextlib.contextmanager
    def optim_context(self, model):
        with super().optim_context(model), torch.autocast(
                'cpu', dtype=self.cast_dtype):
            yield


def build_optim(model, cfg: Config, args, amp: str):
    """The config's optimizer (AdamW for MoTE) in the wrapper ``amp`` asks
    for; learning-rate schedules play no part in speed."""
    ow = copy.deepcopy(cfg.get('optim_wrapper') or {})
    ow = ow.to_dict() if hasattr(ow, 'to_dict') else dict(ow)
    if 'optimizer' not in ow:
        ow['optimizer'] = dict(type='AdamW', lr=5e-5, weight_decay=0.2)
    cfg_scale = ow.pop('loss_scale', 'dynamic')
    for key in ('type', 'dtype'):
        ow.pop(key, None)
    scale = 'n/a'
    if amp == 'none':
        ow['type'] = 'OptimWrapper'
    elif args.device == 'cuda':
        scale = cfg_scale if args.loss_scale == 'config' else args.loss_scale
        ow.update(type='AmpOptimWrapper', dtype=amp,
                  loss_scale=dict(enabled=False) if scale == 'off' else
                  scale)
    else:
        ow.update(type=CPUAutocastOptimWrapper, dtype=amp)
    wrapper = build_optim_wrapper(model, ow)
    return wrapper, dict(type=type(wrapper).__name__,
                         optimizer=type(wrapper.optimizer).__name__,
                         loss_scale=str(scale))


def new_iter_counter(model) -> Callable[[], None]:
    """Give the model's expert routers the next step each call, as
    ``MoTERoutingStepHook`` does in a runner (draws are keyed on it)."""
    routers, counter = find_routers(model), itertools.count()

    def tick() -> None:
        step = next(counter)
        for router in routers:
            router.set_step(step)

    return tick


def bench_train(cfg: Config, args) -> Dict:
    amp = resolve_amp(cfg, args)
    frames, _ = clip_geometry(cfg, 'train')
    frames = args.frames or frames
    size = frame_size(cfg, args)
    batch = args.batch or cfg.get('train_dataloader', {}).get('batch_size', 2)
    model = build_model(cfg, args, deploy=args.deploy).train()
    num_classes = model.cls_head.num_classes
    data = synthetic_batch(batch, 1, frames, size, num_classes, args.device,
                           args.seed, args.host_inputs)
    optim, optim_info = build_optim(model, cfg, args, amp)
    tick = new_iter_counter(model)
    probe = MemoryProbe(args.device)
    probe.start()

    def full_step() -> None:
        tick()
        model.train_step(data, optim)

    def backbone_step() -> None:
        with optim.optim_context(model):
            d = model.data_preprocessor(data, True)
            x = d['inputs']
            feats = model.backbone(x.reshape((-1, ) + x.shape[2:]))
            loss = feats.float().square().mean()
        loss.backward()
        optim.zero_grad()

    runs0 = tower_runs(model)
    for _ in range(max(args.warmup, 1)):  # builds the class table
        full_step()
    runs_warm = tower_runs(model) - runs0

    fixed: List[torch.Tensor] = []  # frame features for the head alone
    if not args.no_breakdown:
        with torch.no_grad(), optim.optim_context(model):
            d = model.data_preprocessor(data, True)
            x = d['inputs']
            fixed.append(
                model.backbone(x.reshape((-1, ) + x.shape[2:])).detach())
        head_samples = d['data_samples']

    def head_step() -> None:
        tick()
        feats = fixed[0].detach().requires_grad_(True)
        with optim.optim_context(model):
            losses = model.cls_head.loss(feats, head_samples)
            loss, _ = model.parse_losses(losses)
        loss.backward()
        optim.zero_grad()

    audit = SyncAudit(args.device == 'cuda' and args.sync_check != 'off')
    if audit.enabled:
        tick()
        with audit.watch('data_preprocessor'):
            with optim.optim_context(model):
                d = model.data_preprocessor(data, True)
        with audit.watch('forward_loss'):
            with optim.optim_context(model):
                losses = model(**d, mode='loss')
                loss, _ = model.parse_losses(losses)
        with audit.watch('backward'):
            optim.backward(loss)
        with audit.watch('optimizer_step'):
            optim.step()
            optim.zero_grad()

    parts = dict(step=full_step)
    if not args.no_breakdown:
        parts.update(backbone=backbone_step, head=head_step)
        for fn in (backbone_step, head_step):
            fn()  # warm-up of the extra paths
    runs_before = tower_runs(model)
    times: Dict[str, List[float]] = {k: [] for k in parts}
    for _ in range(args.repeats):
        for name, fn in parts.items():  # interleaved: same drift for all
            times[name].append(time_block(fn, args.iters, args.device))
    runs_timed = tower_runs(model) - runs_before
    mem = probe.stop()

    rates = [batch / t for t in times['step']]
    out = dict(spread(rates), unit='clips/s',
               seconds_per_step=statistics.median(times['step']))
    bd: Dict = dict(step_ms=1e3 * statistics.median(times['step']),
                    step_ms_spread=spread([1e3 * t for t in times['step']]))
    if not args.no_breakdown:
        step, bb, hd = (statistics.median(times[k])
                        for k in ('step', 'backbone', 'head'))
        per_rep = [h / s for h, s in zip(times['head'], times['step'])]
        bd.update(
            backbone_ms=1e3 * bb,
            head_ms=1e3 * hd,
            other_ms=1e3 * (step - bb - hd),
            backbone_share=bb / step,
            head_share=statistics.median(per_rep),
            head_share_spread=spread(per_rep),
            backbone_ms_spread=spread([1e3 * t for t in times['backbone']]),
            head_ms_spread=spread([1e3 * t for t in times['head']]),
            other_share=(step - bb - hd) / step,
            # least-disturbed estimate on a shared machine
            head_share_of_min=min(times['head']) / min(times['step']),
            method=(
                'Separate timed calls, interleaved per repeat (CUDA-'
                'synchronised block timing). step = model.train_step '
                '(data preprocessor, forward(mode=loss), backward, '
                'optimizer step). backbone = data preprocessor + CLIP '
                'visual forward + backward of a scalar surrogate loss '
                '(recompute included with grad checkpointing). head = '
                'MoTEHead.loss on fixed frame features that require grad '
                '(expert pass, merged pass, CE x2, MSE) forward + backward. '
                'other = step - backbone - head (optimizer step, '
                'zero_grad, loss parsing). head_share = median over '
                'repeats of head / step.'))
    out.update(
        breakdown=bd, optim_wrapper=optim_info, amp_dtype=amp,
        frames=frames, size=size, batch=batch, views=1,
        num_classes=num_classes,
        text_tower_runs_warmup=runs_warm,
        text_tower_runs_during_timing=runs_timed,
        sync_audit=audit.report(), **mem)
    out['grad_ckpt'] = 'on' if model_config(cfg, args).backbone.get(
        'grad_checkpointing', False) else 'off'
    return out
