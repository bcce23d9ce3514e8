# Copyright (c) OpenMMLab. All rights reserved.
import os.path as osp
import subprocess
import sys

from mote_mmaction.utils.synthetic_videos import generate_motion_dataset

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def test_check_videos_lists_bad_files(tmp_path):
    ann, _ = generate_motion_dataset(str(tmp_path), ['growing'], 3, 'set')
    (tmp_path / 'empty.mp4').write_bytes(b'')
    with open(ann, 'a') as f:
        f.write('empty.mp4 0\ngone.mp4 0\n')
    out = tmp_path / 'bad.txt'
    res = subprocess.run(
        [sys.executable, 'tools/data/check_videos.py', ann, str(tmp_path),
         '--workers', '2', '--out', str(out)],
        cwd=REPO, capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    assert 'checked 5 videos' in res.stdout and '2 bad' in res.stdout
    rows = [ln.split('\t') for ln in out.read_text().splitlines()]
    assert [osp.basename(r[0]) for r in rows] == ['empty.mp4', 'gone.mp4']
    assert rows[1][1] == 'missing file'
