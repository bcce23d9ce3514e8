# Copyright (c) OpenMMLab. All rights reserved.
"""tools/analysis/plot_curves.py and plot_tradeoff.py on a real training
run that was resumed: both read every run's scalars, in order."""
import json
import time

import pytest
from mmengine.config import Config
from mmengine.runner import Runner

from _inprocess_tools import run_script
from mote_mmaction.testing import tiny_mote_model_cfg, tiny_video_pipeline


def run_cfg(motion_dataset, work_dir, epochs, resume):
    def loader(classes, train=False):
        return dict(
            batch_size=4, num_workers=0,
            sampler=dict(type='DefaultSampler', shuffle=train),
            dataset=dict(type='MoTEVideoDataset',
                         ann_file=motion_dataset.train_ann if train else
                         motion_dataset.val_ann,
                         class_names=classes,
                         data_prefix=motion_dataset.data_prefix,
                         test_mode=not train,
                         pipeline=tiny_video_pipeline(test_mode=not train)))

    return Config(dict(
        default_scope='mmaction',
        custom_imports=dict(imports=['mote_mmaction']),
        model=tiny_mote_model_cfg(motion_dataset.classes),
        train_dataloader=loader(motion_dataset.class_file, train=True),
        val_dataloader=loader(motion_dataset.class_file),
        val_evaluator=dict(type='AccMetric'),
        train_cfg=dict(type='EpochBasedTrainLoop', max_epochs=epochs,
                       val_begin=1, val_interval=1),
        val_cfg=dict(type='ValLoop'),
        optim_wrapper=dict(optimizer=dict(type='AdamW', lr=1e-3)),
        param_scheduler=[dict(type='LinearLR', start_factor=0.5,
                              by_epoch=False, begin=0, end=9)],
        default_hooks=dict(
            logger=dict(type='LoggerHook', interval=1),
            checkpoint=dict(type='CheckpointHook', interval=1)),
        custom_hooks=[
            dict(type='MoTEVocabularyHook'),
            dict(type='MoTEZeroShotEvalHook', datasets=[dict(
                name='pair', dataloader=loader(motion_dataset.classes))])],
        visualizer=dict(type='ActionVisualizer',
                        vis_backends=[dict(type='LocalVisBackend')]),
        work_dir=str(work_dir), resume=resume, randomness=dict(seed=0),
        log_level='WARNING'))


@pytest.fixture(scope='module')
def resumed_run(motion_dataset, tmp_path_factory):
    """2 epochs (3 iterations each), then resumed to 3 epochs: two
    timestamped run folders."""
    work = tmp_path_factory.mktemp('resumed_run')
    Runner.from_cfg(run_cfg(motion_dataset, work, 2, False)).train()
    now = time.strftime('%Y%m%d_%H%M%S')
    while time.strftime('%Y%m%d_%H%M%S') == now:  # a new run folder
        time.sleep(0.05)
    Runner.from_cfg(run_cfg(motion_dataset, work, 3, True)).train()
    assert len(list(work.glob('*/vis_data/scalars.json'))) == 2
    return work


def test_plot_curves_joins_resumed_runs(resumed_run, tmp_path):
    png = tmp_path / 'curves.png'
    res = run_script('tools/analysis/plot_curves.py', resumed_run, '--out',
                     png)
    assert res.returncode == 0, res.stderr[-3000:]
    assert png.read_bytes()[:8] == b'\x89PNG\r\n\x1a\n'
    data = json.loads((tmp_path / 'curves.json').read_text())
    assert len(data['files']) == 2
    # 3 iterations per epoch, every one logged, the resumed run from 7
    loss = data['loss']['loss']
    assert [x for x, _ in loss] == list(range(1, 10))
    assert {'loss_cls', 'loss_wmr'} <= set(data['loss'])
    assert [x for x, _ in data['lr']['lr']] == list(range(1, 10))
    assert data['starts'] == dict(train=[7], val=[3])
    acc = data['accuracy']
    assert [x for x, _ in acc['acc/top1']] == [1, 2, 3]
    assert [x for x, _ in acc['zeroshot/pair/top1']] == [1, 2, 3]
    # 4 classes x 3 clips: top-1 in steps of 1/12, as percent
    for _, y in acc['acc/top1']:
        assert round(y * 12 / 100, 6).is_integer()
    # the values are the logged ones, run by run
    logged = [json.loads(ln) for f in data['files']
              for ln in open(f) if '"iter"' in ln]
    assert [r['loss'] for r in logged] == [y for _, y in loss]


def test_plot_tradeoff_joins_resumed_runs(resumed_run, tmp_path):
    png = tmp_path / 'tradeoff.png'
    res = run_script('tools/analysis/plot_tradeoff.py', resumed_run,
                     '--out', png)
    assert res.returncode == 0, res.stderr[-3000:]
    assert 'from 2 run(s)' in res.stdout
    curves = json.loads((tmp_path / 'tradeoff.json').read_text())
    assert [x for x, _ in curves['acc/top1']] == [1, 2, 3]
    assert [x for x, _ in curves['zeroshot/hm']] == [1, 2, 3]


def test_a_later_run_replaces_what_it_redid(tmp_path):
    """A run resumed from an earlier checkpoint than the last logged step
    replaces the earlier run's lines from its first step on."""
    import sys
    import os.path as osp
    sys.path.insert(0, osp.join(osp.dirname(osp.dirname(osp.dirname(
        osp.abspath(__file__)))), 'tools', 'analysis'))
    from run_scalars import load_run
    for name, lines in (
            ('20260101_000000', [dict(loss=1.0, iter=i, step=i)
                                 for i in (1, 2, 3, 4)] +
             [dict(**{'acc/top1': 0.1}, step=1)]),
            ('20260101_000100', [dict(loss=2.0, iter=i, step=i)
                                 for i in (3, 4, 5)] +
             [dict(**{'acc/top1': 0.2}, step=2)]),
            # a val-only run (Runner.val()) in the same work dir: left out
            ('20260101_000200', [dict(**{'acc/top1': 0.9}, step=0)])):
        folder = tmp_path / name / 'vis_data'
        folder.mkdir(parents=True)
        (folder / 'scalars.json').write_text(
            '\n'.join(json.dumps(ln) for ln in lines) + '\n')
    run = load_run(str(tmp_path))
    assert [(r['step'], r['loss']) for r in run.train] == [
        (1, 1.0), (2, 1.0), (3, 2.0), (4, 2.0), (5, 2.0)]
    assert [r['acc/top1'] for r in run.val] == [0.1, 0.2]
    assert len(run.files) == 2 and run.starts == dict(train=[3], val=[2])
    (tmp_path / '20260101_000100' / 'vis_data' / 'scalars.json').write_text(
        '{"loss": 1, "iter": 1, "step": 1}\n{"loss": 1, "it')
    with pytest.raises(ValueError, match=r'20260101_000100.*line 2: not JSON'):
        load_run(str(tmp_path))
