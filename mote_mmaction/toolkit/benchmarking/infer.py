# Copyright (c) OpenMMLab. All rights reserved.
"""Inference speed: ``model.test_step``; ``--compare`` times the 4-expert model
(eval merge every forward), the deploy model, and TFM side by side.
"""
import statistics
from typing import Callable, Dict, List, Optional

import torch
from mmengine.config import Config

from .measure import MemoryProbe, SyncAudit, autocast, spread, time_block
from .models import (build_model, class_names, clip_geometry, expert_ffns,
                     frame_size, resolve_amp, synthetic_batch, tower_runs)


def bench_infer(cfg: Config, args) -> Dict:
    amp = resolve_amp(cfg, args)
    frames, views = clip_geometry(cfg, 'test')
    frames = args.frames or frames
    views = args.views or views
    size = frame_size(cfg, args)
    batch = args.batch or cfg.get('test_dataloader', {}).get('batch_size', 2)
    tfm_n = args.tfm_classes or (600 if args.compare else 0)
    if args.compare and not args.tfm_classes:
        args.tfm_classes = tfm_n
    model = build_model(cfg, args, deploy=args.deploy and not args.compare)
    model.eval()
    head = model.cls_head
    data = synthetic_batch(batch, views, frames, size, head.num_classes,
                           args.device, args.seed, args.host_inputs)
    tfm_names = class_names(tfm_n, 'novel action') if tfm_n else None
    orig_tfm = getattr(head, 'tfm', None)
    n_views = batch * views

    def configure(m, vocab: Optional[List[str]], tfm_on: bool = True) -> None:
        if hasattr(m.cls_head, 'set_vocabulary'):
            m.cls_head.set_vocabulary(vocab)
            m.cls_head.tfm = orig_tfm if tfm_on else None
            # set_vocabulary drops the device table: rebuild it (from the
            # text encoder's cache) here, not in the first timed step
            m.cls_head.eval_table()

    def make_step(m) -> Callable[[], None]:

        def step() -> None:
            with torch.no_grad(), autocast(args.device, amp):
                m.test_step(data)

        return step

    # name -> (model, vocabulary, tfm on). `merged` is the trained model,
    # whose experts are merged at every eval forward; `deploy` has them
    # merged once into one FFN (mote_mmaction.models.deploy).
    if args.compare:
        variants = dict(merged=(model, None, True))
        variants[f'tfm_{tfm_n}'] = (model, tfm_names, True)
        variants[f'vocab_{tfm_n}_no_tfm'] = (model, tfm_names, False)
        variants['deploy'] = None  # built below from the merged weights
        primary = 'merged'
    else:
        primary = 'deploy' if args.deploy else (
            f'tfm_{tfm_n}' if tfm_n else 'merged')
        variants = {primary: (model, tfm_names, True)}

    probe = MemoryProbe(args.device)
    probe.start()
    runs0 = tower_runs(model)
    steps: Dict[str, Callable[[], None]] = {}
    for name, spec in variants.items():
        if spec is None:
            continue
        m, vocab, tfm_on = spec
        configure(m, vocab, tfm_on)
        step = make_step(m)
        for _ in range(max(args.warmup, 1)):  # builds the class tables
            step()
        steps[name] = step
    extra: Dict = {}
    if args.compare:
        from mote_mmaction.models.deploy import merge_experts_state_dict
        configure(model, None)
        dep = build_model(cfg, args, deploy=True).eval()
        dep.load_state_dict(merge_experts_state_dict(model.state_dict()))
        variants['deploy'] = (dep, None, True)
        configure(dep, None)
        steps['deploy'] = make_step(dep)
        for _ in range(max(args.warmup, 1)):
            steps['deploy']()
        with torch.no_grad(), autocast(args.device, amp):
            a = model.test_step(data)
            b = dep.test_step(data)
        extra['deploy_max_abs_diff'] = max(
            float((x.pred_score - y.pred_score).abs().max())
            for x, y in zip(a, b))
    runs_warm = tower_runs(model) - runs0

    audit = SyncAudit(args.device == 'cuda' and args.sync_check != 'off')
    if audit.enabled:
        name = primary
        m, vocab, tfm_on = variants[name]
        configure(m, vocab, tfm_on)
        with audit.watch(f'test_step ({name})'):
            make_step(m)()

    runs_before = tower_runs(model)
    times: Dict[str, List[float]] = {k: [] for k in steps}
    for _ in range(args.repeats):
        for name, step in steps.items():
            m, vocab, tfm_on = variants[name]
            configure(m, vocab, tfm_on)
            times[name].append(time_block(step, args.iters, args.device))
    runs_timed = tower_runs(model) - runs_before
    mem = probe.stop()

    results = {}
    for name, ts in times.items():
        results[name] = dict(spread([n_views / t for t in ts]),
                             unit='views/s',
                             seconds_per_step=statistics.median(ts),
                             ms_per_step=1e3 * statistics.median(ts))
    out = dict(results[primary])
    out.update(amp_dtype=amp, frames=frames, size=size, batch=batch,
               views=views, views_per_step=n_views,
               num_classes=head.num_classes, tfm_classes=tfm_n,
               variant=primary,
               text_tower_runs_warmup=runs_warm,
               text_tower_runs_during_timing=runs_timed,
               sync_audit=audit.report(), **mem)
    # the deploy head is timed against the 4-expert one only with
    # --compare; under --deploy alone the primary model *is* the deploy one
    out['breakdown'] = infer_breakdown(
        model, data, args, amp, times, primary, tfm_names, orig_tfm,
        variants['deploy'] if args.compare else None)
    if args.compare:
        out['compare'] = results
        out['ratios'] = compare_ratios(times, tfm_n, out['breakdown'])
        out['ratios'].update(extra)
    return out


