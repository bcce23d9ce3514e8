# Copyright (c) OpenMMLab. All rights reserved.
"""Reliability in a real MMEngine ``Runner``: training over a list with
broken videos keeps going and the per-epoch counts are right; val/test
stops on a broken video by default and, opt-in, leaves it out of the
metric and reports it; a NaN loss stops training naming the iteration and
the term; classes that do not fit the model stop before the first step;
fp16 overflow is left to ``AmpOptimWrapper``'s dynamic loss scale."""
import functools
import glob
import json
import os
import os.path as osp
import socket
import subprocess
import sys
import uuid
from types import SimpleNamespace

import pytest
import torch
from _bad_videos import BROKEN, CLASSES, write_bad_video_set
from mmaction.evaluation import AccMetric
from mmaction.registry import DATASETS, METRICS, MODELS
from mmengine.config import Config
from mmengine.logging import MessageHub, MMLogger
from mmengine.model import BaseModel
from mmengine.runner import Runner
from torch import nn

from mote_mmaction.datasets.video_dataset import VideoLoadError
from mote_mmaction.engine.hooks import bad_video_hook, nan_guard_hook
from mote_mmaction.engine.hooks.bad_video_hook import MoTEBadVideoReportHook
from mote_mmaction.engine.hooks.class_check_hook import MoTEClassCheckHook
from mote_mmaction.engine.hooks.nan_guard_hook import (MoTENaNGuardHook,
                                                       NonFiniteLossError)
from mote_mmaction.testing import tiny_mote_model_cfg, tiny_video_pipeline

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


@pytest.fixture(scope='module')
def vids(tmp_path_factory):
    return write_bad_video_set(str(tmp_path_factory.mktemp('reliability')))


@METRICS.register_module(force=True)
class CountingAccMetric(AccMetric):
    """``AccMetric`` that remembers how many samples it scored."""
    seen = []

    def compute_metrics(self, results):
        type(self).seen.append(len(results))
        return super().compute_metrics(results)


def dataset(vids, ann, test_mode, **kw):
    return dict(
        type='MoTEVideoDataset',
        ann_file=vids.lists[ann],
        data_prefix=dict(video=vids.root),
        class_names=CLASSES,
        pipeline=tiny_video_pipeline(),
        test_mode=test_mode,
        **kw)


def loader(ds, workers=0, shuffle=False):
    return dict(
        batch_size=2,
        num_workers=workers,
        persistent_workers=workers > 0,
        sampler=dict(type='DefaultSampler', shuffle=shuffle),
        dataset=ds)


def runner_cfg(vids,
               work_dir,
               train='mixed',
               val=None,
               test=None,
               skip=False,
               epochs=2,
               train_workers=2,
               val_workers=0):
    cfg = dict(
        default_scope='mmaction',
        custom_imports=dict(imports=['mote_mmaction']),
        model=tiny_mote_model_cfg(CLASSES),
        work_dir=work_dir,
        # runners built in the same second would share a logger
        experiment_name=f'{osp.basename(work_dir)}_{uuid.uuid4().hex}',
        train_dataloader=loader(
            dataset(vids, train, False), train_workers, shuffle=True),
        train_cfg=dict(type='EpochBasedTrainLoop', max_epochs=epochs),
        optim_wrapper=dict(optimizer=dict(type='AdamW', lr=1e-3)),
        custom_hooks=[
            dict(type='MoTEClassCheckHook'),
            dict(type='MoTEBadVideoReportHook', interval=1),
            dict(type='MoTENaNGuardHook')
        ],
        default_hooks=dict(
            logger=dict(type='LoggerHook', interval=1), checkpoint=None),
        randomness=dict(seed=0),
        log_level='INFO')
    if val is not None:
        cfg.update(
            val_dataloader=loader(
                dataset(vids, val, True, skip_bad_videos=skip, scan_workers=2),
                val_workers),
            val_evaluator=dict(type='CountingAccMetric'),
            val_cfg=dict(type='ValLoop'))
    if test is not None:
        cfg.update(
            test_dataloader=loader(
                dataset(
                    vids, test, True, skip_bad_videos=skip, scan_workers=2)),
            test_evaluator=dict(type='CountingAccMetric'),
            test_cfg=dict(type='TestLoop'))
    return Config(cfg)


def read_log(work_dir):
    (path, ) = glob.glob(osp.join(work_dir, '*', '*.log'))
    with open(path) as f:
        return f.read()


