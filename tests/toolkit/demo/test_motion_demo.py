# Copyright (c) OpenMMLab. All rights reserved.
"""The embedded demo's data: classes in time-reversal pairs and held-out
colour-shape pairs, clips and lists under the documented names, the tiny
CLIP file, and re-use of what the same arguments already made (and only
that)."""
import hashlib
import json
import os
import os.path as osp

import pytest
import torch

from mote_mmaction.testing import tiny_clip_arch
from mote_mmaction.testing.synthetic_videos import parse_class_name
from mote_mmaction.toolkit.demo.motion_demo import (CLIP_FILE, CLIP_RECORD,
                                                    CLIPS_RECORD,
                                                    HELD_OUT_CLASSES,
                                                    SEEN_CLASSES, make_clips,
                                                    make_motion_demo,
                                                    make_tiny_clip)

REVERSED = {'growing': 'shrinking', 'small': 'large'}
REVERSED.update({v: k for k, v in REVERSED.items()})


def _shown(cls):
    """The (colour, shape) pairs a clip of class ``cls`` shows."""
    return {(cls.colour, cls.shape), (cls.final_colour or cls.colour,
                                      cls.shape)}


def test_seen_classes_are_time_reversal_pairs():
    """Classes ``2i`` and ``2i + 1`` show the same object with the change
    reversed; each name starts with what the first frame shows."""
    assert len(SEEN_CLASSES) % 2 == 0
    for a, b in zip(SEEN_CLASSES[::2], SEEN_CLASSES[1::2]):
        a, b = parse_class_name(a), parse_class_name(b)
        assert a.shape == b.shape
        if a.final_colour:  # colour change
            assert (b.colour, b.final_colour) == (a.final_colour, a.colour)
            assert a.motion is None and b.motion is None
        else:  # size change
            assert a.colour == b.colour
            assert (b.size, b.motion) == (REVERSED[a.size],
                                          REVERSED[a.motion])
        assert _shown(a) == _shown(b)  # same frames, other order


def test_held_out_classes_are_new_colour_shape_pairs():
    """Each held-out class has its own colour, no motion in its name, and
    shows an object no fine-tuning class shows."""
    seen = set().union(*(_shown(parse_class_name(c)) for c in SEEN_CLASSES))
    held = [parse_class_name(c) for c in HELD_OUT_CLASSES]
    assert len({c.colour for c in held}) == len(held)
    for c in held:
        assert c.motion is None and c.final_colour is None
        assert (c.colour, c.shape) not in seen


def _digest(root):
    """sha1 of every file under ``root`` except the records."""
    out = {}
    for d, _, files in os.walk(root):
        for f in files:
            p = osp.join(d, f)
            if f not in (CLIPS_RECORD, CLIP_RECORD):
                with open(p, 'rb') as fh:
                    out[osp.relpath(p, root)] = hashlib.sha1(
                        fh.read()).hexdigest()
    return out


