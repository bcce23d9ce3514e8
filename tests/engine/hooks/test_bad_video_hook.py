# Copyright (c) OpenMMLab. All rights reserved.
"""``MoTEBadVideoReportHook`` in a real MMEngine ``Runner``: training over
a list with broken videos keeps going and the per-epoch counts are right
(one process, DDP ranks, dataloader workers); val/test stops on a broken
video by default and, opt-in, leaves it out of the metric and reports
it."""
import glob
import json
import os.path as osp
from types import SimpleNamespace

import pytest
from _bad_video_runner import CountingAccMetric, dataset, read_log, runner_cfg
from _bad_videos import BROKEN
from _torchrun import run_ranks
from mmaction.registry import DATASETS
from mmengine.logging import MessageHub, MMLogger
from mmengine.runner import Runner

from mote_mmaction.datasets.video_dataset import VideoLoadError
from mote_mmaction.engine.hooks import bad_video_hook
from mote_mmaction.engine.hooks.bad_video_hook import MoTEBadVideoReportHook


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


def test_ddp_counts_across_ranks_and_workers(vids, tmp_path):
    """2 gloo ranks, one persistent dataloader worker each."""
    run_ranks('tests/_bad_video_ddp_worker.py', vids.root, tmp_path)
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
    # the metric is that of the good videos alone, under the same weights
    good = Runner.from_cfg(
        runner_cfg(vids, str(tmp_path / 'good'), train='good', test='good'))
    good.model.load_state_dict(runner.model.state_dict())
    good_metrics = good.test()
    for key in ('acc/top1', 'acc/mean1'):
        assert test_metrics[key] == good_metrics[key], key
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
