# Copyright (c) OpenMMLab. All rights reserved.
from typing import Dict, List, Optional

import torch
from mmaction.registry import HOOKS
from mmengine.evaluator import Evaluator
from mmengine.hooks import Hook

from ...evaluation.zeroshot_report import harmonic_mean
from ._utils import (dataset_classes, dataset_vocabulary, has_vocabulary,
                     set_vocabulary)
from .score_check_hook import ScoreChecker


@HOOKS.register_module()
class MoTEZeroShotEvalHook(Hook):
    """Evaluate extra datasets, each with its own vocabulary, at every val.

    Watches MoTE's generalisation/specialisation trade-off while training:
    after the main validation, each extra dataset is scored against its own
    class names (TFM on), and ``zeroshot/<name>/top1``, their harmonic mean
    ``zeroshot/hm`` and ``zeroshot/tradeoff`` (harmonic mean with the main
    metric) are logged beside it and added to the val metrics.

    The dataloaders are built with MMEngine's distributed samplers and the
    metrics are gathered by :class:`Evaluator`, which drops the samples the
    sampler pads, so under DDP each sample counts exactly once. A model
    that cannot change its vocabulary (a stock MMAction2 head) would score
    every dataset against its training classes, so the hook is skipped
    with one warning.

    Args:
        datasets (list[dict]): Each ``dict(name=..., dataloader=dict(...))``
            with an optional ``metric`` (defaults to top-1 ``AccMetric``).
            The dataset must carry class names (e.g. ``MoTEVideoDataset``).
        main_metric (str): Close-set metric in the val results, in [0, 1].
            Defaults to ``'acc/top1'``.
    """

    priority = 'NORMAL'

    def __init__(self, datasets: List[dict],
                 main_metric: str = 'acc/top1') -> None:
        if not datasets:
            raise ValueError('MoTEZeroShotEvalHook needs at least one dataset')
        for d in datasets:
            if 'name' not in d or 'dataloader' not in d:
                raise KeyError(f'each dataset needs `name` and `dataloader`, '
                               f'got keys {sorted(d)}')
        self.datasets = datasets
        self.main_metric = main_metric
        self._loaders: Dict[str, object] = {}
        self._evaluators: Dict[str, Evaluator] = {}
        self._warned = False
        self._checker = ScoreChecker()

    def _build(self, runner, spec: dict):
        name = spec['name']
        if name not in self._loaders:
            loader = runner.build_dataloader(spec['dataloader'])
            if dataset_classes(loader.dataset) is None:
                raise ValueError(f'zero-shot dataset {name!r} has no class '
                                 'names; use MoTEVideoDataset(class_names=..)')
            self._loaders[name] = loader
            metric = spec.get('metric', dict(
                type='AccMetric',
                metric_list=('top_k_accuracy', ),
                metric_options=dict(top_k_accuracy=dict(topk=(1, )))))
            evaluator = runner.build_evaluator(metric)
            evaluator.dataset_meta = loader.dataset.metainfo
            self._evaluators[name] = evaluator
        return self._loaders[name], self._evaluators[name]

    @torch.no_grad()
    def _evaluate(self, runner, spec: dict) -> float:
        loader, evaluator = self._build(runner, spec)
        was_training = runner.model.training
        set_vocabulary(runner.model, dataset_vocabulary(loader.dataset))
        try:
            runner.model.eval()
            self._checker.start(loader)
            for i, batch in enumerate(loader):
                outputs = runner.model.val_step(batch)
                self._checker.check(i, outputs)
                evaluator.process(data_samples=outputs, data_batch=batch)
            # NaN/inf scores stop here, naming the videos, not as a top-1
            self._checker.finish(f'zero-shot {spec["name"]!r}')
            metrics = evaluator.evaluate(len(loader.dataset))
        finally:
            set_vocabulary(runner.model, None)
            runner.model.train(was_training)
        key = next(k for k in metrics if k.endswith('top1'))
        return float(metrics[key])

    def after_val_epoch(self, runner,
                        metrics: Optional[Dict[str, float]] = None) -> None:
        if not has_vocabulary(runner.model):
            if not self._warned:
                self._warned = True
                runner.logger.warning(
                    'MoTEZeroShotEvalHook is skipped: the model has no MoTE '
                    'head (no set_vocabulary), so it cannot score the '
                    'zero-shot datasets by their own class names.')
            return
        results = {}
        for spec in self.datasets:
            top1 = self._evaluate(runner, spec)
            results[f'zeroshot/{spec["name"]}/top1'] = top1
        top1s = list(results.values())
        results['zeroshot/hm'] = harmonic_mean(top1s)
        if metrics is not None and self.main_metric in metrics:
            results['zeroshot/tradeoff'] = harmonic_mean(
                [float(metrics[self.main_metric]), results['zeroshot/hm']])
        for key, value in results.items():
            runner.message_hub.update_scalar(f'val/{key}', value)
        if metrics is not None:
            metrics.update(results)
        runner.logger.info('zero-shot: ' + ', '.join(
            f'{k}={v:.4f}' for k, v in results.items()))
