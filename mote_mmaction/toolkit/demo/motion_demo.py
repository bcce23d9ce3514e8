# Copyright (c) OpenMMLab. All rights reserved.
"""The embedded demo's data: its classes, clips and tiny CLIP file.

Fine-tuning classes are coloured shapes that change over the clip, in
time-reversal pairs (``'red square turning blue'`` / ``'blue square turning
red'``): one frame, or the mean of all frames, shows which pair a clip
belongs to, only the order of the frames which class of the pair.
Held-out classes are other colour and shape combinations (``'purple
square'``) in any motion, named with words the tiny CLIP learnt in
pre-training but never fine-tuned on, so recognising
them is zero-shot. Each held-out class has its own colour, the attribute the
tiny CLIP learns best.

Files under ``root`` (what ``configs/mote/demo_tiny_motion.py`` reads)::

    train.txt, val.txt, zeroshot.txt      MMAction2 video lists
    train_classes.txt, val_classes.txt    the fine-tuning class names
    zeroshot_classes.txt                  the held-out class names
    videos/<split>/*.mp4                  the clips
    tiny_clip.pth                         the pre-trained tiny CLIP
    clips.json, tiny_clip.json            what made them (for re-use)

Example:
    >>> from mote_mmaction.toolkit.demo.motion_demo import make_motion_demo
    >>> make_motion_demo('data/motion_demo', arch)
"""
import json
import os
import os.path as osp
import time
from typing import Callable, Dict, Optional, Sequence

from ...testing.synthetic_videos import generate_motion_dataset
from ...compat.atomic_io import atomic_write_text

# Time-reversal pairs: the two clips of a pair show the same frames in
# opposite orders, and each name starts with what the first frame shows.
SEEN_CLASSES = (
    'red square turning blue', 'blue square turning red',
    'green circle turning yellow', 'yellow circle turning green',
    'white triangle turning purple', 'purple triangle turning white',
    'small red circle growing', 'large red circle shrinking')
# New colour-shape pairs, one colour each, in random motions.
HELD_OUT_CLASSES = ('purple square', 'white circle', 'red triangle',
                    'blue circle', 'green square', 'yellow triangle')

CLIP_FILE = 'tiny_clip.pth'
CLIPS_RECORD = 'clips.json'  # what made the clips
CLIP_RECORD = 'tiny_clip.json'  # what made the tiny CLIP, and its stats
DEFAULTS = dict(
    train_videos=24, test_videos=6, num_frames=16, size=(64, 64),
    pretrain_steps=200, pretrain_images=4000, seed=0)


def _read_json(path: str) -> Optional[dict]:
    if not osp.isfile(path):
        return None
    with open(path) as f:
        try:
            return json.load(f)
        except ValueError:
            return None


def _plain(obj):
    """JSON round trip, so tuples and lists compare equal."""
    return json.loads(json.dumps(obj))


def make_clips(root: str,
               train_videos: int = DEFAULTS['train_videos'],
               test_videos: int = DEFAULTS['test_videos'],
               seed: int = DEFAULTS['seed'],
               force: bool = False) -> Dict:
    """Write the demo's clips and lists under ``root``, or re-use them.

    Returns:
        dict: The settings plus ``reused`` (bool), ``num_clips`` and
        ``seconds``.
    """
    settings = _plain(dict(
        seen=SEEN_CLASSES, held_out=HELD_OUT_CLASSES,
        train_videos=train_videos, test_videos=test_videos, seed=seed,
        num_frames=DEFAULTS['num_frames'], size=DEFAULTS['size']))
    record = osp.join(root, CLIPS_RECORD)
    n = (train_videos + test_videos) * len(SEEN_CLASSES) + \
        test_videos * len(HELD_OUT_CLASSES)
    if not force and _read_json(record) == settings:
        return dict(settings, reused=True, num_clips=n, seconds=0.0)
    os.makedirs(root, exist_ok=True)
    if osp.exists(record):
        os.remove(record)  # until the new clips are all written
    start = time.perf_counter()
    common = dict(num_frames=DEFAULTS['num_frames'],
                  size=tuple(DEFAULTS['size']))
    generate_motion_dataset(root, SEEN_CLASSES, train_videos, 'train',
                            seed=seed, **common)
    generate_motion_dataset(root, SEEN_CLASSES, test_videos, 'val',
                            seed=seed + 1, **common)
    generate_motion_dataset(root, HELD_OUT_CLASSES, test_videos,
                            'zeroshot', seed=seed + 2, **common)
    atomic_write_text(record, json.dumps(settings, indent=2))
    return dict(settings, reused=False, num_clips=n,
                seconds=time.perf_counter() - start)


