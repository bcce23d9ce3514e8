# Copyright (c) OpenMMLab. All rights reserved.
"""Export a MoTE model's test path to ONNX and check it with onnxruntime.

    python tools/deployment/export_onnx.py configs/mote/k400_deploy.py \
        work_dirs/k400/mote_merged.pth mote_k400.onnx
    # zero-shot vocabulary as a constant, or the class table as an input
    python tools/deployment/export_onnx.py CONFIG CKPT ucf.onnx \
        --labels-file data/ucf101/ucf101_class_names.txt
    python tools/deployment/export_onnx.py CONFIG CKPT any.onnx --table-input

Input ``video``: ``[views, 3, T, H, W]`` RGB pixels in [0, 255] (the
graph normalises); output ``scores``: ``[views, C]`` cosines. ``T`` is the
test pipeline's ``clip_len`` (or ``--num-frames``); ``H, W`` are
``--size``, else the CLIP backbone's image size, else the test pipeline's
``crop_size`` (stock MMAction2 backbones under a ``MoTEHead`` with a
``feature_adapter``, e.g. ``configs/mote/x3d-s_text-head_k400.py``). The
weights are those ``tools/test.py`` scores: blended with the original CLIP
when the config's ``model.test_cfg.clip_blend_alpha`` says so and the
checkpoint is not blended yet. The check prints the max abs difference to
PyTorch on a random input and fails above ``--atol``.
"""
import argparse
import os
import os.path as osp
import sys
import tempfile
from typing import Tuple

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(
    osp.abspath(__file__)))))

import mote_mmaction  # noqa: E402,F401
import torch  # noqa: E402
from mmengine.config import Config, DictAction  # noqa: E402
from mmaction.registry import MODELS  # noqa: E402
from mmaction.utils import register_all_modules  # noqa: E402

from mote_mmaction.compat.checkpoint_fit import load_checked  # noqa: E402
from mote_mmaction.engine.hooks.clip_blend_hook import \
    BLEND_META_KEY  # noqa: E402
from mote_mmaction.models.onnx_export import (check_onnx,  # noqa: E402
                                              export_onnx)
from mote_mmaction.compat.atomic_io import _open_mode  # noqa: E402


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('out', help='output .onnx file')
    vocab = parser.add_mutually_exclusive_group()
    vocab.add_argument('--labels', help='comma-separated class names')
    vocab.add_argument('--labels-file', help='class-name file (txt or csv)')
    vocab.add_argument('--table-input', action='store_true',
                       help='class table [C, D] as the second graph input')
    parser.add_argument('--num-frames', type=int,
                        help='frames per view (default: the test pipeline)')
    parser.add_argument('--size', type=int, default=None,
                        help='square crop side (default: the CLIP backbone '
                        "image size, else the test pipeline's crop_size)")
    parser.add_argument('--opset', type=int, default=17)
    parser.add_argument('--atol', type=float, default=1e-4)
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    return parser.parse_args()


def test_frames(cfg) -> int:
    for step in cfg.test_dataloader.dataset.pipeline:
        if 'clip_len' in step:
            return int(step['clip_len'])
    raise KeyError('no clip_len in the test pipeline: pass --num-frames')


def input_hw(cfg, model, size=None) -> Tuple[int, int]:
    """``(H, W)`` of a view: ``size``, else the CLIP backbone's image
    size, else the last ``crop_size`` of the test pipeline."""
    image_size = getattr(getattr(model.backbone, 'visual', None),
                         'image_size', None)
    if image_size is not None:  # open_clip: (H, W)
        image_size = tuple(image_size) if isinstance(
            image_size, (tuple, list)) else (image_size, image_size)
    if size is not None:
        if size < 1:
            raise KeyError(f'--size {size}: give a positive image size')
        if image_size is not None and (size, size) != image_size:
            # the position embeddings are for one grid of patches
            raise KeyError(
                f'--size {size}: the CLIP backbone takes '
                f'{image_size[0]}x{image_size[1]} images (its position '
                f'embeddings fit that grid of patches); pass --size '
                f'{image_size[0]} or leave --size out')
        return size, size
    if image_size is not None:
        return image_size
    crops = [step['crop_size'] for step in
             cfg.get('test_dataloader', {}).get('dataset', {}).get(
                 'pipeline', []) if 'crop_size' in step]
    if crops:
        crop = crops[-1]
        if isinstance(crop, int):
            return crop, crop
        return int(crop[1]), int(crop[0])  # MMAction2 crops are (w, h)
    raise KeyError(
        f'cannot tell the input size of {type(model.backbone).__name__}: '
        'no CLIP image size and no crop_size in the test pipeline; pass '
        '--size')


def main():
    args = parse_args()
    if not osp.isfile(args.checkpoint):
        sys.exit(f'checkpoint not found: {args.checkpoint}')
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    register_all_modules()
    model = MODELS.build(cfg.model).eval()
    if not hasattr(model.cls_head, 'score_table'):
        sys.exit(f'{type(model.cls_head).__name__} is not a MoTEHead: '
                 'only MoTE heads export')
    try:
        if args.num_frames is not None and args.num_frames < 1:
            raise KeyError(f'--num-frames {args.num_frames}: give a '
                           'positive number of frames (leave it out for '
                           "the test pipeline's clip_len)")
        frames = args.num_frames or test_frames(cfg)
        height, width = input_hw(cfg, model, args.size)
    except KeyError as e:
        sys.exit(e.args[0])
    ckpt = load_checked(model, args.checkpoint, cfg=cfg)
    meta = (ckpt.get('meta') or {}) if isinstance(ckpt, dict) else {}
    alpha = (model.test_cfg or {}).get('clip_blend_alpha')
    clip = getattr(model.backbone, 'pretrained', None)
    if alpha is not None and clip and meta.get(BLEND_META_KEY) is None \
            and hasattr(model, 'blend_with_clip'):
        model.blend_with_clip(float(alpha), clip)
    # on the head: MoTERecognizer and a stock Recognizer3D alike
    if args.labels:
        model.cls_head.set_vocabulary(
            [s.strip() for s in args.labels.split(',') if s.strip()])
    elif args.labels_file:
        # the file itself: descriptor vocabularies keep their descriptions,
        # so the graph scores as tools/test.py does
        model.cls_head.set_vocabulary(args.labels_file)

    shape = (2, 3, frames, height, width)
    out_dir = osp.dirname(osp.abspath(args.out))
    os.makedirs(out_dir, exist_ok=True)
    # written next to the target, renamed when complete
    fd, tmp = tempfile.mkstemp(suffix='.onnx', dir=out_dir)
    os.close(fd)
    try:
        module = export_onnx(model, tmp, shape, args.table_input, args.opset)
        video = torch.rand(3, *shape[1:]) * 255
        table = module.table.clone() if args.table_input else None
        diff = check_onnx(module, tmp, video, table)
        print(f'onnxruntime vs PyTorch: max abs diff {diff:.2e} '
              f'(atol {args.atol:g})')
        if diff > args.atol:
            sys.exit(f'ONNX scores differ from PyTorch by {diff:.2e}; '
                     f'{args.out} not written')
        # mkstemp makes the file 0600; the export gets a new file's
        # permissions (0644 under the usual umask), as checkpoints do
        os.chmod(tmp, _open_mode())
        os.replace(tmp, args.out)
    finally:
        if osp.exists(tmp):
            os.remove(tmp)
    classes = module.table.shape[0]
    print(f'exported {args.out}: video [views, 3, {frames}, {height}, '
          f'{width}] -> scores [views, '
          f'{"C" if args.table_input else classes}]')


if __name__ == '__main__':
    main()
