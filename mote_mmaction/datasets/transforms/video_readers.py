# Copyright (c) OpenMMLab. All rights reserved.
"""One interface over the video decoders: decord, torchcodec and PyAV.

A reader opens one file and decodes the frames at a *sorted, unique* list
of indices (:class:`MoTEVideoDecode` sorts and restores the order), as
``[N, H, W, 3]`` uint8 RGB. Frame ``i`` is the ``i``-th frame in
presentation order for every backend, so the sampling transforms
(``UniformSample``, ``SampleFrames``) mean the same frames whichever
decoder reads them, and frames come out upright for every backend: decord
and torchcodec apply a file's display rotation (phone videos), and PyAV,
which does not, is turned here the same way.
"""
import importlib.util
import io
from typing import Callable, Dict, Optional, Union

import numpy as np

VideoSource = Union[str, bytes]


class DecoderUnavailableError(ImportError):
    """The decoder of a backend cannot run here (not installed, or
    torchcodec without FFmpeg): the setup's fault, never the video's."""


class UnsupportedCodecError(IOError):
    """A backend cannot decode the file's video codec (e.g. AV1 under
    decord); the message names the backends that can."""


class VideoReader:
    """Base class: ``num_frames``, ``fps`` and :meth:`read`.

    Args:
        source (str | bytes): A file path or the file's bytes.
        num_threads (int): Decoder threads. Defaults to 1 (one per
            dataloader worker scales best).
    """

    backend = ''

    def __init__(self, source: VideoSource, num_threads: int = 1) -> None:
        self.num_threads = num_threads
        self.num_frames = 0
        self.fps = 0.0

    def __len__(self) -> int:
        return self.num_frames

    def read(self, indices: np.ndarray) -> np.ndarray:
        """Decode the frames at ``indices``.

        Args:
            indices (np.ndarray): ``[N]`` sorted unique frame indices in
                ``[0, num_frames)``.

        Returns:
            np.ndarray: ``[N, H, W, 3]`` uint8 RGB frames.
        """
        raise NotImplementedError

    def read_checked(self, indices: np.ndarray) -> np.ndarray:
        """:meth:`read`, after checking ``indices`` are in range and
        before checking every frame came back.

        Raises:
            IndexError: An index outside ``[0, num_frames)``.
            IOError: The decoder returned fewer frames than asked for.
        """
        if indices[0] < 0 or indices[-1] >= len(self):
            raise IndexError(f'frame indices {indices[0]}..{indices[-1]} are '
                             f'out of range for a video of {len(self)} '
                             'frames')
        frames = self.read(indices)
        if frames.shape[0] != indices.size:
            raise IOError(f'decoded {frames.shape[0]} of {indices.size} '
                          'frames')
        return frames

    def close(self) -> None:
        """Release the decoder."""


class DecordReader(VideoReader):
    """decord (MMAction2's ``DecordInit``/``DecordDecode``): seeks to the
    keyframe before each requested frame when it is not reachable by
    decoding forward."""

    backend = 'decord'

    def __init__(self, source: VideoSource, num_threads: int = 1) -> None:
        super().__init__(source, num_threads)
        try:
            import decord
        except ImportError as e:
            raise DecoderUnavailableError(
                'backend decord needs `pip install decord`') from e
        data = source
        if isinstance(source, bytes):
            source = io.BytesIO(source)
        try:
            self._reader = decord.VideoReader(source, num_threads=num_threads)
        except decord.DECORDError as e:
            # decord's FFmpeg skips streams it has no decoder for (AV1 in
            # its wheels) and then says the file has no video stream
            if 'cannot find video stream' not in str(e):
                raise
            message = _codec_message(data, 'decord')
            if message is None:
                raise
            raise UnsupportedCodecError(message) from e
        self.num_frames = len(self._reader)
        self.fps = float(self._reader.get_avg_fps())

    def read(self, indices: np.ndarray) -> np.ndarray:
        return self._reader.get_batch(list(indices)).asnumpy()

    def close(self) -> None:
        self._reader = None