def test_make_clips_writes_reuses_and_redoes(tmp_path):
    """The lists, class files and clips of the three splits; the same
    arguments re-use them untouched, other arguments or ``force`` write
    them again, and an interrupted rewrite leaves no record to re-use."""
    root = str(tmp_path / 'demo')
    first = make_clips(root, train_videos=1, test_videos=1)
    n = 2 * len(SEEN_CLASSES) + len(HELD_OUT_CLASSES)
    assert first['reused'] is False and first['num_clips'] == n
    for split, classes, per_class in (('train', SEEN_CLASSES, 1),
                                      ('val', SEEN_CLASSES, 1),
                                      ('zeroshot', HELD_OUT_CLASSES, 1)):
        with open(osp.join(root, f'{split}_classes.txt')) as f:
            assert f.read().splitlines() == list(classes)
        with open(osp.join(root, f'{split}.txt')) as f:
            lines = [ln.split() for ln in f.read().splitlines()]
        assert [int(label) for _, label in lines] == [
            i for i in range(len(classes)) for _ in range(per_class)]
        for rel, _ in lines:
            assert rel.startswith(f'videos/{split}/')
            assert osp.getsize(osp.join(root, rel)) > 0
    settings = {k: v for k, v in first.items()
                if k not in ('reused', 'num_clips', 'seconds')}
    with open(osp.join(root, CLIPS_RECORD)) as f:
        assert json.load(f) == settings
    files = _digest(root)
    assert len([f for f in files if f.endswith('.mp4')]) == n

    again = make_clips(root, train_videos=1, test_videos=1)
    assert again == dict(first, reused=True, seconds=0.0)
    mtimes = {f: os.stat(osp.join(root, f)).st_mtime_ns for f in files}

    forced = make_clips(root, train_videos=1, test_videos=1, force=True)
    assert forced['reused'] is False
    assert _digest(root) == files  # a function of the arguments
    assert any(os.stat(osp.join(root, f)).st_mtime_ns != t
               for f, t in mtimes.items())

    # another seed, interrupted: the zero-shot clips cannot be written
    obstacle = osp.join(root, 'videos', 'zeroshot')
    for f in os.listdir(obstacle):
        os.remove(osp.join(obstacle, f))
    os.rmdir(obstacle)
    open(obstacle, 'w').close()
    with pytest.raises(FileExistsError):
        make_clips(root, train_videos=1, test_videos=1, seed=1)
    assert not osp.exists(osp.join(root, CLIPS_RECORD))
    os.remove(obstacle)
    redone = make_clips(root, train_videos=1, test_videos=1, seed=1)
    assert redone['reused'] is False and redone['seed'] == 1
    new = _digest(root)
    assert sorted(new) == sorted(files)
    assert new['videos/train/red_square_turning_blue_0.mp4'] != \
        files['videos/train/red_square_turning_blue_0.mp4']


def test_make_motion_demo_then_reuse_and_retrain(tmp_path):
    """Clips and a loadable tiny CLIP with its record; the same call again
    re-uses both (and says so), another seed pre-trains anew."""
    root = str(tmp_path / 'demo')
    arch = tiny_clip_arch()
    arch['text_cfg']['context_length'] = 16
    kw = dict(train_videos=1, test_videos=1, pretrain_steps=1,
              pretrain_images=16)
    logs = []
    out = make_motion_demo(root, arch, log=logs.append, **kw)
    n = out['clips']['num_clips']
    assert out['clips']['reused'] is False
    clip = out['tiny_clip']
    assert clip['reused'] is False
    assert clip['settings'] == dict(arch=arch, steps=1, images=16, seed=0,
                                    templates=[])
    assert logs[0] == f'{n} clips' and logs[1].startswith('step 1/1: loss')
    path = osp.join(root, CLIP_FILE)
    state = torch.load(path, map_location='cpu', weights_only=True)
    assert 'visual.conv1.weight' in state and 'logit_scale' in state
    with open(osp.join(root, CLIP_RECORD)) as f:
        assert json.load(f) == dict(settings=clip['settings'],
                                    stats=clip['stats'])
    mtime = os.stat(path).st_mtime_ns

    logs.clear()
    again = make_motion_demo(root, arch, log=logs.append, **kw)
    assert logs == [f'{n} clips (re-used)']  # nothing pre-trained
    assert again['clips']['reused'] and again['tiny_clip']['reused']
    assert again['tiny_clip']['stats'] == clip['stats']
    assert os.stat(path).st_mtime_ns == mtime

    other = make_tiny_clip(root, arch, pretrain_steps=1, pretrain_images=16,
                           seed=1)
    assert other['reused'] is False and other['settings']['seed'] == 1
    new = torch.load(path, map_location='cpu', weights_only=True)
    assert not torch.equal(new['visual.conv1.weight'],
                           state['visual.conv1.weight'])
