# Copyright (c) OpenMMLab. All rights reserved.
"""MoTEResumeHook on a seconds-fast toy run (4 iterations per epoch)."""
import os.path as osp

import pytest
import torch
from mmengine.runner import Runner

import mote_mmaction  # noqa: F401
from _toy_runner import ToyData, ToyModel


def runner_of(work_dir, sampler='MoTESeededSampler', resume_from=None,
              accumulate=1, batch_size=2, seed=1, max_epochs=2,
              num_workers=0):
    return Runner(
        model=ToyModel(),
        work_dir=work_dir,
        train_dataloader=dict(
            dataset=ToyData(), batch_size=batch_size,
            num_workers=num_workers, persistent_workers=num_workers > 0,
            sampler=dict(type=sampler, shuffle=True),
            collate_fn=dict(type='default_collate')),
        train_cfg=dict(by_epoch=True, max_epochs=max_epochs),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.01),
                           accumulative_counts=accumulate),
        default_hooks=dict(
            checkpoint=dict(type='CheckpointHook', by_epoch=False,
                            interval=1),
            logger=dict(type='LoggerHook', interval=100),
            resume=dict(type='MoTEResumeHook')),
        default_scope='mmaction',
        randomness=dict(seed=seed),
        load_from=resume_from,
        resume=resume_from is not None,
        log_level='WARNING')


def warnings_of(runner):
    said = []
    runner.logger.warning = said.append
    return said


@pytest.fixture(scope='module')
def accumulated(tmp_path_factory):
    """An uninterrupted 2-epoch run with accumulative_counts=2, its
    iteration checkpoints and final weights."""
    work = str(tmp_path_factory.mktemp('accum'))
    runner = runner_of(work, accumulate=2)
    runner.train()
    return work, {k: v.clone() for k, v in runner.model.state_dict().items()}


def test_mid_epoch_resume_with_accumulation_is_exact(accumulated, tmp_path):
    work, expected = accumulated
    # iter 6: 2 of epoch 2's 4 iterations done, on an update boundary; no
    # seed in the config: the sampler takes the checkpoint's
    runner = runner_of(str(tmp_path), accumulate=2, seed=None,
                       resume_from=osp.join(work, 'iter_6.pth'))
    said = warnings_of(runner)
    runner.train()
    assert runner.iter == 8
    assert not [m for m in said if 'resumed' in m], said
    for k, v in runner.model.state_dict().items():
        assert torch.equal(v, expected[k]), k


def test_resume_inside_an_accumulation_window_warns(accumulated, tmp_path):
    work, _ = accumulated
    runner = runner_of(str(tmp_path), accumulate=2,
                       resume_from=osp.join(work, 'iter_5.pth'))
    said = warnings_of(runner)
    runner.train()
    assert runner.iter == 8
    assert any('1 micro-batches into a gradient-accumulation window of 2'
               in m for m in said), said


def test_a_sampler_that_cannot_skip_replays_with_a_warning(
        accumulated, tmp_path):
    work, _ = accumulated
    runner = runner_of(str(tmp_path), sampler='DefaultSampler',
                       resume_from=osp.join(work, 'iter_6.pth'))
    said = warnings_of(runner)
    runner.train()
    assert runner.iter == 10  # MMEngine replays epoch 2's first 2
    assert any('those 2 iterations run again' in m for m in said), said


def test_a_checkpoint_from_another_epoch_length_is_an_error(
        accumulated, tmp_path):
    work, _ = accumulated
    # batch 4: 2 iterations per epoch; iter 6 of epoch 2 cannot be
    runner = runner_of(str(tmp_path), batch_size=4,
                       resume_from=osp.join(work, 'iter_6.pth'))
    with pytest.raises(ValueError, match='iteration 6 of epoch 2, which '
                       'does not fit 2 iterations per epoch'):
        runner.train()


@pytest.mark.parametrize('sampler', ['DefaultSampler', 'MoTESeededSampler'])
def test_resume_with_worker_streams_warns_that_it_is_not_exact(
        accumulated, tmp_path, sampler):
    """A stock sampler with persistent workers: the augmentation draws
    restart with the new workers, so the resume cannot be exact (3.1e-3
    off in the probe); one warning says so and names the sampler that
    makes it exact. With that sampler: no warning."""
    work, _ = accumulated
    runner = runner_of(str(tmp_path), sampler=sampler, num_workers=1,
                       resume_from=osp.join(work, 'iter_4.pth'))
    said = warnings_of(runner)
    runner.train()
    warned = [m for m in said if 'persistent dataloader workers' in m]
    if sampler == 'MoTESeededSampler':
        assert not warned, said
    else:
        assert warned == [
            'resumed at iteration 4 with DefaultSampler and persistent '
            "dataloader workers: random augmentation is drawn from the "
            "workers' own streams, which restart with the new workers, so "
            'the resumed run is not exact (it differs from an '
            'uninterrupted one). For an exact resume use '
            "train_dataloader.sampler=dict(type='MoTESeededSampler') "
            '(docs/reliability.md, "Exact resume").']
