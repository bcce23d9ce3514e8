# Copyright (c) OpenMMLab. All rights reserved.
"""Small real videos whose classes are defined by motion.

A rectangle with a notch near one corner (so its orientation is visible)
moves, scales or rotates on a noisy background. Every class draws the
shape's position, size, orientation, colours and the noise level from the
same distributions, so a single frame does not tell the classes apart:
only the *order* of the frames does. The classes come in pairs that are
each other's time reversal (``moving left`` / ``moving right``,
``growing`` / ``shrinking``, ...): for the same seed, a clip of one class
holds the frames of its partner in reverse order (up to the per-frame
noise), so temporal modelling is required.

Class names may also name the object, compositionally:
``[<size>] [<colour>] [<shape>] [<motion> | turning <colour>]``, e.g.
``'red square moving left'`` (a red square, moving left), ``'blue
triangle'`` (a blue triangle in a motion drawn from the clip's seed) or
``'red square turning blue'`` (its colour fades from red to blue; the time
reversal of ``'blue square turning red'``). Colours are :data:`COLOURS`, shapes
:data:`SHAPES`; a name without a shape draws the notched rectangle, one
without a colour a random light colour. :func:`render_still` draws single
frames of the same objects with their attributes, for captioned images.

Example:
    >>> from mote_mmaction.testing.synthetic_videos import (
    ...     MOTION_CLASSES, generate_motion_dataset)
    >>> ann_file, class_file = generate_motion_dataset(
    ...     'data/motion', MOTION_CLASSES[:4], 10, 'train', seed=0)

Command line::

    python -m mote_mmaction.testing.synthetic_videos data/motion \\
        --classes 'moving left' 'moving right' --videos-per-class 10
"""
import argparse
import importlib.util
import math
import os
import os.path as osp
import re
import subprocess
import sys
import tempfile
import zlib
from typing import Dict, List, NamedTuple, Optional, Sequence, Tuple

import cv2
import numpy as np

MOTION_CLASSES: Tuple[str, ...] = ('moving left', 'moving right', 'moving up',
                                   'moving down', 'growing', 'shrinking',
                                   'rotating clockwise',
                                   'rotating counterclockwise')

# motion -> (family, direction); the two directions of a family are time
# reversals of each other and share every random draw.
_MOTIONS: Dict[str, Tuple[str, int]] = {
    'moving left': ('horizontal', -1),
    'moving right': ('horizontal', 1),
    'moving up': ('vertical', -1),
    'moving down': ('vertical', 1),
    'growing': ('scale', 1),
    'shrinking': ('scale', -1),
    'rotating clockwise': ('rotation', 1),
    'rotating counterclockwise': ('rotation', -1),
}

# Named object colours (RGB); each clip jitters its colour a little.
COLOURS: Dict[str, Tuple[int, int, int]] = {
    'red': (225, 35, 35),
    'green': (40, 195, 55),
    'blue': (45, 85, 240),
    'yellow': (240, 220, 30),
    'purple': (160, 50, 215),
    'white': (240, 240, 240),
}
# Named object shapes. A circle turns invisibly: rotating classes should
# use another shape.
SHAPES: Tuple[str, ...] = ('square', 'circle', 'triangle')
_COLOUR_JITTER = 18  # +- per channel
_NAMED_HALF_LENGTH = (0.17, 0.23)  # named shapes are drawn a bit larger
# unit outlines (circumradius <= 1.06 in the half-length unit)
_SQUARE = 0.75 * np.array([[-1, -1], [1, -1], [1, 1], [-1, 1]], np.float64)
_TRIANGLE = np.array([[math.cos(a), math.sin(a)] for a in
                      np.radians([-90.0, 30.0, 150.0])])
_CIRCLE_RADIUS = 0.85

# container -> OpenCV fourcc; ``None``: written with PyAV (see below)
_CV2_FOURCC: Dict[str, Optional[str]] = {
    '.mp4': 'mp4v',
    '.avi': 'MJPG',
    '.mkv': 'XVID',
    '.webm': None,
}
# container -> PyAV codec, used for ``.webm`` (OpenCV's pip wheels cannot
# open a VP8 writer) and when OpenCV fails to open a writer
_AV_CODEC = {
    '.mp4': 'mpeg4',
    '.avi': 'mjpeg',
    '.mkv': 'mpeg4',
    '.webm': 'libvpx'
}

