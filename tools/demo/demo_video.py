# Copyright (c) OpenMMLab. All rights reserved.
"""What is happening in this video? Score it against your own labels.

    python tools/demo/demo_video.py configs/mote/k400.py mote_b16.pth \
        my_video.mp4 --labels "riding a bike,playing guitar,cooking"
    python tools/demo/demo_video.py CONFIG CKPT video.webm \
        --labels-file labels.txt --topk 3

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

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(
    osp.abspath(__file__)))))

import mote_mmaction  # noqa: E402,F401
from mmaction.apis import inference_recognizer, init_recognizer  # noqa
from mmengine.config import Config, DictAction  # noqa: E402

from mote_mmaction.vocabulary import \
    load_class_phrasings  # noqa: E402
from mote_mmaction.vocabulary import load_class_names  # noqa: E402


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


def main():
    args = parse_args()
    cfg = Config.fromfile(args.config)
    if cfg.model.get('cls_head', {}).get('type') == 'MoTEHead':
        cfg.model.cls_head.test_scale_logits = True
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    labels = None
    if args.labels and args.labels_file:
        sys.exit('give --labels or --labels-file, not both')
    if args.labels:
        labels = load_class_names(
            [s for s in args.labels.split(',') if s.strip()])
    elif args.labels_file:
        labels = load_class_phrasings(args.labels_file)
    model = init_recognizer(cfg, args.checkpoint, device=args.device)
    for rank, (name, prob) in enumerate(
            classify(model, args.video, labels, args.topk), 1):
        print(f'{rank}. {name}: {prob:.4f}')


if __name__ == '__main__':
    main()
