# Copyright (c) OpenMMLab. All rights reserved.
"""Few-shot and base-to-novel protocols end to end on generated clips:
lists from the tools, training and tests through MMEngine's Runner with the
shipped configs (tiny CLIP, 32 px views), the report tools and the
trade-off plot over the run's logged scalars."""
import json
import os.path as osp

import pytest
from mmengine.config import Config
from mmengine.runner import Runner

from _inprocess_tools import run_script
from mote_mmaction.evaluation import harmonic_mean
from mote_mmaction.testing import tiny_mote_model_cfg

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
SIZES = {256: 36, 224: 32}  # the configs' pixels -> the tiny CLIP's


def tool(path, *args):
    """Run a tool here (the training stack is imported once); it must pass."""
    res = run_script(path, *args)
    assert res.returncode == 0, res.stderr[-3000:]
    return res.stdout


def shrink(obj, old_root, data_root, video_root):
    """The config with tiny views, tiny loaders and the tests' paths."""
    if isinstance(obj, dict):
        out = {k: shrink(v, old_root, data_root, video_root)
               for k, v in obj.items()}
        t = out.get('type')
        if t == 'Resize':
            out['scale'] = tuple(SIZES.get(s, s) for s in out['scale'])
        elif t == 'MoTETestResize':
            out['short_side'] = SIZES[out['short_side']]
        elif t in ('MoTETestCrop', 'CenterCrop'):
            out['crop_size'] = SIZES[out['crop_size']]
        elif t in ('MoTETestSample', 'UniformSample'):
            out['clip_len'] = 4
        if 'batch_size' in out:
            out.update(batch_size=2, num_workers=0, persistent_workers=False)
        return out
    if isinstance(obj, (list, tuple)):
        return type(obj)(shrink(v, old_root, data_root, video_root)
                         for v in obj)
    if isinstance(obj, str):
        return obj.replace(old_root + '/videos', video_root).replace(
            old_root, data_root)
    return obj


def tiny_cfg(config, old_root, data_root, motion, classes_file, num_classes,
             work_dir):
    cfg = Config.fromfile(osp.join(REPO, config))
    cfg = Config(shrink(cfg.to_dict(), old_root, data_root, motion.root))
    cfg.model = tiny_mote_model_cfg(classes_file, num_classes=num_classes)
    cfg.train_dataloader.dataset.length = 4  # 2 steps of 2 clips
    cfg.train_cfg.max_epochs = 1
    cfg.optim_wrapper.type = 'OptimWrapper'  # CPU: no autocast
    cfg.optim_wrapper.pop('dtype')
    cfg.optim_wrapper.pop('loss_scale')
    cfg.work_dir = str(work_dir)
    cfg.launcher = 'none'
    cfg.log_level = 'WARNING'
    cfg.default_hooks.logger.interval = 1
    return cfg


def test_run(cfg, work_dir, split):
    cfg = cfg.copy()
    cfg.work_dir = str(work_dir)
    cfg.load_from = osp.join(cfg.train_work_dir, 'epoch_1.pth')
    cfg.test_dataloader.dataset.split = split
    return Runner.from_cfg(cfg).test()


test_run.__test__ = False


@pytest.fixture(scope='module')
def base2novel(motion_dataset, tmp_path_factory):
    """Split (2 base, 2 novel classes), train seed 1, test both halves."""
    tmp = tmp_path_factory.mktemp('b2n')
    root = str(tmp / 'data')
    tool('tools/data/protocols/make_base2novel_split.py',
         motion_dataset.train_ann, motion_dataset.val_ann,
         motion_dataset.class_file, '--name', 'ucf101', '--out-dir',
         root + '/base2novel', '--shots', 2, '--seeds', 1)
    work = tmp / 'work_dirs' / 'seed1'
    cfg = tiny_cfg('configs/mote/base2novel_ucf101.py', 'data/ucf101', root,
                   motion_dataset,
                   root + '/base2novel/ucf101_base_classes.txt', 2,
                   work / 'train')
    train = cfg.train_dataloader.dataset.dataset
    train.ann_file = train.ann_file.replace('_k16_', '_k2_')
    Runner.from_cfg(cfg).train()
    cfg.train_work_dir = str(work / 'train')
    metrics = {h: test_run(cfg, work / f'test_{h}', h)
               for h in ('base', 'novel')}
    return work, metrics


