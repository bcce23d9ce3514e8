# Copyright (c) OpenMMLab. All rights reserved.
"""Decode on the model's device, then crop, resize, flip and normalise the
batch there: the model side of GPU decoding.

The dataloader workers send the compressed file, the sampled frame
indices and a view plan
(:mod:`mote_mmaction.datasets.transforms.compressed_video`); this
preprocessor decodes each video with torchcodec on ``decode_device``
(NVDEC on CUDA), each frame once in file order as
:class:`MoTEVideoDecode`, and gives the model the ``[B, V, 3, T, H, W]``
batch the CPU pipeline would. Device-generic: on CPU (tests) torchcodec's
CPU decoder or a CPU reader stands in for NVDEC.
"""
from typing import Optional, Sequence

import numpy as np
import torch
import torch.nn.functional as F
from mmaction.models.data_preprocessors import ActionDataPreprocessor
from mmaction.registry import MODELS

# ITU-R 601 luma in 16-bit fixed point, as MoTERandomGrayscale (PIL's 'L')
from mote_mmaction.datasets.transforms.grayscale import _LUMA_FIXED
from mote_mmaction.datasets.transforms.video_readers import (
    VIDEO_READERS, _torchcodec_decoder, open_video)


def _resize(frames: torch.Tensor, size: Sequence[int], mode: str,
            antialias: bool) -> torch.Tensor:
    """``[N, 3, h, w]`` uint8 -> ``[N, 3, *size]`` uint8 (rounded, as the
    CPU transforms return uint8 after each resize). ``antialias``: PIL's
    resampling (``MoTETestResize``); otherwise OpenCV's (``Resize``)."""
    if tuple(frames.shape[-2:]) == tuple(size):
        return frames
    if mode not in ('bilinear', 'bicubic', 'nearest'):
        raise ValueError(f'GPU decoding resizes bilinear, bicubic or '
                         f'nearest, got {mode!r}')

    def one(x: torch.Tensor, hw: Sequence[int]) -> torch.Tensor:
        out = F.interpolate(
            x.float(), size=tuple(hw), mode=mode,
            antialias=antialias and mode != 'nearest',
            align_corners=None if mode == 'nearest' else False)
        return out.round_().clamp_(0, 255).to(torch.uint8)

    if antialias and mode != 'nearest':
        # PIL resamples width, then height, rounding to uint8 in between:
        # the same two passes are within 2 levels of PIL (one 2-D pass: 17)
        return one(one(frames, (frames.shape[-2], size[1])), size)
    return one(frames, size)


def _grayscale(frames: torch.Tensor) -> torch.Tensor:
    """``rgb_to_gray3`` on ``[N, 3, H, W]`` uint8: the same integer luma."""
    rgb = frames.to(torch.int32)
    luma = (rgb[:, 0] * _LUMA_FIXED[0] + rgb[:, 1] * _LUMA_FIXED[1] +
            rgb[:, 2] * _LUMA_FIXED[2] + (1 << 15)) >> 16
    return luma.to(torch.uint8)[:, None].expand(-1, 3, -1, -1).contiguous()