def _codec_message(source: VideoSource, failed: str) -> Optional[str]:
    """Why backend ``failed`` could not open ``source``, when another
    backend finds a video stream in it: its codec and the backends that
    decode its first frame here. ``None`` when none finds a stream (the
    file has none)."""
    try:
        import av
        with av.open(io.BytesIO(source) if isinstance(source, bytes)
                     else source) as container:
            if not container.streams.video:
                return None
            codec = container.streams.video[0].codec_context.codec
            codec = getattr(codec, 'canonical_name', None) or codec.name
    except Exception:  # noqa: BLE001  not readable by PyAV either
        return None
    able = []
    for backend in ('pyav', 'torchcodec'):
        if backend == failed:
            continue
        try:
            reader = open_video(source, backend)
            reader.read(np.array([0]))
            reader.close()
            able.append(backend)
        except Exception:  # noqa: BLE001  this one cannot either
            continue
    fix = (f"use backend='{able[0]}' (MoTEVideoInit(backend=...) in the "
           f"pipeline; {' and '.join(able)} "
           f"{'decode' if len(able) > 1 else 'decodes'} it here)" if able else
           'no installed backend decodes it: re-encode it to H.264, e.g. '
           '`ffmpeg -i IN -c:v libx264 OUT.mp4`')
    return f'{failed} cannot decode this {codec} video; {fix}'


class TorchCodecReader(VideoReader):
    """torchcodec (PyTorch's decoder) on the CPU, ``seek_mode='exact'``:
    the file's index is scanned once when it is opened, so frame ``i`` is
    exact and seeks go straight to the right keyframe.

    torchcodec needs FFmpeg 4-9 shared libraries: a system FFmpeg, or
    PyAV's, see :mod:`.torchcodec_ffmpeg`.
    """

    backend = 'torchcodec'

    def __init__(self,
                 source: VideoSource,
                 num_threads: int = 1,
                 seek_mode: str = 'exact') -> None:
        super().__init__(source, num_threads)
        decoder_cls = _torchcodec_decoder()
        self._decoder = decoder_cls(
            source,
            dimension_order='NHWC',
            num_ffmpeg_threads=num_threads,
            seek_mode=seek_mode,
            device='cpu')
        meta = self._decoder.metadata
        self.num_frames = len(self._decoder)
        self.fps = float(meta.average_fps or 0.0)

    def read(self, indices: np.ndarray) -> np.ndarray:
        batch = self._decoder.get_frames_at(indices=indices.tolist())
        return batch.data.numpy()

    def close(self) -> None:
        self._decoder = None


_NO_FFMPEG = (
    'torchcodec found no FFmpeg shared libraries (it needs FFmpeg '
    '4-9). Use the ones of PyAV\'s wheel: start the process with\n'
    '  export LD_LIBRARY_PATH=$(python -m mote_mmaction.compat.'
    'torchcodec_ffmpeg)${LD_LIBRARY_PATH:+:'
    '$LD_LIBRARY_PATH}\nor install a system FFmpeg (see '
    'docs/data_pipeline.md).')


def _torchcodec_decoder() -> Callable:
    try:
        import torchcodec
        from torchcodec.decoders import VideoDecoder
    except ImportError as e:
        raise DecoderUnavailableError(
            'backend torchcodec needs `pip install torchcodec` (see '
            'requirements/install.txt)') from e
    except RuntimeError as e:
        # older releases (0.14) fail their import without FFmpeg; newer
        # ones import and set ffmpeg_major_version to None
        raise DecoderUnavailableError(
            f'{_NO_FFMPEG}\n(Or this torchcodec does not fit the '
            f'installed torch; it said: {str(e).splitlines()[0]})') from e
    if getattr(torchcodec, 'ffmpeg_major_version', 1) is None:
        raise DecoderUnavailableError(_NO_FFMPEG)
    return VideoDecoder