# ----------------------------------------------------------------------
# training with broken videos
def test_training_keeps_going_and_counts_per_epoch(vids, tmp_path):
    work = str(tmp_path / 'train')
    runner = Runner.from_cfg(runner_cfg(vids, work))
    runner.train()  # 10 samples per epoch, 4 broken; 2 persistent workers
    assert runner.epoch == 2 and runner.iter == 10
    history = runner.message_hub.get_info('bad_videos')
    # the sampler visits each broken entry once per epoch (broken random
    # replacements add loads, never files)
    assert [h['files'] for h in history] == [len(BROKEN)] * 2
    assert [h['new_files'] for h in history] == [len(BROKEN), 0]
    assert all(h['failed_loads'] >= len(BROKEN) for h in history)
    log = read_log(work)
    for rel in BROKEN:
        # once per run, by the hook, with the reason
        assert log.count(f'unreadable video {vids.path(rel)}: ') == 1, rel
    # the workers left the logging to the hook
    assert 'replaced by a random other sample' not in log
    for epoch in (1, 2):
        assert (f'Epoch(train) [{epoch}]: {len(BROKEN)} unreadable training '
                'videos') in log
    # one record file per dataloader worker process
    records = glob.glob(osp.join(work, 'bad_videos', 'rank0', 'pid*.tsv'))
    assert 1 <= len(records) <= 2
    # stop the persistent workers now (left to the garbage collector, they
    # take seconds in a later test)
    workers = getattr(runner.train_dataloader, '_iterator', None)
    if workers is not None:
        workers._shutdown_workers()


def test_report_gathers_ranks_and_skips_old_records(vids, tmp_path,
                                                    monkeypatch):
    """The DDP path with a stand-in for the other rank's gather."""
    ds = DATASETS.build(dataset(vids, 'mixed', False))
    hub = MessageHub.get_instance('bad_video_test')
    logger = MMLogger.get_instance('bad_video_test')
    runner = SimpleNamespace(
        work_dir=str(tmp_path),
        epoch=0,
        iter=0,
        logger=logger,
        message_hub=hub,
        train_dataloader=SimpleNamespace(dataset=ds))
    old = tmp_path / 'bad_videos' / 'rank0' / 'pid1.tsv'
    old.parent.mkdir(parents=True)
    old.write_text('old.mp4\tfrom an earlier run\n')
    other_rank = [(vids.path('videos/empty.mp4'), 'RuntimeError: x')] * 3
    monkeypatch.setattr(bad_video_hook, 'all_gather_object',
                        lambda obj: [obj, other_rank])
    hook = MoTEBadVideoReportHook(interval=1)
    hook.before_train(runner)
    assert ds.bad_video_dir == str(old.parent)
    ds[len(vids.good)]  # missing.mp4 (+ maybe broken replacements)
    hook.after_train_iter(runner, 0)
    with open(old, 'a') as f:
        f.write('half a li')  # a line being written is left for later
    hook.after_train_epoch(runner)
    (entry, ) = hub.get_info('bad_videos')
    assert entry['files'] >= 2 and entry['failed_loads'] >= 4
    assert entry['files'] == entry['new_files']
    assert hook._offsets[str(old)] == len('old.mp4\tfrom an earlier run\n')
    with open(old, 'a') as f:
        f.write('ne.mp4\treason\n')
    runner.epoch = 1
    hook.after_train_epoch(runner)
    assert hub.get_info('bad_videos')[1]['files'] == 2  # line + other rank
    assert 'old.mp4' not in hook._logged and 'half a line.mp4' in \
        hook._logged


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def test_ddp_counts_across_ranks_and_workers(vids, tmp_path):
    """2 gloo ranks, one persistent dataloader worker each."""
    env = dict(os.environ, OMP_NUM_THREADS='1')
    res = subprocess.run([
        sys.executable, '-m', 'torch.distributed.run', '--nproc_per_node=2',
        f'--master_port={free_port()}', 'tests/_bad_video_ddp_worker.py',
        vids.root,
        str(tmp_path)
    ],
                         cwd=REPO,
                         env=env,
                         capture_output=True,
                         text=True,
                         timeout=600)
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
    ranks = [
        json.loads((tmp_path / f'rank{r}.json').read_text()) for r in (0, 1)
    ]
    for result in ranks:
        # the ranks' samplers share the list: together they visit every
        # broken entry once per epoch, and both ranks report the union
        assert [h['files'] for h in result['history']] == [len(BROKEN)] * 2
        assert [h['new_files'] for h in result['history']] == [len(BROKEN), 0]
        assert result['excluded'] == len(BROKEN)
    assert ranks[0]['history'] == ranks[1]['history']
    # the metric (rank 0, gathered results) scored each good video once
    assert ranks[0]['seen'] == [len(vids.good)]
    log = read_log(str(tmp_path / 'work'))
    for rel in BROKEN:
        assert log.count(f'unreadable video {vids.path(rel)}: ') == 1, rel


