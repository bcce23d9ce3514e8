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
from mmengine.config import Config
from mmengine.dataset import Compose, pseudo_collate

from _inprocess_tools import run_script
from mote_mmaction.testing import (save_tiny_checkpoint, tiny_mote_model_cfg,
                                   tiny_video_pipeline)
from mote_mmaction.engine.overlay import draw_lines

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
    config, ckpt, model = save_tiny_checkpoint(cfg, str(tmp), 'tiny_mote',
                                               seed=3)
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


def _write_lossless(path, frames):
    """RGB frames to an FFV1 .mkv: decoded back bit-exactly."""
    h, w = frames[0].shape[:2]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*'FFV1'), 8,
                             (w, h))
    assert writer.isOpened()
    for f in frames:
        writer.write(np.ascontiguousarray(f[..., ::-1]))
    writer.release()


def test_long_video_demo_labels_each_window(mote_files, tmp_path):
    """Per-window scores equal the model's scores of each window cut out
    as its own video (lossless, so the same pixels); the labelled video
    carries each frame's window labels."""
    import decord
    import json
    import sys
    from mmaction.apis import inference_recognizer
    from mote_mmaction.testing.synthetic_videos import write_motion_clip
    config, ckpt, model, _ = mote_files
    parts = []
    for i, motion in enumerate(('moving left', 'growing', 'shrinking')):
        clip = str(tmp_path / f'part{i}.mp4')
        write_motion_clip(clip, motion, num_frames=16, seed=i)
        parts.append(decord.VideoReader(clip).get_batch(
            list(range(16))).asnumpy())
    frames = list(np.concatenate(parts))[:40]  # 16 + 16 + 8 frames
    long_video = tmp_path / 'long.mkv'
    _write_lossless(long_video, frames)

    out_json = tmp_path / 'windows.json'
    res = run_script('tools/demo/long_video_demo.py', config, ckpt,
                     long_video, out_json, '--window-frames', '16',
                     '--labels', 'moving left,growing,shrinking,spinning',
                     '--topk', '2')
    assert res.returncode == 0, res.stderr[-3000:]
    assert '3 windows' in res.stdout
    result = json.loads(out_json.read_text())
    spans = [(w['start'], w['end']) for w in result['windows']]
    assert spans == [(0, 16), (16, 32), (32, 40)]
    assert result['windows'][1]['start_s'] == 2.0  # 8 fps

    sys.path.insert(0, osp.join(REPO, 'tools', 'demo'))
    from demo_video import load_model
    ref_model = load_model(config, ckpt)
    ref_model.set_vocabulary(['moving left', 'growing', 'shrinking',
                              'spinning'])
    names = ['moving left', 'growing', 'shrinking', 'spinning']
    for w in result['windows']:
        cut = tmp_path / f'cut{w["start"]}.mkv'
        _write_lossless(cut, frames[w['start']:w['end']])
        score = inference_recognizer(ref_model, str(cut)).pred_score
        top = score.topk(2)
        assert [n for n, _ in w['labels']] == [names[i] for i in
                                               top.indices.tolist()]
        assert [s for _, s in w['labels']] == pytest.approx(
            top.values.tolist(), abs=1e-5)

    # the video: frame t shows the labels of the window it falls in
    sys.path.insert(0, osp.join(REPO, 'tools', 'demo'))
    from video_overlay import format_lines
    out_video = tmp_path / 'labelled.avi'
    res = run_script('tools/demo/long_video_demo.py', config, ckpt,
                     long_video, out_video, '--window-frames', '16',
                     '--labels', 'moving left,growing,shrinking,spinning',
                     '--topk', '2')
    assert res.returncode == 0, res.stderr[-3000:]
    drawn = decord.VideoReader(str(out_video))
    assert len(drawn) == 40
    for t in (5, 20, 35):
        w = result['windows'][t // 16]
        lines = [f'{w["start_s"]:.1f}-{w["end_s"]:.1f} s'] + format_lines(
            [tuple(p) for p in w['labels']])
        got = drawn[t].asnumpy().astype(float)
        err = np.abs(got - draw_lines(frames[t], lines)).mean()
        other = result['windows'][(t // 16 + 1) % 3]
        wrong = [f'{other["start_s"]:.1f}-{other["end_s"]:.1f} s'] + \
            format_lines([tuple(p) for p in other['labels']])
        assert err < np.abs(got - draw_lines(frames[t], wrong)).mean()


def test_long_video_demo_rejects_a_pipeline_without_reader(tmp_path):
    import sys
    sys.path.insert(0, osp.join(REPO, 'tools', 'demo'))
    from long_video_demo import WindowSampler, windows
    with pytest.raises(ValueError, match='no video reader.*DecordInit'):
        WindowSampler([dict(type='UniformSample', clip_len=4),
                       dict(type='PackActionInputs')], 'x.mp4')
    assert windows(10, 4, 3) == [(0, 4), (3, 7), (6, 10)]