# ranges shared by all classes (fractions of the short side where noted)
_HALF_LENGTH = (0.13, 0.18)  # half the long side of the rectangle
_ASPECT = (0.45, 0.7)  # short side / long side
_SCALE = (0.65, 1.35)  # size multiplier over the clip
_TRAVEL = (0.25, 0.4)  # translation distance over the clip
_SWEEP = (120.0, 200.0)  # rotation over the clip, degrees
_NOISE = (8, 25)  # peak-to-peak background/shape noise, grey levels
_SHIFT = 4  # sub-pixel bits for the OpenCV drawing calls


def canonical_motion(motion: str) -> str:
    """Return the catalogue name of ``motion``.

    Case, surrounding spaces and underscores are ignored, so
    ``'moving_left'`` and ``'Moving Left'`` give ``'moving left'``.

    Args:
        motion (str): A motion name.

    Returns:
        str: The name as spelled in :data:`MOTION_CLASSES`.

    Raises:
        KeyError: If the motion is not in the catalogue.
    """
    name = ' '.join(motion.replace('_', ' ').lower().split())
    if name not in _MOTIONS:
        raise KeyError(f'unknown motion {motion!r}; known: '
                       f'{list(MOTION_CLASSES)}')
    return name


def motion_to_snake(motion: str) -> str:
    """File-name form of a motion name (``'moving left'`` ->
    ``'moving_left'``)."""
    return re.sub(r'[^0-9a-z]+', '_', canonical_motion(motion)).strip('_')


class ClipClass(NamedTuple):
    """The parts of a class name (see the module docstring)."""
    size: Optional[str]
    colour: Optional[str]
    shape: Optional[str]
    motion: Optional[str]
    final_colour: Optional[str] = None


_SIZES = ('small', 'large')
_TURNING = 'turning'


def parse_class_name(name: str) -> ClipClass:
    """Split a class name into its parts.

    Grammar: ``[<size>] [<colour>] [<shape>] [<motion> | turning
    <colour>]``. Case, surrounding spaces and underscores are ignored. A
    size word describes the first frame (``'small ... growing'``).

    Args:
        name (str): A class name, e.g. ``'red square moving left'``,
            ``'growing'``, ``'blue triangle'`` or ``'red square turning
            blue'`` (its colour changes from red to blue over the clip).

    Returns:
        ClipClass: ``(size, colour, shape, motion, final_colour)``,
        ``None`` where not named.

    Raises:
        KeyError: If the name has words outside the catalogue.
    """
    words = ' '.join(name.replace('_', ' ').lower().split()).split(' ')
    parts = []
    for vocab in (_SIZES, COLOURS, SHAPES):
        parts.append(words.pop(0) if words and words[0] in vocab else None)
    final = None
    if len(words) == 2 and words[0] == _TURNING and words[1] in COLOURS \
            and parts[1] is not None:
        final, words = words[1], []
    rest = ' '.join(words)
    if rest and rest not in _MOTIONS:
        raise KeyError(
            f'unknown class {name!r}: expected [size] [colour] [shape] '
            f'[motion | turning <colour>] with sizes {list(_SIZES)}, colours '
            f'{list(COLOURS)}, shapes {list(SHAPES)}, motions '
            f'{list(MOTION_CLASSES)}')
    if not (any(parts) or rest):
        raise KeyError(f'empty class name {name!r}')
    return ClipClass(*parts, rest or None, final)


def canonical_class(name: str) -> str:
    """Catalogue spelling of a class name (``'Red_Square moving  left'``
    -> ``'red square moving left'``)."""
    cls = parse_class_name(name)
    words = [p for p in cls[:4] if p]
    if cls.final_colour:
        words += [_TURNING, cls.final_colour]
    return ' '.join(words)


def class_to_snake(name: str) -> str:
    """File-name form of a class name (``'red square moving left'`` ->
    ``'red_square_moving_left'``)."""
    return re.sub(r'[^0-9a-z]+', '_', canonical_class(name)).strip('_')


def _uniform(rng: np.random.Generator, bounds: Tuple[float, float]) -> float:
    return float(rng.uniform(*bounds))