class PyAVReader(VideoReader):
    """PyAV (FFmpeg bindings), the fallback: decodes forward from the
    first frame to the last requested one (no seeking, so it is exact on
    any container but slow on late frames of long videos). Frames with a
    display rotation (``frame.rotation``, degrees counter-clockwise) are
    turned upright, as decord and torchcodec return them."""

    backend = 'pyav'

    def __init__(self, source: VideoSource, num_threads: int = 1) -> None:
        super().__init__(source, num_threads)
        try:
            import av
        except ImportError as e:
            raise DecoderUnavailableError(
                'backend pyav needs `pip install av`') from e
        if isinstance(source, bytes):
            source = io.BytesIO(source)
        self._container = av.open(source)
        if not self._container.streams.video:
            self._container.close()
            raise ValueError('no video stream')
        self._stream = self._container.streams.video[0]
        if num_threads > 1:
            self._stream.thread_type = 'AUTO'
            self._stream.codec_context.thread_count = num_threads
        self.num_frames = int(self._stream.frames or 0)
        if self.num_frames <= 0:  # header without a count: count packets
            self.num_frames = sum(
                1 for p in self._container.demux(self._stream)
                if p.size > 0)
            self._container.seek(0)
        rate = self._stream.average_rate or self._stream.guessed_rate
        self.fps = float(rate) if rate else 0.0

    def read(self, indices: np.ndarray) -> np.ndarray:
        wanted = indices.tolist()
        out, decoded = [], 0
        for frame in self._container.decode(self._stream):
            if decoded == wanted[len(out)]:
                image = frame.to_ndarray(format='rgb24')
                turns = round(getattr(frame, 'rotation', 0) / 90) % 4
                out.append(np.ascontiguousarray(np.rot90(image, turns))
                           if turns else image)
                if len(out) == len(wanted):
                    break
            decoded += 1
        if len(out) != len(wanted):
            raise IOError(f'only {decoded} frames decode, frame '
                          f'{wanted[len(out)]} is missing ({self.num_frames}'
                          ' in the header)')
        return np.stack(out)

    def close(self) -> None:
        if self._container is not None:
            self._container.close()
        self._container = None


#: backend name -> reader class
VIDEO_READERS: Dict[str, type] = {
    cls.backend: cls
    for cls in (DecordReader, TorchCodecReader, PyAVReader)
}


def check_backend(backend: str) -> None:
    """Raise :class:`DecoderUnavailableError` (or ``ValueError`` for an
    unknown name) unless ``backend`` can decode here; used when a pipeline
    is built, so a missing decoder is one error before any video is read.
    """
    if backend not in VIDEO_READERS:
        raise ValueError(f'unknown video backend {backend!r}; choose one of '
                         f'{sorted(VIDEO_READERS)}')
    if backend == 'torchcodec':
        _torchcodec_decoder()
        return
    module = dict(decord='decord', pyav='av')[backend]
    if importlib.util.find_spec(module) is None:
        raise DecoderUnavailableError(
            f'backend {backend} needs `pip install {module}`')


def open_video(source: VideoSource,
               backend: str = 'decord',
               num_threads: int = 1,
               **kwargs) -> VideoReader:
    """Open ``source`` with the reader of ``backend``.

    Args:
        source (str | bytes): File path or bytes.
        backend (str): ``'decord'``, ``'torchcodec'`` or ``'pyav'``.
        num_threads (int): Decoder threads. Defaults to 1.
        **kwargs: Backend options (``seek_mode`` for torchcodec).

    Returns:
        VideoReader: The opened reader.
    """
    if backend not in VIDEO_READERS:
        raise ValueError(f'unknown video backend {backend!r}; choose one of '
                         f'{sorted(VIDEO_READERS)}')
    return VIDEO_READERS[backend](source, num_threads=num_threads, **kwargs)
