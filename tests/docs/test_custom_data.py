# Copyright (c) OpenMMLab. All rights reserved.
"""docs/custom_data.md, followed step by step: its folder layout (generated
clips), its config, then its commands in order, from a fresh working
folder; then its CPU commands after the CLIP file is deleted.

What the test adds to the page: a random tiny CLIP where
``make_motion_demo.py`` would pre-train one, and, on the training command
only, one epoch and no dataloader workers (the page trains the base's 12
epochs)."""
import glob
import os
import os.path as osp
import re
import shlex
import shutil

import open_clip
import torch
from mmengine.config import Config

from _inprocess_tools import run_script
from mote_mmaction.testing.synthetic_videos import write_motion_clip

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DOC = osp.join(REPO, 'docs', 'custom_data.md')
# the page's file names, made from generated motions
CLASSES = {'pour': ('pouring water', 'moving left'),
           'stir': ('stirring a pot', 'rotating clockwise'),
           'chop': ('chopping vegetables', 'moving down'),
           'wipe': ('wiping a table', 'moving right')}
NEW = ('juggling', 'knitting')
TEST_ONLY = ['--cfg-options', 'train_cfg.max_epochs=1',
             'train_dataloader.num_workers=0', 'val_dataloader.num_workers=0',
             'test_dataloader.num_workers=0']


def block(doc: str, marker: str) -> str:
    """The fenced block right after ``<!-- marker -->``."""
    found = re.findall(rf'<!-- {marker} -->\n```\w*\n(.*?)```', doc, re.S)
    assert len(found) == 1, marker
    return found[0]


def commands(text: str):
    return [shlex.split(ln) for ln in text.splitlines()
            if ln.startswith('python ')]


def make_data(ws: str) -> None:
    root = osp.join(ws, 'data', 'my_videos')
    os.makedirs(osp.join(root, 'videos'))
    lines = {'train': [], 'val': []}
    for label, (stem, (_, motion)) in enumerate(CLASSES.items()):
        for i, split in ((0, 'train'), (1, 'train'), (7, 'val')):
            write_motion_clip(osp.join(root, 'videos', f'{stem}_{i}.mp4'),
                              motion, seed=i)
            lines[split].append(f'videos/{stem}_{i}.mp4 {label}')
    for split, rows in lines.items():
        with open(osp.join(root, f'{split}.txt'), 'w') as f:
            f.write('\n'.join(rows) + '\n')
    with open(osp.join(root, 'classes.txt'), 'w') as f:
        f.write('\n'.join(name for name, _ in CLASSES.values()) + '\n')
    for i, motion in enumerate(('growing', 'shrinking')):
        write_motion_clip(osp.join(root, 'videos', f'new_{i}.mp4'), motion)
    with open(osp.join(root, 'new.txt'), 'w') as f:
        f.write('videos/new_0.mp4 0\nvideos/new_1.mp4 1\n')
    with open(osp.join(root, 'new_classes.txt'), 'w') as f:
        f.write('\n'.join(NEW) + '\n')


def test_custom_data_page(tmp_path):
    doc = open(DOC).read()
    ws = str(tmp_path)
    shutil.copytree(osp.join(REPO, 'configs'), osp.join(ws, 'configs'))
    os.makedirs(osp.join(ws, 'configs', 'my_videos'))
    config = osp.join(ws, 'configs', 'my_videos', 'my_videos.py')
    with open(config, 'w') as f:
        f.write(block(doc, 'custom-data-config'))
    make_data(ws)
    # the base's CLIP file (make_motion_demo.py pre-trains it; random here)
    base = Config.fromfile(osp.join(REPO, 'configs', 'mote',
                                    'demo_tiny_motion.py'))
    clip_file = osp.join(ws, base.clip_file)
    os.makedirs(osp.dirname(clip_file))
    torch.manual_seed(0)
    torch.save(open_clip.CLIP(**base.tiny_arch.to_dict()).state_dict(),
               clip_file)
    cfg = Config.fromfile(config)
    assert cfg.model.cls_head.num_classes == len(CLASSES)
    assert cfg.test_dataloader.dataset.ann_file == 'data/my_videos/val.txt'

    outs, deploy_cfg = [], None
    work = osp.join(ws, 'work_dirs', 'my_videos')
    for cmd in commands(block(doc, 'custom-data-commands')):
        assert cmd[0] == 'python'
        args = cmd[2:] + (TEST_ONLY if cmd[1] == 'tools/train.py' else [])
        res = run_script(cmd[1], *args, cwd=ws)
        assert res.returncode == 0, (cmd, res.stderr[-3000:])
        outs.append(res.stdout + res.stderr)
        if cmd[1] == 'tools/train.py':
            deploy_cfg = open(osp.join(work, 'deploy_config.py')).read()
    demo = outs[-1]
    assert osp.isfile(osp.join(work, 'mote_merged.pth'))
    # testing with --cfg-options left the deploy config as training wrote it
    assert open(osp.join(work, 'deploy_config.py')).read() == deploy_cfg
    # the test runs' logs, oldest first: the test, the zero-shot test
    logs = [open(p).read() for p in sorted(glob.glob(
        osp.join(work, 'deploy', '*', '*.log')))]
    assert len(logs) == 2
    assert 'Epoch(test)' in logs[0] and 'acc/top1' in logs[0]
    assert "4 classes ['pouring water'" in logs[0]
    # the zero-shot test scored the new names, the demo the typed ones
    assert "2 classes ['juggling', 'knitting']" in logs[1]
    assert 'Epoch(test)' in logs[1]
    top = [ln for ln in demo.splitlines() if ln.startswith('1. ')]
    assert top and top[0][3:].rsplit(':', 1)[0] in NEW

    # 4. no CLIP file on this machine
    os.remove(clip_file)
    for cmd in commands(block(doc, 'custom-data-cpu')):
        res = run_script(cmd[1], *cmd[2:], cwd=ws)
        assert res.returncode == 0, (cmd, res.stderr[-3000:])
        if cmd[1].endswith('demo_video.py'):
            top = [ln for ln in res.stdout.splitlines()
                   if ln.startswith('1. ')]
            assert top[0][3:].rsplit(':', 1)[0] in [
                n for n, _ in CLASSES.values()]
    # ... where new labels need the text tower's file, and say so
    cmd = commands(block(doc, 'custom-data-cpu'))[-1]
    res = run_script(cmd[1], *cmd[2:], '--labels', 'juggling,knitting',
                     cwd=ws)
    assert res.returncode == 1
    assert 'tiny_clip.pth' in res.stderr