def _clip_states(motion: str,
                 num_frames: int,
                 size: Tuple[int, int],
                 rng: np.random.Generator,
                 half_range: Tuple[float, float] = _HALF_LENGTH
                 ) -> Dict[str, np.ndarray]:
    """Draw one clip's geometry.

    Returns:
        dict: ``cx``, ``cy`` (centre, pixels), ``half`` (half the long side,
        pixels), ``angle`` (degrees, clockwise on screen) per frame, and
        the scalar ``aspect``.
    """
    family, direction = _MOTIONS[canonical_motion(motion)]
    w, h = size
    short = min(w, h)
    half0 = _uniform(rng, half_range) * short
    aspect = _uniform(rng, _ASPECT)
    angle0 = _uniform(rng, (0.0, 360.0))
    # the same draws for every family keep the per-frame marginals alike
    scale_a, scale_b = np.sort(rng.uniform(*_SCALE, size=2))
    if scale_b - scale_a < 0.35:  # make growing/shrinking clearly visible
        mid = (scale_a + scale_b) / 2
        scale_a, scale_b = mid - 0.175, mid + 0.175
    static_scale = float(rng.uniform(scale_a, scale_b))
    travel = _uniform(rng, _TRAVEL)
    sweep = _uniform(rng, _SWEEP)
    u_x, u_y = rng.uniform(0.0, 1.0, size=2)

    # progress in [-1/2, 1/2]; the partner class runs it backwards
    t = np.linspace(-0.5, 0.5, num_frames) if num_frames > 1 else np.zeros(1)
    p = direction * t
    if family == 'scale':
        scale = (scale_a + scale_b) / 2 + (scale_b - scale_a) * p
    else:
        scale = np.full(num_frames, static_scale)
    angle = angle0 + (sweep * p if family == 'rotation' else 0.0)

    # keep the whole shape inside the frame over the whole clip
    radius = half0 * float(scale.max()) * math.hypot(1.0, aspect) + 1.0
    travel_x = min(travel * w, max(w - 2 * radius, 0.0))
    travel_y = min(travel * h, max(h - 2 * radius, 0.0))
    dx = travel_x * p if family == 'horizontal' else np.zeros(num_frames)
    dy = travel_y * p if family == 'vertical' else np.zeros(num_frames)
    span_x = travel_x if family == 'horizontal' else 0.0
    span_y = travel_y if family == 'vertical' else 0.0
    lo_x, hi_x = radius + span_x / 2, w - radius - span_x / 2
    lo_y, hi_y = radius + span_y / 2, h - radius - span_y / 2
    cx = (lo_x + (hi_x - lo_x) * u_x if hi_x > lo_x else w / 2) + dx
    cy = (lo_y + (hi_y - lo_y) * u_y if hi_y > lo_y else h / 2) + dy
    return dict(
        cx=np.asarray(cx, np.float64),
        cy=np.asarray(cy, np.float64),
        half=half0 * scale,
        angle=np.asarray(angle, np.float64) * np.ones(num_frames),
        aspect=np.float64(aspect))


def _fixed(points: np.ndarray) -> np.ndarray:
    """Pixel coordinates -> OpenCV fixed-point integers."""
    return np.round(points * (1 << _SHIFT)).astype(np.int32)


def _appearance(cls: ClipClass, rng: np.random.Generator
                ) -> Tuple[np.ndarray, np.ndarray, int]:
    """Background colour, object colour(s) and noise level of one clip.

    The object colour is ``[3]``, or ``[2, 3]`` (first, last frame) for a
    colour change.
    """
    background = rng.integers(0, 101, 3)
    colour = rng.integers(150, 256, 3)
    if cls.colour is not None:
        jitter = rng.integers(-_COLOUR_JITTER, _COLOUR_JITTER + 1, 3)
        colour = np.clip(np.array(COLOURS[cls.colour]) + jitter, 0, 255)
        if cls.final_colour is not None:
            final = np.clip(np.array(COLOURS[cls.final_colour]) + jitter,
                            0, 255)
            colour = np.stack([colour, final])
    noise_pp = int(rng.integers(_NOISE[0], _NOISE[1] + 1))
    return background, colour, noise_pp


