# Copyright (c) OpenMMLab. All rights reserved.
"""Worker side of GPU decoding: read the compressed file, sample, plan the
views, decode nothing.

A GPU-decoding pipeline keeps MMAction2's and MoTE's sampling transforms
(``UniformSample``, ``MoTETestSample``) and the random augmentations'
draws in the dataloader workers, where MMEngine seeds numpy's RNG, and
hands the model's data preprocessor
(:class:`~mote_mmaction.models.data_preprocessors.MoTEGPUDecodePreprocessor`)
the file's bytes, the frame indices and a *view plan*: what to crop,
resize, flip and grayscale. The preprocessor decodes on the GPU and runs
the plan on the batch.

Train (MMAction2's ``lazy=True`` mode records the crop, resize and flip
instead of applying them; the draws are those of the CPU pipeline)::

    dict(type='MoTEVideoReadBytes'),
    dict(type='UniformSample', clip_len=8, num_clips=1),
    dict(type='Resize', scale=(-1, 256), interpolation='bicubic', lazy=True),
    dict(type='RandomResizedCrop', area_range=(0.08, 1.0), lazy=True),
    dict(type='Resize', scale=(224, 224), keep_ratio=False, lazy=True),
    dict(type='Flip', flip_ratio=0.5, lazy=True),
    dict(type='MoTELazyGrayscale', p=0.2),
    dict(type='MoTEPackVideoBytes')

Test (the authors' views, :class:`MoTETestResize` + :class:`MoTETestCrop`)::

    dict(type='MoTEVideoReadBytes'),
    dict(type='MoTETestSample', clip_len=8, num_clips=4),
    dict(type='MoTEDeferredTestViews', short_side=224, crop_size=224,
         num_crops=3),
    dict(type='MoTEPackVideoBytes')
"""
import io
import os.path as osp
from typing import Dict, Optional, Tuple

import numpy as np
import torch
from mmaction.registry import TRANSFORMS
from mmaction.structures import ActionDataSample
from mmcv.transforms import BaseTransform
from mmengine import fileio

from .grayscale import MoTERandomGrayscale
from .eval_views import mote_crop_offsets, short_side_size


def probe_video(data: bytes) -> Tuple[int, float, int, int]:
    """Frame count, fps and frame size from the container, no decoding.

    The count is the stream's header count (the mp4 sample table), or the
    number of video packets when the header has none: frame ``i`` is the
    ``i``-th frame in presentation order, as for every CPU decoder
    (:mod:`.video_readers`).

    Args:
        data (bytes): The file's bytes.

    Returns:
        tuple: ``(num_frames, fps, height, width)``.
    """
    import av
    with av.open(io.BytesIO(data)) as container:
        if not container.streams.video:
            raise ValueError('no video stream')
        stream = container.streams.video[0]
        num_frames = int(stream.frames or 0)
        if num_frames <= 0:
            num_frames = sum(1 for p in container.demux(stream) if p.size > 0)
        rate = stream.average_rate or stream.guessed_rate
        height, width = stream.codec_context.height, stream.codec_context.width
    if num_frames <= 0 or height <= 0 or width <= 0:
        raise ValueError(f'{num_frames} frames of {height}x{width}')
    return num_frames, float(rate) if rate else 0.0, height, width


@TRANSFORMS.register_module()
class MoTEVideoReadBytes(BaseTransform):
    """Read a video's compressed bytes and its header (``MoTEVideoInit``
    without a decoder).

    Errors (missing, not a video) propagate, so :class:`MoTEVideoDataset`
    replaces or reports the file as with ``MoTEVideoInit``; a file whose
    header reads but whose frames do not decode fails later, in the
    preprocessor, with the file's name.

    Required keys: ``filename``. Added keys: ``video_bytes`` (bytes),
    ``total_frames``, ``avg_fps``, ``original_shape`` and ``img_shape``
    (``(H, W)``, which ``lazy`` transforms and
    :class:`MoTEDeferredTestViews` plan on).

    Args:
        io_backend (str): File client backend. Defaults to ``'disk'``.
        **kwargs: File client arguments.
    """

    def __init__(self, io_backend: str = 'disk', **kwargs) -> None:
        self.io_backend = io_backend
        self.backend_args = None if io_backend == 'disk' and not kwargs \
            else dict(backend=io_backend, **kwargs)

    def transform(self, results: Dict) -> Dict:
        filename = results['filename']
        if osp.splitext(filename)[0] == filename:
            filename = filename + '.mp4'
        data = fileio.get(filename, backend_args=self.backend_args)
        num_frames, fps, height, width = probe_video(data)
        results['video_bytes'] = data
        results['total_frames'] = num_frames
        results['avg_fps'] = fps
        results['original_shape'] = (height, width)
        results['img_shape'] = (height, width)
        return results

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(io_backend={self.io_backend!r})'


@TRANSFORMS.register_module()
class MoTELazyGrayscale(MoTERandomGrayscale):
    """:class:`MoTERandomGrayscale`'s draw without frames: sets
    ``grayscale`` (one draw of numpy's RNG, at the same place in the
    sequence) for the preprocessor to apply."""

    def transform(self, results: Dict) -> Dict:
        results['grayscale'] = bool(np.random.rand() < self.p)
        return results


