# Copyright (c) OpenMMLab. All rights reserved.
import os.path as osp
from typing import List, Optional, Sequence

import cv2
import numpy as np
import torch
from mmaction.registry import HOOKS
from mmengine.dist import get_rank, get_world_size
from mmengine.hooks import Hook
from mmengine.logging import MMLogger

from ...compat.atomic_io import atomic_write
from ..overlay import draw_lines
from ._utils import unwrap


@HOOKS.register_module()
class MoTEVisualizationHook(Hook):
    """Draw each tested clip's ground truth and top-k predictions.

    MMAction2's ``VisualizationHook`` takes every sample's input as one
    ``[C, T, H, W]`` clip; MoTE's (and any multi-view) test pipelines give
    ``[V, C, T, H, W]``, on which it fails. This hook draws the first view's
    frames side by side, in one JPEG per sample, with the ground truth and
    the top-``k`` class names and scores of the vocabulary being tested
    (the zero-shot one too): ``<out_dir>/<video name>.jpg``.
    ``tools/test.py --show-dir DIR`` turns it on.

    Args:
        enable (bool): Draw at all. Defaults to False.
        out_dir (str, optional): Folder of the images; required when
            enabled.
        interval (int): Draw every ``interval``-th sample. Defaults to 1.
        topk (int): Predictions written. Defaults to 3.
        min_height (int): Frames smaller than this are enlarged (nearest
            neighbour), so 32-pixel test views stay readable. Defaults
            to 160.
    """

    priority = 'LOW'

    def __init__(self, enable: bool = False, out_dir: Optional[str] = None,
                 interval: int = 1, topk: int = 3,
                 min_height: int = 160) -> None:
        if enable and not out_dir:
            raise ValueError('MoTEVisualizationHook(enable=True) needs '
                             '`out_dir` (tools/test.py --show-dir DIR)')
        if interval < 1:
            raise ValueError(f'interval must be >= 1, got {interval}')
        self.enable = enable
        self.out_dir = out_dir
        self.interval = interval
        self.topk = topk
        self.min_height = min_height
        self._warned = False
        self.written: List[str] = []

    @staticmethod
    def _class_names(runner, dataset) -> Optional[Sequence[str]]:
        head = getattr(unwrap(runner.model), 'cls_head', None)
        names = getattr(head, 'eval_class_names', None)
        if names:
            return names
        names = (getattr(dataset, 'metainfo', None) or {}).get('classes')
        return names or getattr(head, 'class_names', None)

    def _frames(self, video) -> Optional[np.ndarray]:
        """``[H, W * T, 3]`` uint8 strip of the first view, or None for an
        input that is not a decoded clip (warned once)."""
        if isinstance(video, torch.Tensor) and video.dim() == 5:
            video = video[0]  # [V, C, T, H, W] -> first view
        if not (isinstance(video, torch.Tensor) and video.dim() == 4
                and video.shape[0] == 3):
            if not self._warned:
                MMLogger.get_current_instance().warning(
                    'MoTEVisualizationHook draws [V, 3, T, H, W] or '
                    '[3, T, H, W] clips; this test input is '
                    f'{getattr(video, "shape", type(video))}: not drawn')
                self._warned = True
            return None
        frames = video.permute(1, 2, 3, 0).float().clamp(0, 255)
        frames = frames.to(torch.uint8).cpu().numpy()  # [T, H, W, 3]
        scale = max(1, -(-self.min_height // frames.shape[1]))
        if scale > 1:
            frames = frames.repeat(scale, axis=1).repeat(scale, axis=2)
        return np.concatenate(list(frames), axis=1)

    def after_test_iter(self, runner, batch_idx: int, data_batch=None,
                        outputs=None) -> None:
        if not self.enable or not outputs:
            return
        loader = runner.test_dataloader
        dataset = loader.dataset
        names = self._class_names(runner, dataset)
        single = get_world_size() == 1
        for i, sample in enumerate(outputs):
            # the dataset index with one process and an unshuffled loader
            index = batch_idx * (loader.batch_size or 1) + i
            if index % self.interval:
                continue
            strip = self._frames(data_batch['inputs'][i])
            if strip is None:
                continue
            scores = sample.pred_score.float().cpu()
            k = min(self.topk, len(scores))
            top = scores.topk(k)
            label = lambda j: names[j] if names else str(j)  # noqa: E731
            lines = []
            if 'gt_label' in sample and sample.gt_label.numel():
                lines.append(f'gt: {label(int(sample.gt_label.view(-1)[0]))}')
            lines += [f'{r}. {label(j)}: {v:.2f}' for r, (v, j) in enumerate(
                zip(top.values.tolist(), top.indices.tolist()), 1)]
            name = f'rank{get_rank()}_{index}'
            if single:
                info = dataset.get_data_info(index)
                path = info.get('filename') or info.get('frame_dir')
                if path:
                    name = osp.splitext(osp.basename(path))[0]
            drawn = draw_lines(strip, lines)
            ok, jpg = cv2.imencode('.jpg', cv2.cvtColor(drawn,
                                                        cv2.COLOR_RGB2BGR))
            out = osp.join(self.out_dir, f'{name}.jpg')
            with atomic_write(out) as f:
                f.write(jpg.tobytes())
            self.written.append(out)

    def after_test_epoch(self, runner, metrics=None) -> None:
        if self.enable:
            runner.logger.info(f'{len(self.written)} drawn predictions in '
                               f'{self.out_dir}')