def apply_view_plan(frames: torch.Tensor, plan: dict) -> torch.Tensor:
    """Run a view plan on one video's frames.

    Order as the CPU pipelines: crop (lazy ``crop_bbox``, MMAction2's
    ``Fuse``), resize, test crops (``MoTETestCrop``, crop by crop), flip,
    grayscale; then ``FormatShape('NCTHW')``'s layout.

    Args:
        frames (torch.Tensor): ``[num_clips * T, 3, H, W]`` uint8, in the
            sampled order.
        plan (dict): See :func:`~mote_mmaction.datasets.transforms.
            compressed_video.view_plan`.

    Returns:
        torch.Tensor: ``[num_crops * num_clips, 3, T, h, w]`` uint8, view
        ``crop * num_clips + clip``.
    """
    if plan['crop_bbox'] is not None:
        left, top, right, bottom = plan['crop_bbox']
        frames = frames[:, :, top:bottom, left:right]
    if plan['resize'] is not None:
        frames = _resize(frames, plan['resize'], plan['interpolation'],
                         plan['antialias'])
    if plan['offsets'] is not None:
        size = plan['crop_size']
        frames = torch.stack([
            frames[:, :, y:y + size, x:x + size] for x, y in plan['offsets']
        ])
    else:
        frames = frames[None]
    if plan['flip']:
        frames = frames.flip(-1)
    num_crops, n, c, h, w = frames.shape
    if plan['grayscale']:
        frames = _grayscale(frames.reshape(-1, c, h, w)).reshape(
            num_crops, n, c, h, w)
    clips, t = plan['num_clips'], plan['clip_len']
    frames = frames.reshape(num_crops * clips, t, c, h, w)
    return frames.permute(0, 2, 1, 3, 4).contiguous()