def make_tiny_clip(root: str,
                   arch: dict,
                   pretrain_steps: int = DEFAULTS['pretrain_steps'],
                   pretrain_images: int = DEFAULTS['pretrain_images'],
                   seed: int = DEFAULTS['seed'],
                   templates: Sequence[str] = (),
                   force: bool = False,
                   log: Optional[Callable[[str], None]] = None) -> Dict:
    """Pre-train the tiny CLIP into ``root/tiny_clip.pth``, or re-use it.

    Returns:
        dict: The settings, ``stats`` (see :func:`pretrain_tiny_clip`) and
        ``reused`` (bool).
    """
    from .tiny_clip_pretrain import pretrain_tiny_clip
    settings = _plain(dict(
        arch=arch, steps=pretrain_steps, images=pretrain_images, seed=seed,
        templates=templates))
    record = osp.join(root, CLIP_RECORD)
    old = _read_json(record)
    if not force and old is not None and old.get('settings') == settings \
            and osp.isfile(osp.join(root, CLIP_FILE)):
        return dict(old, reused=True)
    os.makedirs(root, exist_ok=True)
    stats = pretrain_tiny_clip(
        arch, osp.join(root, CLIP_FILE), num_images=pretrain_images,
        steps=pretrain_steps, seed=seed, templates=templates, log=log)
    result = dict(settings=settings, stats=stats)
    atomic_write_text(record, json.dumps(result, indent=2))
    return dict(result, reused=False)


def make_motion_demo(root: str,
                     arch: dict,
                     train_videos: int = DEFAULTS['train_videos'],
                     test_videos: int = DEFAULTS['test_videos'],
                     pretrain_steps: int = DEFAULTS['pretrain_steps'],
                     pretrain_images: int = DEFAULTS['pretrain_images'],
                     seed: int = DEFAULTS['seed'],
                     templates: Sequence[str] = (),
                     force: bool = False,
                     log: Optional[Callable[[str], None]] = None) -> Dict:
    """Write the demo's clips and tiny CLIP under ``root``, or re-use them.

    Everything is a function of the arguments; output of the same
    arguments already in ``root`` (``clips.json``, ``tiny_clip.json``) is
    re-used unless ``force``.

    Args:
        root (str): Output folder.
        arch (dict): open_clip config of the tiny CLIP (the demo config's
            ``model.backbone.arch``).
        train_videos (int): Training clips per fine-tuning class.
        test_videos (int): Val and zero-shot clips per class.
        pretrain_steps (int): Contrastive pre-training steps.
        pretrain_images (int): Captioned stills for pre-training.
        seed (int): Seed of clips, stills and CLIP weights.
        templates (Sequence[str]): Prompt templates, see
            :func:`~mote_mmaction.toolkit.demo.tiny_clip_pretrain.caption`.
        force (bool): Redo everything.
        log (callable, optional): Called with progress messages.

    Returns:
        dict: ``clips`` (see :func:`make_clips`) and ``tiny_clip`` (see
        :func:`make_tiny_clip`).
    """
    clips = make_clips(root, train_videos, test_videos, seed, force)
    if log is not None:
        log(f'{clips["num_clips"]} clips'
            f'{" (re-used)" if clips["reused"] else ""}')
    clip = make_tiny_clip(root, arch, pretrain_steps, pretrain_images, seed,
                          templates, force, log)
    return dict(clips=clips, tiny_clip=clip)