def test_iteration_based_training_reports_after_training(vids, tmp_path):
    ds = DATASETS.build(dataset(vids, 'broken', False, max_refetch=0))
    hub = MessageHub.get_instance('bad_video_iter_test')
    runner = SimpleNamespace(
        work_dir=str(tmp_path),
        epoch=0,
        iter=0,
        logger=MMLogger.get_instance('bad_video_iter_test'),
        message_hub=hub,
        train_dataloader=SimpleNamespace(dataset=ds))
    hook = MoTEBadVideoReportHook()
    hook.before_train(runner)
    for i in range(2):
        with pytest.raises(VideoLoadError):
            ds[i]
    hook.after_train(runner)
    assert hub.get_info('bad_videos') == [
        dict(epoch=None, failed_loads=2, files=2, new_files=2)
    ]


# ----------------------------------------------------------------------
# val/test with broken videos
def test_val_stops_naming_the_file_by_default(vids, tmp_path):
    cfg = runner_cfg(
        vids,
        str(tmp_path / 'strict'),
        train='good',
        val='mixed',
        val_workers=1)
    with pytest.raises(VideoLoadError) as info:
        Runner.from_cfg(cfg).val()  # the error comes from a worker
    assert f'cannot load {vids.path("videos/missing.mp4")} for evaluation' \
        in str(info.value)


def test_opt_in_excludes_reports_and_scores_good_videos_only(vids, tmp_path):
    work = str(tmp_path / 'skip')
    cfg = runner_cfg(
        vids,
        work,
        train='good',
        val='mixed',
        test='mixed',
        skip=True,
        epochs=1,
        train_workers=0)
    CountingAccMetric.seen.clear()
    runner = Runner.from_cfg(cfg)
    runner.train()
    test_metrics = runner.test()
    # AccMetric saw the 6 good videos only, at val and at test
    assert CountingAccMetric.seen == [len(vids.good)] * 2
    assert test_metrics['excluded_videos'] == len(BROKEN)
    assert 'acc/top1' in test_metrics
    hub = runner.message_hub
    assert hub.get_scalar('val/excluded_videos').current() == len(BROKEN)
    assert hub.get_scalar('test/excluded_videos').current() == len(BROKEN)
    log = read_log(work)
    assert (f'val: {len(BROKEN)} unreadable videos were excluded from the '
            f'metrics (excluded_videos={len(BROKEN)}') in log
    for rel in BROKEN:
        assert vids.path(rel) in log
    with open(osp.join(work, 'excluded_videos_test.tsv')) as f:
        rows = [ln.split('\t') for ln in f.read().splitlines()]
    assert [r[0] for r in rows] == [vids.path(rel) for rel in BROKEN]
    assert rows[0][1] == 'missing file'


# ----------------------------------------------------------------------
# classes that do not fit the model
def test_training_classes_must_be_the_model_vocabulary(vids, tmp_path):
    cfg = runner_cfg(
        vids, str(tmp_path / 'cls'), train='good', train_workers=0)
    cfg.train_dataloader.dataset.class_names = CLASSES + ['extra']
    with pytest.raises(ValueError) as info:
        Runner.from_cfg(cfg).train()
    msg = str(info.value)
    assert 'good.txt' in msg and 'has 4 classes but the model' in msg
    assert 'model.cls_head.class_names' in msg
    cfg.train_dataloader.dataset.class_names = CLASSES[::-1]
    with pytest.raises(
            ValueError,
            match="name label 0 differently \\('growing' vs "
            "'moving left'; 2 labels differ"):
        Runner.from_cfg(cfg).train()


def test_labels_without_class_names_must_fit_num_classes(vids, tmp_path):
    ann = tmp_path / 'four.txt'
    ann.write_text('videos/c0_0.mp4 0\nvideos/c0_1.mp4 3\n')
    ds = DATASETS.build(
        dict(
            type='MoTEVideoDataset',
            ann_file=str(ann),
            data_prefix=dict(video=vids.root),
            pipeline=tiny_video_pipeline(),
            test_mode=True))
    runner = SimpleNamespace(
        model=MODELS.build(tiny_mote_model_cfg(CLASSES)),
        test_dataloader=SimpleNamespace(dataset=ds))
    with pytest.raises(
            ValueError,
            match=r'test dataset .*four.txt has label 3 but the '
            r'model has model.cls_head.num_classes=3'):
        MoTEClassCheckHook().before_test(runner)


# ----------------------------------------------------------------------
# NaN loss
def test_nan_guard_names_iteration_and_term():
    hook = MoTENaNGuardHook(interval=1)
    runner = SimpleNamespace(iter=41, epoch=2)
    hook.after_train_iter(
        runner,
        0,
        outputs=dict(loss=torch.tensor(1.0), loss_cls=torch.tensor(0.5)))
    with pytest.raises(
            NonFiniteLossError,
            match=r'iteration 42 \(epoch 3\): loss_wmr=nan, '
            r'loss=inf\.'):
        hook.after_train_iter(
            runner,
            0,
            outputs=dict(
                loss=torch.tensor(float('inf')),
                loss_wmr=torch.tensor(float('nan')),
                top1_acc=torch.tensor(float('nan'))))