@MODELS.register_module()
class MoTEGPUDecodePreprocessor(ActionDataPreprocessor):
    """``ActionDataPreprocessor`` that first decodes the videos.

    Expects the batches of a ``MoTEVideoReadBytes`` ... ``MoTEPackVideoBytes``
    pipeline: ``inputs`` are ``[num_bytes]`` uint8 tensors, each data
    sample's metainfo holds ``frame_inds``, ``view_plan`` and
    ``filename``. Each video is decoded once per unique frame index, in
    file order, and the frames are put back in the sampled order, as
    :class:`MoTEVideoDecode`; the view plan runs on the decoded frames;
    normalisation, blending etc. are the parent's.

    Args:
        decoder (str): ``'torchcodec'`` (decodes on ``decode_device``:
            NVDEC on CUDA) or a CPU reader of
            :data:`~mote_mmaction.datasets.transforms.VIDEO_READERS`
            (``'decord'``, ``'pyav'``; the frames are then copied to the
            model's device; for tests and as a check). Defaults to
            ``'torchcodec'``.
        decode_device (str, optional): Where torchcodec decodes:
            ``'cuda'`` (default; an error when no CUDA device exists) or
            ``None`` for the device the model is on (CPU in tests).
        seek_mode (str): torchcodec's ``seek_mode``. Defaults to
            ``'exact'`` (frame ``i`` is the CPU decoders' frame ``i``).
        **kwargs: ``ActionDataPreprocessor``'s arguments (``mean``,
            ``std``, ``format_shape='NCTHW'``, ...).
    """

    def __init__(self,
                 decoder: str = 'torchcodec',
                 decode_device: Optional[str] = 'cuda',
                 seek_mode: str = 'exact',
                 **kwargs) -> None:
        super().__init__(**kwargs)
        if self.format_shape != 'NCTHW':
            raise ValueError(f'GPU decoding gives NCTHW clips, the config '
                             f'asks for {self.format_shape}')
        if decoder != 'torchcodec' and decoder not in VIDEO_READERS:
            raise ValueError(f'unknown decoder {decoder!r}; choose '
                             f"'torchcodec' or one of {sorted(VIDEO_READERS)}")
        if decoder != 'torchcodec' and decode_device not in (None, 'cpu'):
            raise ValueError(f'decoder {decoder!r} decodes on the CPU; set '
                             f"decode_device=None, or decoder='torchcodec'")
        if decode_device is not None and decode_device.startswith('cuda'):
            if not torch.cuda.is_available():
                raise RuntimeError(
                    'MoTEGPUDecodePreprocessor: GPU decoding needs a CUDA '
                    'device and none is available here. Use the CPU '
                    'pipeline (configs/mote/k400.py), or decode_device=None '
                    'to decode on the model\'s device.')
            import torchcodec
            if '+cpu' in torchcodec.__version__:
                raise RuntimeError(
                    f'torchcodec {torchcodec.__version__} is a CPU-only '
                    'build: install a CUDA build (docs/data_pipeline.md, '
                    '"GPU decoding")')
        if decoder == 'torchcodec':
            self._decoder_cls = _torchcodec_decoder()  # FFmpeg found?
        self.decoder = decoder
        self.decode_device = decode_device
        self.seek_mode = seek_mode

    def forward(self, data: dict, training: bool = False) -> dict:
        """Decode ``data['inputs']``, run the view plans, normalise.

        Args:
            data (dict): ``inputs`` (list of ``[num_bytes]`` uint8) and
                ``data_samples``.
            training (bool): Passed to the parent (batch augments).

        Returns:
            dict: ``inputs`` ``[B, V, 3, T, H, W]`` float, as the parent's.
        """
        if not isinstance(data, dict):
            raise TypeError('GPU decoding takes one-modality batches (a '
                            f'dict), got {type(data)}')
        inputs, samples = data['inputs'], data['data_samples']
        videos = [self.decode_views(x, s.metainfo)
                  for x, s in zip(inputs, samples)]
        return super().forward(dict(data, inputs=videos), training)

    def decode_views(self, data: torch.Tensor, meta: dict) -> torch.Tensor:
        """One video: ``[num_bytes]`` uint8 -> ``[V, 3, T, h, w]`` uint8
        on the model's device."""
        name = meta.get('filename', '?')
        if data.dtype != torch.uint8 or data.ndim != 1:
            raise TypeError(
                f'{name}: GPU decoding expects the file\'s bytes ([N] '
                f'uint8, MoTEPackVideoBytes), got {tuple(data.shape)} '
                f'{data.dtype}: is the pipeline a CPU one?')
        frames = self.decode(data, np.asarray(meta['frame_inds']), name)
        return apply_view_plan(frames, meta['view_plan'])

    def decode(self, data: torch.Tensor, inds: np.ndarray,
               name: str = '?') -> torch.Tensor:
        """Decode the frames at ``inds`` (any order, repeats allowed).

        Returns:
            torch.Tensor: ``[len(inds), 3, H, W]`` uint8 RGB on the
            model's device, in the order of ``inds``.
        """
        unique, inverse = np.unique(inds.reshape(-1), return_inverse=True)
        if unique.size == 0:
            raise ValueError(f'{name}: no frame indices to decode')
        try:
            if self.decoder == 'torchcodec':
                frames = self._decode_torchcodec(data, unique, name)
            else:
                reader = open_video(data.numpy().tobytes(), self.decoder)
                frames = torch.from_numpy(
                    reader.read_checked(unique)).permute(0, 3, 1, 2)
                reader.close()
        except (RuntimeError, ValueError, IndexError, IOError) as e:
            raise type(e)(f'cannot decode {name}: {e}') from e
        frames = frames.to(self.device, non_blocking=True)
        return frames[torch.as_tensor(inverse.reshape(-1),
                                      device=frames.device)]

    def _decode_torchcodec(self, data: torch.Tensor, unique: np.ndarray,
                           name: str) -> torch.Tensor:
        device = self.decode_device or str(self.device)
        try:
            decoder = self._decoder_cls(
                data, device=device, seek_mode=self.seek_mode,
                dimension_order='NCHW')
        except RuntimeError as e:
            if device.startswith('cuda'):
                raise RuntimeError(
                    f'torchcodec cannot decode on {device} ({e}); it needs '
                    'a CUDA build of torchcodec and an NVDEC-capable GPU '
                    '(docs/data_pipeline.md)') from e
            raise
        if unique[0] < 0 or unique[-1] >= len(decoder):
            # the message of VideoReader.read_checked (the CPU readers)
            raise IndexError(f'frame indices {unique[0]}..{unique[-1]} are '
                             f'out of range for a video of {len(decoder)} '
                             'frames')
        return decoder.get_frames_at(indices=unique.tolist()).data

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(decoder={self.decoder!r}, '
                f'decode_device={self.decode_device!r})')