def _ratio(times: Dict[str, List[float]], a: str, b: str) -> float:
    """Median over repeats of time(a) / time(b), measured side by side."""
    return statistics.median(x / y for x, y in zip(times[a], times[b]))


def compare_ratios(times: Dict[str, List[float]], tfm_n: int,
                   breakdown: Dict) -> Dict:
    tfm, vocab = f'tfm_{tfm_n}', f'vocab_{tfm_n}_no_tfm'
    out = dict(
        merged_over_deploy=_ratio(times, 'merged', 'deploy'),
        tfm_overhead=_ratio(times, tfm, 'merged') - 1.0,
        tfm_only_overhead=_ratio(times, tfm, vocab) - 1.0,
        method=('End-to-end test_step times of the variants, interleaved '
                'per repeat; each ratio is the median over repeats of the '
                'ratio of step times (throughput ratio inverted). '
                'merged_over_deploy: target <= 1.02. tfm_overhead: '
                f'{tfm_n}-class vocabulary with TFM vs the training '
                'vocabulary (TFM skipped), as a fraction of a step; '
                'tfm_only_overhead: the same vocabulary with and without '
                'TFM. Direct component timings are in breakdown.'))
    for key in ('tfm_share', 'merge_share', 'head_merged_over_deploy'):
        if key in breakdown:
            out[key] = breakdown[key]
    return out


def infer_breakdown(model, data, args, amp: str, times, primary: str,
                    tfm_names, orig_tfm, deploy_spec) -> Dict:
    """Backbone vs head of one test step, and direct timings of the eval
    merge and of TFM on the same frame features."""
    from mote_mmaction.models.layers.temporal_modulation import \
        temporal_modulation
    head = model.cls_head
    dev = args.device
    iters = max(args.iters * 4, 8)
    with torch.no_grad(), autocast(dev, amp):
        d = model.data_preprocessor(data, False)
        x = d['inputs']
        flat = x.reshape((-1, ) + x.shape[2:])
        feats = model.backbone(flat)

    def backbone() -> None:
        with torch.no_grad(), autocast(dev, amp):
            dd = model.data_preprocessor(data, False)
            xx = dd['inputs']
            model.backbone(xx.reshape((-1, ) + xx.shape[2:]))

    def head_fn(h) -> Callable[[], None]:

        def fn() -> None:
            with torch.no_grad(), autocast(dev, amp):
                h.predict(feats, d['data_samples'])

        return fn

    ffns = expert_ffns(model)

    def merge() -> None:
        with torch.no_grad():
            for m in ffns:
                m.merged_params(m.eval_coeffs)

    parts: Dict[str, Callable[[], None]] = dict(backbone=backbone)
    if hasattr(head, 'set_vocabulary'):
        head.set_vocabulary(None)
        head.tfm = orig_tfm
    parts['head_merged'] = head_fn(head)
    if ffns and ffns[0].num_experts > 1:
        parts['merge'] = merge
    if deploy_spec is not None:
        parts['head_deploy'] = head_fn(deploy_spec[0].cls_head)
    table_n = None
    if tfm_names and orig_tfm is not None and hasattr(head, 'eval_table'):
        head.set_vocabulary(tfm_names)
        table_n, _ = head.eval_table()
        train_t = head.train_table()

        def tfm() -> None:
            with torch.no_grad(), autocast(dev, amp):
                temporal_modulation(feats, table_n, train_t, **orig_tfm)

        parts['tfm'] = tfm
        head.set_vocabulary(None)
    res: Dict[str, List[float]] = {k: [] for k in parts}
    for k, fn in parts.items():
        fn()  # warm-up
    for _ in range(args.repeats):
        for k, fn in parts.items():
            n = args.iters if k == 'backbone' else iters
            res[k].append(time_block(fn, n, dev))
    med = {k: statistics.median(v) for k, v in res.items()}
    step = statistics.median(times[primary])
    out: Dict = {f'{k}_ms': 1e3 * v for k, v in med.items()}
    out['test_step_ms'] = 1e3 * step
    out['backbone_share'] = med['backbone'] / step
    out['head_share'] = med['head_merged'] / step
    if 'merge' in med:
        out['merge_share'] = med['merge'] / step
    if 'head_deploy' in med:
        out['head_merged_over_deploy'] = statistics.median(
            a / b for a, b in zip(res['head_merged'], res['head_deploy']))
    if 'tfm' in med:
        tfm_step = statistics.median(times[f'tfm_{len(tfm_names)}']) \
            if f'tfm_{len(tfm_names)}' in times else step
        out['tfm_share'] = med['tfm'] / tfm_step
    out['method'] = (
        'Direct timings on the frame features of one batch, '
        f'{iters} calls per repeat ({args.iters} for the backbone), median '
        'over repeats: backbone = data '
        'preprocessor + CLIP visual forward; head_merged = MoTEHead.predict '
        '(temporal transformer merging its experts, cosines, view fusion); '
        'head_deploy = the same with the experts merged once (deploy); '
        'merge = the eval-time merge of all layers alone (part of '
        'head_merged); tfm = temporal_modulation with the '
        'TFM vocabulary (its share is of the TFM test step); shares are '
        'of the median test_step time of the primary variant.')
    return out