def test_nan_guard_stops_all_ranks_together(monkeypatch):
    """Rank 0 is finite, the stand-in rank 1 is not: rank 0 stops too."""
    monkeypatch.setattr(nan_guard_hook, 'get_world_size', lambda: 2)

    def all_reduce(flag):
        flag += 1  # rank 1's flag

    monkeypatch.setattr(nan_guard_hook, 'all_reduce', all_reduce)
    monkeypatch.setattr(nan_guard_hook, 'all_gather_object',
                        lambda obj: [obj, {
                            'loss_mse': float('nan')
                        }])
    with pytest.raises(
            NonFiniteLossError, match=r'iteration 8 .*rank 1: loss_mse=nan'):
        MoTENaNGuardHook(interval=1).after_train_iter(
            SimpleNamespace(iter=7, epoch=0),
            0,
            outputs=dict(loss=torch.tensor(1.0)))


@MODELS.register_module(force=True)
class NaNAtThirdStep(BaseModel):
    """Two loss terms; ``loss_wmr`` is NaN at the third forward."""

    def __init__(self):
        super().__init__()
        self.w = nn.Parameter(torch.ones(1))
        self.calls = 0

    def forward(self, inputs, data_samples=None, mode='tensor'):
        self.calls += 1
        loss = (self.w * torch.stack(inputs)).mean()
        bad = float('nan') if self.calls == 3 else 1.0
        return dict(loss_cls=loss, loss_wmr=loss * bad)


def test_nan_guard_stops_a_runner(tmp_path):
    runner = Runner(
        model=dict(type='NaNAtThirdStep'),
        work_dir=str(tmp_path),
        experiment_name=f'nan_{uuid.uuid4().hex}',
        train_dataloader=dict(
            dataset=[dict(inputs=torch.ones(2))] * 8,
            sampler=dict(type='DefaultSampler', shuffle=False),
            batch_size=2),
        train_cfg=dict(by_epoch=True, max_epochs=2),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.1)),
        custom_hooks=[dict(type='MoTENaNGuardHook')],
        default_scope='mmaction')
    with pytest.raises(
            NonFiniteLossError,
            match=r'iteration 3 \(epoch 1\): loss_wmr=nan, '
            r'loss=nan'):
        runner.train()
    assert not glob.glob(osp.join(str(tmp_path), '*.pth'))


# ----------------------------------------------------------------------
# fp16 overflow: AmpOptimWrapper(loss_scale='dynamic')
@pytest.mark.skipif(torch.cuda.is_available(), reason='CPU-only check')
def test_amp_optim_wrapper_needs_an_accelerator():
    from mmengine.optim import AmpOptimWrapper
    with pytest.raises(AssertionError, match='only available'):
        AmpOptimWrapper(
            optimizer=torch.optim.SGD([nn.Parameter(torch.ones(1))], lr=0.1))


def _overflow_then_normal_step(wrapper, param):
    """An overflowing step is skipped and halves the scale; a normal one
    then updates."""
    scale = wrapper.loss_scaler.get_scale()
    wrapper.update_params((param * 1e35).sum())  # scaled grads overflow
    assert torch.equal(param.detach().cpu(), torch.ones(4))
    assert wrapper.loss_scaler.get_scale() == scale / 2
    wrapper.update_params(param.sum())
    assert torch.all(param.detach().cpu() < 1)
    assert wrapper.loss_scaler.get_scale() == scale / 2


def test_amp_dynamic_loss_scale_skips_overflow_on_cpu(monkeypatch):
    """MMEngine's own logic, on CPU: its CUDA check is patched and a CPU
    ``GradScaler`` stands in for the CUDA one."""
    from mmengine.optim.optimizer import amp_optimizer_wrapper as amp
    monkeypatch.setattr(amp, 'is_cuda_available', lambda: True)
    monkeypatch.setattr(amp, 'GradScaler',
                        functools.partial(torch.amp.GradScaler, 'cpu'))
    param = nn.Parameter(torch.ones(4))
    wrapper = amp.AmpOptimWrapper(
        loss_scale='dynamic', optimizer=torch.optim.SGD([param], lr=0.1))
    _overflow_then_normal_step(wrapper, param)


@pytest.mark.skipif(not torch.cuda.is_available(), reason='needs CUDA')
def test_amp_dynamic_loss_scale_skips_overflow_on_cuda():
    from mmengine.optim import AmpOptimWrapper
    param = nn.Parameter(torch.ones(4, device='cuda'))
    wrapper = AmpOptimWrapper(
        loss_scale='dynamic', optimizer=torch.optim.SGD([param], lr=0.1))
    _overflow_then_normal_step(wrapper, param)
