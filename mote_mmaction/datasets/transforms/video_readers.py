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
import bisect
import importlib.util
import io
from typing import Callable, Dict, List, Optional, Union

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
        #: frames the decoder produced so far; ``None``: not counted
        self.frames_decoded: Optional[int] = None

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

    Speed: torchcodec copies frames with torch ops, so it runs on torch's
    intra-op threads. DataLoader workers have one (torch sets it), and
    there it is as fast as the PyAV reader; in a process with a thread per
    core (``num_workers=0``, or timing ``dataset[i]`` in the main process)
    those threads contend with everything else on the cores and it is
    several times slower (figures in docs/benchmark.md).
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
    """PyAV (FFmpeg bindings), one decoding thread per reader.

    With ``seek=True`` (the default) only the groups of pictures (GOPs)
    of the requested frames are decoded, and decoding restarts at a
    keyframe only when that decodes fewer frames than going on from the
    last decoded frame. Streams without frame reordering (all-intra, no
    B-frames) in a container with a full frame index (mp4) seek through
    that index, frame ``i`` its ``i``-th entry; otherwise the file's
    packets are read once (no decoding) and frame ``i`` is the packet with
    the ``i``-th smallest presentation timestamp. Frames that no other
    frame references and that were not asked for are skipped
    (``skip_frame='NONREF'``). Files whose packets do not map one
    to one onto frames (a timestamp missing or repeated, a packet count
    that differs from the header's, packets an edit list discards) are
    read as with ``seek=False``: every frame decoded forward from the
    first, frame ``i`` the ``i``-th that comes out, exact on any
    container. Both give the same frames where both apply.

    Frames with a display rotation (``frame.rotation``, degrees
    counter-clockwise) are turned upright, as decord and torchcodec return
    them. :attr:`frames_decoded` counts the frames the decoder produced.

    Args:
        source (str | bytes): A file path or the file's bytes.
        num_threads (int): Decoder and colour-conversion threads.
            Defaults to 1.
        seek (bool): Decode only the requested frames' GOPs. Defaults to
            True.
    """

    backend = 'pyav'

    def __init__(self,
                 source: VideoSource,
                 num_threads: int = 1,
                 seek: bool = True) -> None:
        super().__init__(source, num_threads)
        try:
            import av
            from av.video.reformatter import VideoReformatter
        except ImportError as e:
            raise DecoderUnavailableError(
                'backend pyav needs `pip install av`') from e
        if isinstance(source, bytes):
            source = io.BytesIO(source)
        self.seek = seek
        self.frames_decoded = 0
        self._container = av.open(source)
        if not self._container.streams.video:
            self._container.close()
            raise ValueError('no video stream')
        self._stream = self._container.streams.video[0]
        codec = self._stream.codec_context
        # FFmpeg's default (0) is a thread per core; one per worker scales
        codec.thread_count = max(num_threads, 1)
        if num_threads > 1:
            self._stream.thread_type = 'AUTO'
        # one scaler for every frame (a new one per frame costs its set-up)
        self._rgb = VideoReformatter()
        self.num_frames = int(self._stream.frames or 0)
        self._packets: Optional[list] = None
        if self.num_frames <= 0:  # header without a count: count packets
            packets = self._demux()
            self.num_frames = len(packets)
            if seek:
                self._packets = self._packets_by_pts(packets) or []
            self._container.seek(0)
        rate = self._stream.average_rate or self._stream.guessed_rate
        self.fps = float(rate) if rate else 0.0

    def _demux(self) -> list:
        return [p for p in self._container.demux(self._stream) if p.size > 0]

    def _packets_by_pts(self, packets: Optional[list] = None
                        ) -> Optional[list]:
        """The packets in decode order, or ``None`` where timestamps do not
        name frames one to one (then the forward path is exact)."""
        if packets is None:
            packets = self._demux()
        pts = [p.pts for p in packets]
        if (len(packets) != self.num_frames or None in pts
                or len(set(pts)) != len(pts)
                or any(p.is_discard for p in packets)):
            return None
        return packets

    def _to_rgb(self, frame) -> np.ndarray:
        image = self._rgb.reformat(
            frame, format='rgb24', threads=self.num_threads).to_ndarray()
        turns = round(getattr(frame, 'rotation', 0) / 90) % 4
        return np.ascontiguousarray(np.rot90(image, turns)) if turns \
            else image

    def read(self, indices: np.ndarray) -> np.ndarray:
        if self.seek and self._packets is None:
            entries = self._index_in_order()
            if entries is not None:
                frames = self._read_indexed(indices.tolist(), entries)
                if frames is not None:
                    return frames
            self._packets = self._packets_by_pts() or []
        if self.seek and self._packets:
            return self._read_gops(indices.tolist())
        if self.seek:  # the demux read the file: start again
            self._container.seek(0)
        return self._read_forward(indices.tolist())

    def _index_in_order(self) -> Optional[list]:
        """The container's frame index (no packet is read) where it names
        the frames in presentation order: one entry per frame, timestamps
        increasing, nothing discarded, and no frame reordering in the
        stream (no B-frames), so decode order is presentation order.
        ``None`` otherwise."""
        if self._stream.codec_context.has_b_frames:
            return None
        entries = self._stream.index_entries
        if len(entries) != self.num_frames or not len(entries):
            return None
        entries = [(e.timestamp, e.is_keyframe) for e in entries
                   if not e.is_discard]
        stamps = [t for t, _ in entries]
        if (len(entries) != self.num_frames or not entries[0][1]
                or any(b <= a for a, b in zip(stamps, stamps[1:]))):
            return None
        return entries

    def _read_indexed(self, wanted: list, entries: list
                      ) -> Optional[np.ndarray]:
        """Seek through the container's index to the keyframe of each
        requested frame (only when that decodes fewer frames than going
        on), decoding only what follows; ``None`` (nothing returned, the
        packet path takes over) where a seek does not land on the indexed
        keyframe or timestamps do not match the index."""
        packets: list = [None]  # the open demuxer, closed in any case
        try:
            return self._read_indexed_from(wanted, entries, packets)
        finally:
            # the other paths decode every frame they are given
            self._stream.codec_context.skip_frame = 'DEFAULT'
            if packets[0] is not None:
                packets[0].close()  # see _read_forward

    def _read_indexed_from(self, wanted: list, entries: list,
                           demuxer: list) -> Optional[np.ndarray]:
        index = {t: i for i, (t, _) in enumerate(entries)}
        keys = [i for i, (_, key) in enumerate(entries) if key]
        want = {entries[i][0]: n for n, i in enumerate(wanted)}
        codec = self._stream.codec_context
        out: List[Optional[np.ndarray]] = [None] * len(wanted)
        last, packets = -1, None
        for n, i in enumerate(wanted):
            if out[n] is not None:
                continue
            k = keys[bisect.bisect_right(keys, i) - 1]
            if packets is None or k > last + 1:
                self._container.seek(entries[k][0], stream=self._stream,
                                     backward=True, any_frame=False)
                codec.flush_buffers()
                if packets is not None:
                    packets.close()
                packets = demuxer[0] = self._container.demux(self._stream)
                first = True
            while out[n] is None:
                packet = next(packets, None)
                if packet is None:
                    break
                if first:  # landed on the indexed keyframe?
                    if packet.dts != entries[k][0]:
                        self._container.seek(0)
                        return None
                    first = False
                if packet.size:
                    codec.skip_frame = 'DEFAULT' if packet.pts in want \
                        else 'NONREF'
                for frame in codec.decode(packet if packet.size else None):
                    self.frames_decoded += 1
                    r = index.get(frame.pts)
                    if r is None:  # timestamps are not the index's
                        codec.skip_frame = 'DEFAULT'
                        self._container.seek(0)
                        return None
                    last = max(last, r)
                    m = want.get(frame.pts)
                    if m is not None and out[m] is None:
                        out[m] = self._to_rgb(frame)
            if out[n] is None:
                codec.skip_frame = 'DEFAULT'
                raise IOError(f'frame {i} does not decode')
        codec.skip_frame = 'DEFAULT'
        return np.stack(out)

    def _read_forward(self, wanted: list) -> np.ndarray:
        out, decoded = [], 0
        frames = self._container.decode(self._stream)
        try:
            for frame in frames:
                self.frames_decoded += 1
                if decoded == wanted[len(out)]:
                    out.append(self._to_rgb(frame))
                    if len(out) == len(wanted):
                        break
                decoded += 1
        finally:
            # a generator left open keeps its packet (PyAV): memory grows
            # with every sample
            frames.close()
        if len(out) != len(wanted):
            raise IOError(f'only {decoded} frames decode, frame '
                          f'{wanted[len(out)]} is missing ({self.num_frames}'
                          ' in the header)')
        return np.stack(out)

    def _read_gops(self, wanted: list) -> np.ndarray:
        packets = self._packets
        order = sorted(range(len(packets)), key=lambda j: packets[j].pts)
        rank = {packets[j].pts: i for i, j in enumerate(order)}
        # presentation index of each keyframe and its decode position
        keys = sorted((rank[p.pts], j) for j, p in enumerate(packets)
                      if p.is_keyframe)
        if not keys or keys[0][0] != 0:
            self._container.seek(0)
            return self._read_forward(wanted)
        key_rank = [k for k, _ in keys]
        want = {packets[order[i]].pts: n for n, i in enumerate(wanted)}
        codec = self._stream.codec_context
        out: List[Optional[np.ndarray]] = [None] * len(wanted)
        done, last, nxt = 0, -1, None  # frames out, last rank, next packet
        for n, i in enumerate(wanted):
            if out[n] is not None:
                continue
            k = bisect.bisect_right(key_rank, i) - 1
            # restart at the keyframe only when it is past the last frame
            if nxt is None or key_rank[k] > last + 1:
                codec.flush_buffers()  # also what an earlier read left
                nxt = keys[k][1]
            while out[n] is None:
                packet = packets[nxt] if nxt < len(packets) else None
                if packet is None and nxt > len(packets):
                    break  # drained: the frame never came out
                if packet is not None:
                    codec.skip_frame = 'DEFAULT' if packet.pts in want \
                        else 'NONREF'
                nxt += 1
                for frame in codec.decode(packet):
                    self.frames_decoded += 1
                    r = rank.get(frame.pts, -1)
                    last = max(last, r)
                    m = want.get(frame.pts)
                    if m is not None and out[m] is None:
                        out[m] = self._to_rgb(frame)
                        done += 1
            if out[n] is None:
                raise IOError(f'frame {i} does not decode ({done} of '
                              f'{len(wanted)} requested frames did)')
        codec.skip_frame = 'DEFAULT'
        return np.stack(out)

    def close(self) -> None:
        if self._container is not None:
            self._container.close()
        self._container = None
        self._packets = None


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
