# Copyright (c) OpenMMLab. All rights reserved.
"""``MoTEZeroShotEvalHook``: at each validation of a training run the
zero-shot set is scored against its own classes, the logged and returned
numbers are its accuracy, and training goes on with the training
vocabulary; a model without a MoTE head is skipped with one warning, no
zero-shot numbers invented."""
import pytest
import torch
from mmengine.hooks import Hook
from mmengine.runner import Runner

from mote_mmaction.engine.hooks import MoTEZeroShotEvalHook
from mote_mmaction.evaluation import harmonic_mean
from mote_mmaction.testing import tiny_video_pipeline
from mote_mmaction.testing.synthetic_videos import generate_motion_dataset

ZERO_SHOT = ['moving up', 'moving down', 'rotating clockwise']


@pytest.fixture(scope='module')
def zeroshot_set(tmp_path_factory):
    """2 clips of each of 3 classes the model is not trained on."""
    root = str(tmp_path_factory.mktemp('zeroshot'))
    ann, classes = generate_motion_dataset(root, ZERO_SHOT, 2, 'zs', seed=3)
    with open(ann) as f:
        labels = [int(line.split()[1]) for line in f]
    return dict(ann_file=ann, class_names=classes,
                data_prefix=dict(video=root)), labels


class _Metrics(Hook):
    """Keeps what each validation returns, after every other hook."""

    def __init__(self):
        self.seen = []

    def after_val_epoch(self, runner, metrics=None):
        self.seen.append(dict(metrics))


def test_zeroshot_eval_during_training(motion_train_cfg, motion_dataset,
                                       zeroshot_set):
    """Two steps with a validation after each: the hook's top-1, HM and
    trade-off are what the model's zero-shot scores give; those scores are
    over the zero-shot classes, and the next training step and validation
    use the training vocabulary again, in train and eval mode."""
    data, labels = zeroshot_set
    val = dict(batch_size=4, num_workers=0,
               sampler=dict(type='DefaultSampler', shuffle=False))
    cfg = motion_train_cfg(
        2,
        train_cfg=dict(type='IterBasedTrainLoop', max_iters=2,
                       val_interval=1),
        val_dataloader=dict(
            val, dataset=dict(
                type='MoTEVideoDataset', ann_file=motion_dataset.val_ann,
                class_names=motion_dataset.class_file,
                data_prefix=motion_dataset.data_prefix, indices=4,
                test_mode=True, pipeline=tiny_video_pipeline())),
        val_evaluator=dict(type='AccMetric'),
        val_cfg=dict(type='ValLoop'),
        default_hooks=dict(checkpoint=None),
        custom_hooks=[
            dict(type='MoTEZeroShotEvalHook', datasets=[
                dict(name='novel', dataloader=dict(
                    val, batch_size=2, dataset=dict(
                        type='MoTEVideoDataset', test_mode=True,
                        pipeline=tiny_video_pipeline(), **data)))
            ])
        ],
        randomness=dict(seed=0))
    runner = Runner.from_cfg(cfg)
    head = runner.model.cls_head
    calls = []  # (train mode, vocabulary, scores or losses) per call
    forward, loss = head.forward, head.loss

    def spy_forward(x, **kwargs):
        out = forward(x, **kwargs)
        calls.append((head.training, head.eval_class_names,
                      out.detach().clone()))
        return out

    def spy_loss(x, data_samples, **kwargs):
        calls.append((head.training, head.eval_class_names, 'loss'))
        return loss(x, data_samples, **kwargs)

    head.forward, head.loss = spy_forward, spy_loss
    recorder = _Metrics()
    runner.register_hook(recorder, priority='LOWEST')
    runner.train()

    # per round: a training step, the main val (1 batch), zero-shot (3)
    assert [(t, n, o if isinstance(o, str) else o.shape[1])
            for t, n, o in calls] == 2 * (
        [(True, None, 'loss'), (False, None, 4)] +
        3 * [(False, ZERO_SHOT, 3)])
    assert head.eval_class_names is None  # the training vocabulary is back

    hub = runner.message_hub
    logged = {k: hub.get_scalar(f'val/zeroshot/{k}').data[0].tolist()
              for k in ('novel/top1', 'hm', 'tradeoff')}
    assert len(recorder.seen) == 2
    for r, metrics in enumerate(recorder.seen):
        scores = torch.cat([o for _, _, o in calls[5 * r + 2:5 * r + 5]])
        hits = (scores.argmax(1) == torch.tensor(labels)).sum().item()
        top1 = hits / len(labels)
        want = {
            'zeroshot/novel/top1': top1,
            'zeroshot/hm': top1,  # one zero-shot set
            'zeroshot/tradeoff': harmonic_mean([metrics['acc/top1'], top1]),
        }
        assert {k: metrics[k] for k in want} == pytest.approx(want)
        for k, values in logged.items():
            assert values[r] == pytest.approx(want['zeroshot/' + k])

    # called from a model in train mode (a hook of its own schedule), it
    # gives that mode back, with the training vocabulary
    hook = next(h for h in runner.hooks
                if isinstance(h, MoTEZeroShotEvalHook))
    runner.model.train()
    hook.after_val_epoch(runner, {'acc/top1': 0.5})
    assert runner.model.training and head.training
    assert head.eval_class_names is None


def test_stock_head_is_skipped_with_one_warning(stock_runner):
    """No ``set_vocabulary``: the metrics are left as they are and one
    warning says why."""
    hook = MoTEZeroShotEvalHook(datasets=[dict(name='x', dataloader=dict())])
    for _ in range(2):
        metrics = {'acc/top1': 0.5}
        hook.after_val_epoch(stock_runner, metrics)
        assert metrics == {'acc/top1': 0.5}
    assert sum('MoTEZeroShotEvalHook is skipped' in m
               for m in stock_runner.messages) == 1
