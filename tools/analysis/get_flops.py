# Copyright (c) OpenMMLab. All rights reserved.
"""FLOPs and parameters of a MoTE model's test path (one view).

    python tools/analysis/get_flops.py configs/mote/k400.py
    python tools/analysis/get_flops.py CONFIG --shape 1 3 8 224 224

MMAction2's ``tools/analysis_tools/get_flops.py`` feeds a 4-D
``(1, 3, 224, 224)`` image unless ``--shape`` is given, which a video model
cannot unpack, and counts ``extract_feat`` only, leaving out MoTE's
temporal transformer in the head. This script counts backbone and head on
a ``[N, 3, T, H, W]`` view whose default comes from the config: ``T`` is
the test pipeline's ``clip_len``, ``H = W`` the CLIP backbone's image size
(else the test pipeline's ``crop_size``). Weights are random (they do not
change the count) and the class table is computed before counting, so the
text tower, which runs once per vocabulary, is not counted.
"""
import argparse
import os.path as osp
import sys
from typing import Optional, Sequence, Tuple

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(
    osp.abspath(__file__)))))

import mote_mmaction  # noqa: E402,F401
import torch  # noqa: E402
from mmengine.config import Config, DictAction  # noqa: E402
from mmengine.registry import init_default_scope  # noqa: E402
from mmaction.registry import MODELS  # noqa: E402


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config')
    parser.add_argument(
        '--shape', type=int, nargs='+',
        help='N C T H W of one view (default: 1 3 clip_len size size from '
        'the config)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    return parser.parse_args(argv)


def default_shape(cfg, model) -> Tuple[int, int, int, int, int]:
    """``(1, 3, T, H, W)`` from the test pipeline and the backbone."""
    pipeline = (cfg.get('test_dataloader') or {}).get('dataset', {}).get(
        'pipeline') or cfg.get('test_pipeline') or []
    frames = next((int(s['clip_len']) for s in pipeline if 'clip_len' in s),
                  None)
    size = getattr(getattr(model.backbone, 'visual', None), 'image_size',
                   None)
    if isinstance(size, (tuple, list)):
        size = size[0]
    if size is None:
        crop = next((s['crop_size'] for s in pipeline[::-1]
                     if 'crop_size' in s), None)
        size = crop if isinstance(crop, int) or crop is None else crop[0]
    if frames is None or size is None:
        raise SystemExit(
            f'{cfg.filename}: cannot tell the input shape (no clip_len in '
            'the test pipeline, or no image size); pass --shape N C T H W, '
            'e.g. --shape 1 3 8 224 224')
    return 1, 3, frames, int(size), int(size)


def input_shape(cfg, model, shape: Optional[Sequence[int]]):
    if shape is None:
        return default_shape(cfg, model)
    if len(shape) != 5:
        raise SystemExit(
            f'--shape {" ".join(map(str, shape))}: a MoTE model takes a '
            'video view, give 5 numbers N C T H W (e.g. --shape 1 3 8 224 '
            '224), or leave --shape out for the config\'s '
            f'{default_shape(cfg, model)}')
    return tuple(shape)


class TestPath(torch.nn.Module):
    """Backbone and head of a recognizer: ``[N, 3, T, H, W]`` ->
    ``[N, C]`` scores."""

    def __init__(self, model) -> None:
        super().__init__()
        self.backbone, self.cls_head = model.backbone, model.cls_head

    def forward(self, x):
        return self.cls_head(self.backbone(x))


def main(argv=None):
    args = parse_args(argv)
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    init_default_scope(cfg.get('default_scope', 'mmaction'))
    # random weights count the same; no CLIP file is needed
    for part in (cfg.model.get('backbone') or {},
                 (cfg.model.get('cls_head') or {}).get('text_encoder') or {}):
        if 'pretrained' in part:
            part['pretrained'] = None
    head = cfg.model.get('cls_head') or {}
    if 'text_encoder' in head and head.get('class_names') is None:
        # configs name their class-name file on the dataset; the count
        # does not depend on the names
        head['class_names'] = [f'class {i}'
                               for i in range(head['num_classes'])]
    model = MODELS.build(cfg.model).eval()
    shape = input_shape(cfg, model, args.shape)
    from mmengine.analysis import get_model_complexity_info
    net = TestPath(model)
    with torch.no_grad():
        net(torch.zeros(shape))  # the class table, before counting
        info = get_model_complexity_info(net, inputs=(torch.zeros(shape), ))
    print(info['out_table'])
    print(f'Input shape: {shape}\nFlops: {info["flops_str"]}\n'
          f'Params: {info["params_str"]}')


if __name__ == '__main__':
    main()