@TRANSFORMS.register_module()
class MoTEDeferredTestViews(BaseTransform):
    """Plan :class:`MoTETestResize` + :class:`MoTETestCrop` on the header's
    frame size: the same resized size and crop offsets.

    Required keys: ``img_shape``. Added keys: ``test_views`` (dict with
    ``resize`` ``(h, w)``, ``offsets`` ``[(x, y)]``, ``crop_size``).
    Modified keys: ``img_shape`` (the crop).

    Args:
        short_side (int): Short side after resizing. Defaults to 224.
        crop_size (int): Square crop side. Defaults to 224.
        num_crops (int): 1 or 3. Defaults to 1.
    """

    def __init__(self,
                 short_side: int = 224,
                 crop_size: int = 224,
                 num_crops: int = 1) -> None:
        if num_crops not in (1, 3):
            raise ValueError(f'num_crops must be 1 or 3, got {num_crops}')
        self.short_side = short_side
        self.crop_size = crop_size
        self.num_crops = num_crops

    def transform(self, results: Dict) -> Dict:
        if 'lazy' in results:
            raise ValueError('MoTEDeferredTestViews after lazy transforms')
        h, w = short_side_size(*results['img_shape'], self.short_side)
        results['test_views'] = dict(
            resize=(h, w),
            offsets=mote_crop_offsets(h, w, self.crop_size, self.num_crops),
            crop_size=self.crop_size)
        results['img_shape'] = (self.crop_size, self.crop_size)
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(short_side={self.short_side}, '
                f'crop_size={self.crop_size}, num_crops={self.num_crops})')


def view_plan(results: Dict) -> Dict:
    """The preprocessor's view plan from the lazy ops or the test views.

    Keys: ``crop_bbox`` (``(left, top, right, bottom)`` on the decoded
    frame, rounded as MMAction2's ``Fuse``, or ``None``), ``resize``
    (``(h, w)`` or ``None``), ``interpolation``, ``antialias`` (PIL-like
    resampling of the authors' test resize), ``offsets`` and ``crop_size``
    (test crops after the resize, or ``None``), ``flip`` (horizontal),
    ``grayscale``, ``num_clips``, ``clip_len``.
    """
    frame_inds = np.asarray(results['frame_inds']).reshape(-1)
    num_clips = int(results.get('num_clips', 1))
    plan = dict(
        crop_bbox=None, resize=None, interpolation='bilinear',
        antialias=False, offsets=None, crop_size=None, flip=False,
        grayscale=bool(results.get('grayscale', False)),
        num_clips=num_clips, clip_len=frame_inds.size // num_clips)
    if 'lazy' in results:
        lazy = results['lazy']
        if lazy['flip'] and lazy['flip_direction'] != 'horizontal':
            raise ValueError(f"GPU decoding flips horizontally only, got "
                             f"{lazy['flip_direction']!r}")
        plan['crop_bbox'] = tuple(
            int(v) for v in lazy['crop_bbox'].round().astype(int))
        plan['resize'] = tuple(results['img_shape'])
        plan['interpolation'] = lazy['interpolation'] or 'bilinear'
        plan['flip'] = bool(lazy['flip'])
    elif 'test_views' in results:
        views = results['test_views']
        plan.update(resize=views['resize'], interpolation='bicubic',
                    antialias=True, offsets=list(views['offsets']),
                    crop_size=views['crop_size'])
    return plan


@TRANSFORMS.register_module()
class MoTEPackVideoBytes(BaseTransform):
    """``PackActionInputs`` for GPU decoding: the inputs are the file's
    bytes, the data sample carries what the preprocessor needs.

    Required keys: ``video_bytes``, ``frame_inds``, ``filename``; the lazy
    ops or ``test_views``. Packed: ``inputs`` (``[num_bytes]`` uint8
    tensor), ``data_samples`` (``ActionDataSample`` with ``gt_label`` and
    metainfo ``frame_inds``, ``view_plan``, ``filename``, ``img_shape``).

    Args:
        meta_keys (tuple[str]): Further keys to copy into the metainfo.
            Defaults to ``()``.
    """

    def __init__(self, meta_keys: Tuple[str, ...] = ()) -> None:
        self.meta_keys = tuple(meta_keys)

    def transform(self, results: Dict) -> Dict:
        data = results.pop('video_bytes')
        inputs = torch.frombuffer(bytearray(data), dtype=torch.uint8)
        sample = ActionDataSample()
        if 'label' in results:
            sample.set_gt_label(results['label'])
        meta: Dict[str, Optional[object]] = dict(
            frame_inds=np.asarray(results['frame_inds']).reshape(-1).astype(
                np.int64),
            view_plan=view_plan(results),
            filename=results['filename'],
            img_shape=results['img_shape'])
        meta.update({k: results[k] for k in self.meta_keys if k in results})
        sample.set_metainfo(meta)
        return dict(inputs=inputs, data_samples=sample)

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(meta_keys={self.meta_keys})'
