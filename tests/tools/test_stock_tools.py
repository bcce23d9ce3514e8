# Copyright (c) OpenMMLab. All rights reserved.
"""MMAction2's own tools with MoTE configs: the stock confusion_matrix.py
(through tools/analysis/confusion_matrix.py) and tools/test.py --show-dir
(MoTEVisualizationHook, multi-view inputs)."""
import os.path as osp
import pickle

import cv2
import numpy as np
import pytest
import torch
from mmaction.registry import MODELS
from mmengine.config import Config
from mmengine.dataset import Compose, pseudo_collate

from _inprocess_tools import run_script
from mote_mmaction.testing import tiny_mote_model_cfg, tiny_video_pipeline
from mote_mmaction.utils.overlay import draw_lines

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


@pytest.fixture(scope='module')
def mote_files(motion_dataset, tmp_path_factory):
    """A tiny MoTE config (2 test views per clip) over the motion val set,
    and a checkpoint of it."""
    tmp = tmp_path_factory.mktemp('stock_tools')
    pipeline = tiny_video_pipeline(clip_len=4, num_clips=2)
    cfg = Config(dict(
        default_scope='mmaction',
        custom_imports=dict(imports=['mote_mmaction']),
        model=tiny_mote_model_cfg(motion_dataset.classes),
        test_pipeline=pipeline,
        test_dataloader=dict(
            batch_size=4, num_workers=0,
            sampler=dict(type='DefaultSampler', shuffle=False),
            dataset=dict(type='MoTEVideoDataset',
                         ann_file=motion_dataset.val_ann,
                         class_names=motion_dataset.class_file,
                         data_prefix=motion_dataset.data_prefix,
                         test_mode=True, pipeline=pipeline)),
        test_evaluator=dict(type='AccMetric'),
        test_cfg=dict(type='TestLoop'),
        custom_hooks=[dict(type='MoTEVocabularyHook')],
        log_level='WARNING'))
    config = str(tmp / 'tiny_mote.py')
    cfg.dump(config)
    torch.manual_seed(3)
    model = MODELS.build(cfg.model)
    model.cls_head.train_table()
    ckpt = str(tmp / 'tiny_mote.pth')
    torch.save(dict(state_dict=model.state_dict()), ckpt)
    model.eval()
    return config, ckpt, model, tmp


def predictions(model, config, ann_file, root):
    """``[(video, pred_score [C])]`` of every clip in ``ann_file``, through
    the model directly (the tools' reference)."""
    pipeline = Compose(Config.fromfile(config).test_pipeline)
    out = []
    for line in open(ann_file):
        name, label = line.split()
        data = pipeline(dict(filename=osp.join(root, name), label=int(label),
                             start_index=0, modality='RGB'))
        with torch.no_grad():
            sample, = model.test_step(pseudo_collate([data]))
        out.append((name, int(label), sample.pred_score, data['inputs']))
    return out


def test_stock_confusion_matrix(motion_dataset, mote_files, tmp_path):
    config, ckpt, model, _ = mote_files
    out, png = tmp_path / 'cm.pkl', tmp_path / 'cm.png'
    res = run_script('tools/analysis/confusion_matrix.py', config, ckpt,
                     '--out', out, '--show-path', png, '--include-values')
    assert res.returncode == 0, res.stderr[-3000:]
    with open(out, 'rb') as f:
        cm = np.asarray(pickle.load(f))
    expected = np.zeros((4, 4), dtype=int)
    for _, label, score, _ in predictions(model, config,
                                          motion_dataset.val_ann,
                                          motion_dataset.root):
        expected[label, int(score.argmax())] += 1
    assert cm.shape == (4, 4) and cm.sum() == 12
    np.testing.assert_array_equal(cm, expected)
    assert png.read_bytes()[:4] == b'\x89PNG'


def test_stock_confusion_matrix_names_the_missing_script(mote_files,
                                                         tmp_path):
    config, ckpt, _, _ = mote_files
    res = run_script('tools/analysis/confusion_matrix.py', config, ckpt,
                     '--stock-script', tmp_path / 'nope.py')
    assert res.returncode == 1
    assert 'nope.py: no such file' in res.stderr


def test_test_py_show_dir_draws_multiview_predictions(
        motion_dataset, mote_files, tmp_path):
    config, ckpt, model, _ = mote_files
    show = tmp_path / 'vis'
    res = run_script('tools/test.py', config, ckpt, '--work-dir',
                     tmp_path / 'work', '--show-dir', show, '--interval', '5')
    assert res.returncode == 0, res.stderr[-3000:]
    preds = predictions(model, config, motion_dataset.val_ann,
                        motion_dataset.root)
    # every 5th of the 12 clips (dataset order), named after its video
    wanted = {osp.splitext(osp.basename(p[0]))[0]: p
              for i, p in enumerate(preds) if i % 5 == 0}
    assert sorted(p.stem for p in show.glob('*.jpg')) == sorted(wanted)
    classes = motion_dataset.classes
    for stem, (_, label, score, inputs) in wanted.items():
        drawn = cv2.imread(str(show / f'{stem}.jpg'))[..., ::-1]
        # the first view's 4 frames side by side, enlarged to >= 160 px
        view = inputs[0].permute(1, 2, 3, 0).numpy().astype(np.uint8)
        strip = np.concatenate(list(view.repeat(5, 1).repeat(5, 2)), axis=1)
        assert drawn.shape == strip.shape == (160, 4 * 160, 3)
        top = score.topk(3)
        lines = [f'gt: {classes[label]}'] + [
            f'{r}. {classes[j]}: {v:.2f}' for r, (v, j) in enumerate(
                zip(top.values.tolist(), top.indices.tolist()), 1)]
        err = np.abs(drawn.astype(float) - draw_lines(strip, lines)).mean()
        other = np.abs(drawn.astype(float) -
                       draw_lines(strip, lines[:1] + lines[:0:-1])).mean()
        assert err < 3 and err < other, (err, other)