def _draw_object(canvas: np.ndarray, shape: Optional[str],
                 centre: np.ndarray, half: float, angle: float,
                 aspect: float, colour: list, background: list) -> None:
    """Draw one object in place on ``canvas`` (``[H, W, 3]`` uint8)."""
    theta = math.radians(angle)
    # y points down, so a positive angle turns clockwise on screen
    rot = np.array([[math.cos(theta), -math.sin(theta)],
                    [math.sin(theta), math.cos(theta)]])
    if shape == 'circle':
        cv2.circle(canvas, tuple(int(v) for v in _fixed(centre)),
                   int(round(half * _CIRCLE_RADIUS * (1 << _SHIFT))),
                   colour, -1, cv2.LINE_AA, _SHIFT)
        return
    if shape is not None:
        outline = _SQUARE if shape == 'square' else _TRIANGLE
        cv2.fillConvexPoly(canvas, _fixed(centre + half * outline @ rot.T),
                           colour, cv2.LINE_AA, _SHIFT)
        return
    # the notched rectangle, in the long-side half-length unit
    corners = np.array(
        [[-1, -aspect], [1, -aspect], [1, aspect], [-1, aspect]], np.float64)
    cv2.fillConvexPoly(canvas, _fixed(centre + half * corners @ rot.T),
                       colour, cv2.LINE_AA, _SHIFT)
    hole = centre + half * np.array([0.55, -0.45 * aspect]) @ rot.T
    cv2.circle(canvas, tuple(int(v) for v in _fixed(hole)),
               int(round(half * 0.35 * aspect * (1 << _SHIFT))), background,
               -1, cv2.LINE_AA, _SHIFT)