def test_base2novel_end_to_end(base2novel, tmp_path):
    work, metrics = base2novel
    out = tmp_path / 'b2n.json'
    tool('tools/analysis/base2novel_report.py', work / 'test_base',
         work / 'test_novel', '--out', out)
    report = json.loads(out.read_text())
    base = 100 * metrics['base']['acc/top1']
    novel = 100 * metrics['novel']['acc/top1']
    seed = report['seeds']['1']
    assert seed['base'] == pytest.approx(base)
    assert seed['novel'] == pytest.approx(novel)
    assert report['hm'] == pytest.approx(harmonic_mean([base, novel]))
    assert report['base']['n'] == 1
    # 2 classes x 3 clips per half: top-1 in steps of 1/6
    assert round(base * 6 / 100, 6).is_integer()
    # the novel half was scored with its own 2 class names at val too
    scalars = next((work / 'train').glob('*/vis_data/scalars.json'))
    val = [json.loads(ln) for ln in scalars.read_text().splitlines()
           if 'acc/top1' in ln]
    assert len(val) == 1 and 'zeroshot/novel/top1' in val[0]


def test_plot_tradeoff(base2novel, tmp_path):
    work, _ = base2novel
    png = tmp_path / 'curve.png'
    tool('tools/analysis/plot_tradeoff.py', work / 'train', '--out', png)
    assert png.read_bytes()[:8] == b'\x89PNG\r\n\x1a\n'
    curves = json.loads((tmp_path / 'curve.json').read_text())
    scalars = next((work / 'train').glob('*/vis_data/scalars.json'))
    val = [json.loads(ln) for ln in scalars.read_text().splitlines()
           if 'acc/top1' in ln][0]
    assert sorted(curves) == sorted([
        'acc/top1', 'zeroshot/novel/top1', 'zeroshot/hm',
        'zeroshot/tradeoff'])
    for key, points in curves.items():
        assert points == [[1, pytest.approx(100 * val[key])]]
    # HM of the close-set and zero-shot curves, as the hook logs it
    assert curves['zeroshot/tradeoff'][0][1] == pytest.approx(harmonic_mean(
        [curves['acc/top1'][0][1], curves['zeroshot/hm'][0][1]]))


def test_fewshot_end_to_end(motion_dataset, tmp_path):
    root = str(tmp_path / 'data')
    tool('tools/data/protocols/make_fewshot_lists.py',
         motion_dataset.train_ann, '--shots', 1, '--seeds', 1,
         '--out-dir', root + '/fewshot')
    stem = osp.splitext(osp.basename(motion_dataset.train_ann))[0]
    # the tool's list, the other files under the config's names
    copies = {f'{root}/fewshot/{stem}_k1_seed1.txt':
              f'{root}/fewshot/ucf101_train_split_1_videos_k1_seed1.txt',
              motion_dataset.val_ann: f'{root}/ucf101_val_split_1_videos.txt',
              motion_dataset.class_file: f'{root}/ucf101_class_names.txt'}
    for src, dst in copies.items():
        with open(src) as f, open(dst, 'w') as g:
            g.write(f.read())
    work = tmp_path / 'work_dirs' / 'k1_seed1'
    cfg = tiny_cfg('configs/mote/fewshot_ucf101.py', 'data/ucf101', root,
                   motion_dataset, root + '/ucf101_class_names.txt', 4,
                   work / 'train')
    cfg.train_dataloader.dataset.dataset.split = 'k1_seed1'
    cfg.train_dataloader.dataset.length = 6
    cfg.train_cfg.val_begin = 2  # no val: the test is the result
    runner = Runner.from_cfg(cfg)
    # the 1-shot set (4 classes) repeated to `length`, all-way
    data = runner.train_dataloader.dataset
    assert len(data) == 6 and len(data.dataset) == 4
    assert sorted(data[i]['data_samples'].gt_label.item()
                  for i in range(4)) == [0, 1, 2, 3]
    runner.train()
    cfg.train_work_dir = str(work / 'train')
    top1 = 100 * test_run(cfg, work / 'test', None)['acc/top1']
    # a second seed's test metrics, as MMEngine's LoggerHook writes them
    other = tmp_path / 'work_dirs' / 'k1_seed2' / 'test' / '20260101_000000'
    other.mkdir(parents=True)
    (other / '20260101_000000.json').write_text('{"acc/top1": 0.5}')
    out = tmp_path / 'fs.json'
    tool('tools/analysis/fewshot_report.py', work / 'test',
         other.parent, '--out', out)
    k1 = json.loads(out.read_text())['shots']['1']
    assert k1['n'] == 2
    assert k1['seeds'] == {'1': pytest.approx(top1), '2': 50.0}
    assert k1['mean'] == pytest.approx((top1 + 50) / 2)
    assert k1['std'] == pytest.approx(abs(top1 - 50) / 2 ** 0.5)
