# Copyright (c) OpenMMLab. All rights reserved.
"""What is happening in this video? Score it against your own labels.

    python tools/demo/demo_video.py configs/mote/k400.py mote_b16.pth \
        my_video.mp4 --labels "riding a bike,playing guitar,cooking"
    python tools/demo/demo_video.py CONFIG CKPT video.webm \
        --labels-file labels.txt --topk 3
    python tools/demo/demo_video.py CONFIG CKPT video.mp4 \
        --labels "riding a bike,playing guitar" --out-filename out.mp4

``--out-filename`` (``.mp4``, ``.avi`` or ``.mkv``) writes the video with
the top-k labels and scores drawn on every frame, as MMAction2's
``demo/demo.py`` does (``--fps``, ``--font-scale``, ``--font-color``,
``--target-resolution`` as there).

Labels come from ``--labels`` (comma separated) or ``--labels-file`` (one
per line, an ``id,name`` CSV, or a descriptor vocabulary with several
phrasings per class: ``.json`` or ``id,name,description`` CSV, see
``mote_mmaction/vocabulary.py``); without either, the
model's training vocabulary is used. Any container decord reads works
(mp4, avi, mkv, webm).

Probabilities are CLIP's: the softmax of cosines times the model's logit
scale (``model.cls_head.test_scale_logits=True``), averaged over the views.
MoTE's test protocol takes the softmax of the raw cosines, which ranks the
same way for one view but gives near-uniform numbers; pass
``--cfg-options model.cls_head.test_scale_logits=False`` for those.

The embedded demo's model (after ``python tools/run_embedded_default.py``)::

    python tools/demo/demo_video.py \
        work_dirs/embedded_default/mote/deploy_config.py \
        work_dirs/embedded_default/mote/mote_merged.pth \
        data/motion_demo/videos/zeroshot/purple_square_0.mp4 \
        --labels-file data/motion_demo/zeroshot_classes.txt
"""
import argparse
import os.path as osp
import sys
from typing import List, Optional, Tuple

HERE = osp.dirname(osp.abspath(__file__))
# the repository (mote_mmaction) and this folder (video_overlay)
sys.path[:0] = [osp.dirname(osp.dirname(HERE)), HERE]

import mote_mmaction  # noqa: E402,F401
from mmaction.apis import inference_recognizer, init_recognizer  # noqa
from mmengine.config import Config, DictAction  # noqa: E402

from mote_mmaction.vocabulary import \
    load_class_phrasings  # noqa: E402
from mote_mmaction.vocabulary import load_class_names  # noqa: E402
from video_overlay import (check_out_path, color_bgr,  # noqa: E402
                           draw_lines, format_lines, read_frames, resize_to,
                           write_video)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('video')
    parser.add_argument('--labels', help='comma-separated labels')
    parser.add_argument(
        '--labels-file',
        help='label file (txt, id,name csv, or a descriptor json / '
        'id,name,description csv)')
    parser.add_argument('--topk', type=int, default=5)
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    parser.add_argument(
        '--out-filename',
        help='write the video with the top-k labels drawn on it here '
        '(.mp4, .avi or .mkv)')
    parser.add_argument('--fps', type=float,
                        help='frame rate of --out-filename (default: the '
                        "input's)")
    parser.add_argument('--font-scale', type=float,
                        help='OpenCV font scale (default: from the height)')
    parser.add_argument('--font-color', default='white',
                        help='a colour name or #rrggbb')
    parser.add_argument(
        '--target-resolution', nargs=2, type=int, metavar=('W', 'H'),
        help='resize the written frames; -1 keeps the aspect ratio')
    return parser.parse_args()


def classify(model, video: str, labels=None, topk: int = 5):
    """Top-k ``(label, probability)`` of ``video`` for a MoTE model;
    ``labels`` items are names or phrasings (name first)."""
    if not osp.isfile(video):
        raise FileNotFoundError(f'video not found: {video}')
    model.set_vocabulary(labels)
    names = [n if isinstance(n, str) else n[0] for n in labels] \
        if labels is not None else model.cls_head.class_names
    if names is None:  # the training class-name file is not on this machine
        raise ValueError('the training class names are unknown here (their '
                         'file is missing): give --labels or --labels-file')
    result = inference_recognizer(model, video)
    scores = result.pred_score.float()
    k = min(topk, len(names))
    values, idx = scores.topk(k)
    return [(names[i], float(v)) for v, i in zip(values, idx.tolist())]


def write_labelled_video(video: str, out: str,
                         ranked: List[Tuple[str, float]],
                         fps: Optional[float] = None,
                         font_scale: Optional[float] = None,
                         font_color: str = 'white',
                         target: Optional[Tuple[int, int]] = None) -> int:
    """Write ``video`` to ``out`` with ``ranked`` (label, score) drawn on
    every frame; returns the frames written."""
    b, g, r = color_bgr(font_color)  # frames are RGB
    frames, src_fps, _ = read_frames(video)
    lines = format_lines(ranked)
    return write_video(
        (draw_lines(resize_to(f, target), lines, font_scale, (r, g, b))
         for f in frames), out, fps or src_fps)


def load_model(config: str, checkpoint: str, device: str = 'cpu',
               cfg_options: Optional[dict] = None):
    """``init_recognizer`` of ``config`` and ``checkpoint``, a MoTE head
    giving CLIP's probabilities (``test_scale_logits``, see above)."""
    cfg = Config.fromfile(config)
    if cfg.model.get('cls_head', {}).get('type') == 'MoTEHead':
        cfg.model.cls_head.test_scale_logits = True
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    model = init_recognizer(cfg, checkpoint, device=device)
    head = getattr(model, 'cls_head', None)
    names = training_class_names(cfg)
    # configs name the training class-name file once, on the dataset
    if getattr(head, 'class_names', False) is None and names is not None \
            and (not isinstance(names, str) or osp.isfile(names)):
        head.set_training_vocabulary(names)
    return model


def training_class_names(cfg):
    """The training dataset's ``class_names`` in a config (through dataset
    wrappers), or ``None``."""
    dataset = (cfg.get('train_dataloader') or {}).get('dataset') or {}
    while isinstance(dataset, dict):
        if dataset.get('class_names') is not None:
            names = dataset['class_names']
            split = dataset.get('split')
            return names.format(split=split) if isinstance(names, str) \
                and split is not None else names
        dataset = dataset.get('dataset')
    return None


def main():
    args = parse_args()
    labels = None
    if args.labels and args.labels_file:
        sys.exit('give --labels or --labels-file, not both')
    if args.labels:
        labels = load_class_names(
            [s for s in args.labels.split(',') if s.strip()])
    elif args.labels_file:
        labels = load_class_phrasings(args.labels_file)
    if args.out_filename:
        # a bad colour or container fails before the model is built
        color_bgr(args.font_color)
        check_out_path(args.out_filename)
    model = load_model(args.config, args.checkpoint, args.device,
                       args.cfg_options)
    ranked = classify(model, args.video, labels, args.topk)
    for rank, (name, prob) in enumerate(ranked, 1):
        print(f'{rank}. {name}: {prob:.4f}')
    if args.out_filename:
        n = write_labelled_video(
            args.video, args.out_filename, ranked, args.fps, args.font_scale,
            args.font_color, args.target_resolution)
        print(f'{n} frames with the top-{len(ranked)} labels -> '
              f'{args.out_filename}')


if __name__ == '__main__':
    main()