def _add_noise(canvas: np.ndarray, noise_pp: int,
               rng: np.random.Generator) -> np.ndarray:
    h, w = canvas.shape[:2]
    noise = rng.integers(0, noise_pp + 1, (h, w, 1), dtype=np.int16)
    noisy = canvas.astype(np.int16) + (noise - noise_pp // 2)
    return np.clip(noisy, 0, 255).astype(np.uint8)


def _motion_of(cls: ClipClass, seed: int) -> str:
    """The class's motion, or one drawn from ``seed`` if it names none
    (from its own stream, so the clip's other draws stay the same)."""
    if cls.motion is not None:
        return cls.motion
    rng = np.random.default_rng([seed & 0xFFFFFFFF, 0x6D6F74])
    return MOTION_CLASSES[int(rng.integers(len(MOTION_CLASSES)))]


def render_motion_frames(motion: str,
                         num_frames: int = 16,
                         size: Tuple[int, int] = (64, 64),
                         seed: int = 0) -> np.ndarray:
    """Render the frames of one clip.

    Args:
        motion (str): A class name: a motion in :data:`MOTION_CLASSES`,
            optionally preceded by a colour and a shape (see the module
            docstring).
        num_frames (int): Number of frames. Defaults to 16.
        size (tuple[int, int]): ``(width, height)``. Defaults to (64, 64).
        seed (int): Seed of everything random in the clip (geometry,
            colours, noise). Defaults to 0.

    Returns:
        np.ndarray: ``[T, H, W, 3]`` uint8 RGB frames.
    """
    if num_frames < 1:
        raise ValueError(f'num_frames must be >= 1, got {num_frames}')
    cls = parse_class_name(motion)
    w, h = size
    rng = np.random.default_rng(seed)
    half_range = _HALF_LENGTH if cls.shape is None else _NAMED_HALF_LENGTH
    states = _clip_states(_motion_of(cls, seed), num_frames, (w, h), rng,
                          half_range)
    background, colour, noise_pp = _appearance(cls, rng)
    frames = np.empty((num_frames, h, w, 3), np.uint8)
    canvas = np.empty((h, w, 3), np.uint8)
    for i in range(num_frames):
        canvas[:] = background
        rgb = colour
        if colour.ndim == 2:  # a colour change: first to last frame
            p = i / max(num_frames - 1, 1)
            rgb = np.round((1 - p) * colour[0] + p * colour[1]).astype(int)
        _draw_object(canvas, cls.shape,
                     np.array([states['cx'][i], states['cy'][i]]),
                     states['half'][i], states['angle'][i],
                     float(states['aspect']), rgb.tolist(),
                     background.tolist())
        frames[i] = _add_noise(canvas, noise_pp, rng)
    return frames


def render_still(colour: str,
                 shape: str,
                 size: Tuple[int, int] = (64, 64),
                 seed: int = 0,
                 motion: Optional[str] = None
                 ) -> Tuple[np.ndarray, Dict[str, Optional[str]]]:
    """Render one frame of a named object and describe what it shows.

    The object is drawn as in a clip of ``'<colour> <shape> <motion>'``
    (same colours, sizes, positions and noise), so captioned stills teach
    a model the words of the clips' class names. With ``motion``, the
    still is a long exposure: fainter copies of the object at earlier
    moments of that motion trail behind it, as motion streaks in a photo.

    Args:
        colour (str): A key of :data:`COLOURS`.
        shape (str): One of :data:`SHAPES`.
        size (tuple[int, int]): ``(width, height)``. Defaults to (64, 64).
        seed (int): Seed of the frame. Defaults to 0.
        motion (str, optional): A name in :data:`MOTION_CLASSES` to show
            as a trail. Defaults to None (a sharp still).

    Returns:
        tuple[np.ndarray, dict]: ``[H, W, 3]`` uint8 RGB frame and its
        attributes: ``colour``, ``shape``, ``size`` (``'small'`` or
        ``'large'``), ``horizontal`` (``'left'``, ``'middle'``,
        ``'right'``), ``vertical`` (``'top'``, ``'middle'``, ``'bottom'``)
        and ``motion`` (or ``None``).
    """
    cls = parse_class_name(f'{colour} {shape}')
    if cls.colour is None or cls.shape is None or cls.size is not None:
        raise KeyError(f'render_still needs a colour and a shape, got '
                       f'{colour!r}, {shape!r}')
    w, h = size
    rng = np.random.default_rng(seed)
    trail = (0.2, 0.35, 0.55, 1.0) if motion is not None else (1.0, )
    states = _clip_states(
        canonical_motion(motion) if motion else _motion_of(cls, seed),
        len(trail), (w, h), rng, _NAMED_HALF_LENGTH)
    background, rgb, noise_pp = _appearance(cls, rng)
    canvas = np.empty((h, w, 3), np.uint8)
    canvas[:] = background
    for i, alpha in enumerate(trail):
        layer = canvas.copy()
        _draw_object(layer, cls.shape,
                     np.array([states['cx'][i], states['cy'][i]]),
                     float(states['half'][i]), float(states['angle'][i]),
                     float(states['aspect']), rgb.tolist(),
                     background.tolist())
        canvas = cv2.addWeighted(layer, alpha, canvas, 1 - alpha, 0)
    cx, cy, half = (float(states[k][-1]) for k in ('cx', 'cy', 'half'))
    mid_half = np.mean(_NAMED_HALF_LENGTH) * min(w, h)

    def third(v: float, extent: float, words: Tuple[str, str]) -> str:
        return words[0] if v < extent / 3 else (
            words[1] if v > 2 * extent / 3 else 'middle')

    attrs = dict(
        colour=cls.colour,
        shape=cls.shape,
        size='small' if half < mid_half else 'large',
        horizontal=third(cx, w, ('left', 'right')),
        vertical=third(cy, h, ('top', 'bottom')),
        motion=canonical_motion(motion) if motion else None)
    return _add_noise(canvas, noise_pp, rng), attrs


def _write_with_cv2(path: str, frames: np.ndarray, fps: int,
                    fourcc: str) -> bool:
    h, w = frames.shape[1:3]
    writer = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*fourcc), fps,
                             (w, h))
    if not writer.isOpened():
        writer.release()
        return False
    for frame in frames:
        writer.write(cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
    writer.release()
    return True


def _encode_with_av(path: str, frames: np.ndarray, fps: int,
                    codec: str) -> None:
    """Encode ``frames`` (``[T, H, W, 3]`` RGB) with PyAV."""
    import av
    h, w = frames.shape[1:3]
    with av.open(path, 'w') as container:
        stream = container.add_stream(codec, rate=fps)
        stream.width, stream.height = w, h
        stream.pix_fmt = 'yuvj420p' if codec == 'mjpeg' else 'yuv420p'
        stream.bit_rate = 1_000_000
        for frame in frames:
            container.mux(
                stream.encode(
                    av.VideoFrame.from_ndarray(frame, format='rgb24')))
        container.mux(stream.encode())


# Run in a fresh interpreter: once decord is imported, its bundled libvpx
# shadows the one of PyAV (and of OpenCV) and VP8 encoders fail to open.
_AV_SUBPROCESS = '''
import importlib.util
import sys
import numpy as np
spec = importlib.util.spec_from_file_location('_motion_clips', sys.argv[1])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
module._encode_with_av(sys.argv[3], np.load(sys.argv[2]), int(sys.argv[4]),
                       sys.argv[5])
'''


def _write_with_av(path: str, frames: np.ndarray, fps: int,
                   codec: str) -> None:
    """Write with PyAV in this process, or in a fresh one if that fails."""
    if importlib.util.find_spec('av') is None:
        raise IOError(f'{path}: OpenCV cannot write this container here; '
                      'install PyAV (`pip install av`) for it')
    try:
        _encode_with_av(path, frames, fps, codec)
        return
    except Exception:  # noqa: B902 - e.g. libvpx shadowed by decord
        if osp.exists(path):
            os.remove(path)
    with tempfile.TemporaryDirectory() as tmp:
        npy = osp.join(tmp, 'frames.npy')
        np.save(npy, frames)
        # this file alone (no package import, so no decord)
        cmd = [
            sys.executable, '-c', _AV_SUBPROCESS,
            osp.abspath(__file__), npy, path,
            str(fps), codec
        ]
        res = subprocess.run(cmd, capture_output=True, text=True)
    if res.returncode != 0:
        raise IOError(f'{path}: PyAV failed to write it:\n'
                      f'{res.stderr[-2000:]}')


def write_motion_clip(path: str,
                      motion: str,
                      num_frames: int = 16,
                      size: Tuple[int, int] = (64, 64),
                      fps: int = 8,
                      seed: int = 0,
                      fourcc: Optional[str] = None) -> None:
    """Write one clip that decord (and so MMAction2's ``DecordInit``) reads.

    The container follows the extension: ``.mp4`` (OpenCV ``mp4v``),
    ``.avi`` (OpenCV ``MJPG``), ``.mkv`` (OpenCV ``XVID``) or ``.webm``
    (VP8 through PyAV, which OpenCV's wheels cannot encode).

    Note:
        decord 0.6's batch decoding (``DecordDecode``) fails on some small
        frame widths whatever the container (16, 24, 48 and 72 pixels
        among the multiples of 8 up to 400); the default 64 is safe.

    Args:
        path (str): Output file; parent folders are created.
        motion (str): A name in :data:`MOTION_CLASSES`.
        num_frames (int): Number of frames. Defaults to 16.
        size (tuple[int, int]): ``(width, height)``. Defaults to (64, 64).
        fps (int): Frame rate stored in the container. Defaults to 8.
        seed (int): Seed of the clip, see :func:`render_motion_frames`.
            Defaults to 0.
        fourcc (str, optional): OpenCV fourcc overriding the container's
            default, e.g. ``'XVID'`` for an ``.avi``. Defaults to None.
    """
    ext = osp.splitext(path)[1].lower()
    if ext not in _CV2_FOURCC:
        raise ValueError(f'{path}: unsupported extension; use one of '
                         f'{sorted(_CV2_FOURCC)}')
    frames = render_motion_frames(motion, num_frames, size, seed)
    folder = osp.dirname(osp.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fourcc = fourcc or _CV2_FOURCC[ext]
    if fourcc is not None and _write_with_cv2(path, frames, fps, fourcc):
        return
    _write_with_av(path, frames, fps, _AV_CODEC[ext])


def _clip_seed(seed: int, split_name: str, motion: str, index: int) -> int:
    """Independent, reproducible seed of one clip of a dataset."""
    entropy = [
        seed & 0xFFFFFFFFFFFFFFFF,
        zlib.crc32(split_name.encode()),
        zlib.crc32(motion.encode()), index
    ]
    return int(np.random.SeedSequence(entropy).generate_state(1)[0])


def generate_motion_dataset(root: str,
                            classes: Sequence[str],
                            videos_per_class: int,
                            split_name: str,
                            seed: int = 0,
                            num_frames: int = 16,
                            size: Tuple[int, int] = (64, 64),
                            fps: int = 8) -> Tuple[str, str]:
    """Write one split of an MMAction2 video dataset of motion clips.

    Files written:

    * ``root/videos/<split_name>/<class_snake>_<i>.mp4``;
    * ``root/<split_name>.txt``: MMAction2 ``VideoDataset`` annotations,
      ``videos/<split_name>/<file>.mp4 <label>`` with paths relative to
      ``root`` (use ``data_prefix=dict(video=root)``) and label = index of
      the class in ``classes``;
    * ``root/<split_name>_classes.txt``: one class name per line, line i
      is label i.

    The output is fully determined by ``seed``, ``split_name`` and the
    arguments; every clip has its own seed, so different seeds or split
    names give different clips.

    Args:
        root (str): Dataset folder.
        classes (Sequence[str]): Class names (motions in
            :data:`MOTION_CLASSES`, optionally with a colour and a shape,
            see the module docstring; or their snake-case spelling), label
            order.
        videos_per_class (int): Clips per class.
        split_name (str): Split name, e.g. ``'train'``.
        seed (int): Dataset seed. Defaults to 0.
        num_frames (int): Frames per clip. Defaults to 16.
        size (tuple[int, int]): ``(width, height)``. Defaults to (64, 64).
        fps (int): Frame rate. Defaults to 8.

    Returns:
        tuple[str, str]: The annotation file and the class-name file.
    """
    names = [canonical_class(c) for c in classes]
    if len(set(names)) != len(names):
        raise ValueError(f'duplicate classes in {list(classes)}')
    if videos_per_class < 0:
        raise ValueError('videos_per_class must be >= 0, got '
                         f'{videos_per_class}')
    lines: List[str] = []
    for label, motion in enumerate(names):
        for i in range(videos_per_class):
            rel = f'videos/{split_name}/{class_to_snake(motion)}_{i}.mp4'
            write_motion_clip(
                osp.join(root, rel),
                motion,
                num_frames=num_frames,
                size=size,
                fps=fps,
                seed=_clip_seed(seed, split_name, motion, i))
            lines.append(f'{rel} {label}')
    # imported here: _AV_SUBPROCESS loads this file outside its package
    from ..compat.atomic_io import atomic_write_text
    ann_file = osp.join(root, f'{split_name}.txt')
    atomic_write_text(ann_file, ''.join(line + '\n' for line in lines))
    class_file = osp.join(root, f'{split_name}_classes.txt')
    atomic_write_text(class_file, ''.join(n + '\n' for n in names))
    return ann_file, class_file


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    """Command-line arguments of :func:`main`."""
    parser = argparse.ArgumentParser(
        description='Write a video dataset whose classes are motions '
        '(optionally of named coloured shapes).')
    parser.add_argument('out_dir', help='dataset folder')
    parser.add_argument(
        '--classes',
        nargs='+',
        default=list(MOTION_CLASSES),
        help='class names, label order: motions, optionally preceded by a '
        'colour and a shape, e.g. "red square moving left" (default: all '
        f'of {list(MOTION_CLASSES)})')
    parser.add_argument('--videos-per-class', type=int, default=8)
    parser.add_argument(
        '--split',
        nargs='+',
        default=['train'],
        help='split names; split k uses seed + k (default: train)')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--num-frames', type=int, default=16)
    parser.add_argument(
        '--size', type=int, nargs=2, default=(64, 64), metavar=('W', 'H'))
    parser.add_argument('--fps', type=int, default=8)
    return parser.parse_args(argv)


def main(argv: Optional[Sequence[str]] = None) -> None:
    """Command-line entry point."""
    args = parse_args(argv)
    for k, split in enumerate(args.split):
        ann_file, class_file = generate_motion_dataset(
            args.out_dir,
            args.classes,
            args.videos_per_class,
            split,
            seed=args.seed + k,
            num_frames=args.num_frames,
            size=tuple(args.size),
            fps=args.fps)
        print(f'{split}: {len(args.classes) * args.videos_per_class} clips, '
              f'{ann_file}, {class_file}')


if __name__ == '__main__':
    main()
