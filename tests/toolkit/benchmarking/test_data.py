# Copyright (c) OpenMMLab. All rights reserved.
"""mote_mmaction.toolkit.benchmarking.data: the clip sets and one tiny
data-pipeline benchmark (CPU, one process)."""
import os
import os.path as osp
import tempfile
import types

import pytest
from mmengine.config import Config

from mote_mmaction.toolkit.benchmarking import data
from mote_mmaction.testing import tiny_video_pipeline


def _args(**kw):
    a = dict(ann_file=None, data_root='', synthetic=['short256'],
             num_videos=1, video_seconds=0.1, video_fps=10, codec='mp4v',
             seed=0)
    a.update(kw)
    return types.SimpleNamespace(**a)


def test_video_sets_generated_and_kept(tmp_path):
    """One folder per set; its description (size, source, file sizes);
    clips already in --video-dir are reused, not written again."""
    root = str(tmp_path)
    sets = data.video_sets(_args(synthetic=['short256', 'motion64']), root)
    assert set(sets) == {'short256', 'motion64'}
    path = osp.join(root, 'short256', 'short256_0.mp4')
    assert sets['short256']['files'] == [path]
    desc = sets['short256']['desc']
    assert desc == dict(source='generated', size='340x256', seconds=0.1,
                        fps=10, codec='mp4v', videos=1,
                        mean_file_mb=osp.getsize(path) / 2**20)
    motion = sets['motion64']
    assert len(motion['files']) == 1 and osp.isfile(motion['files'][0])
    assert motion['files'][0].startswith(osp.join(root, 'motion64'))
    assert (motion['desc']['size'], motion['desc']['frames'],
            motion['desc']['videos']) == ('64x64', 16, 1)
    with open(path, 'wb') as f:
        f.write(b'kept')
    again = data.video_sets(_args(), root)
    with open(path, 'rb') as f:
        assert f.read() == b'kept'
    assert again['short256']['desc']['mean_file_mb'] == 4 / 2**20


def test_video_sets_of_an_ann_file(tmp_path):
    """--ann-file: its videos under --data-root, one set named 'given'."""
    ann = tmp_path / 'list.txt'
    ann.write_text('a/x.mp4 0\n\nb/y.mp4 3\n')
    sets = data.video_sets(_args(ann_file=str(ann), data_root='root'), '')
    assert sets == dict(given=dict(
        files=[osp.join('root', 'a/x.mp4'), osp.join('root', 'b/y.mp4')],
        desc=dict(source='--ann-file', videos=2)))


def test_bench_data_tiny(tmp_path, monkeypatch):
    """Only the splits with a pipeline run; each row is clips/s of one
    worker with the shape of a clip; generated clips and temporary files
    are removed afterwards."""
    scratch = tmp_path / 'tmp'
    scratch.mkdir()
    monkeypatch.setattr(tempfile, 'tempdir', str(scratch))
    cfg = Config(dict(val_pipeline=tiny_video_pipeline(clip_len=4)))
    args = _args(decoders=None, video_dir=None, synthetic=['motion64'],
                 pipelines=['train', 'val'], warmup=1, clips=2, repeats=1,
                 loader_workers=[1, 2], loader_batch=1, loader_batches=1)
    r = data.bench_data(cfg, args)
    assert set(r['pipelines']) == {'val_pipeline/motion64'}
    row = r['pipelines']['val_pipeline/motion64']
    assert row['unit'] == 'clips/s per worker'
    assert row['output_shape'] == [1, 3, 4, 32, 32]
    assert row['output_dtype'] == 'torch.uint8'
    # one repeat: clips/s = 1 / seconds per clip
    assert row['median'] * row['ms_per_clip'] == pytest.approx(1e3)
    assert r['median'] == row['median'] and r['clips_per_repeat'] == 2
    assert r['video_sets']['motion64']['videos'] == 1
    # beside the rate: the decoder's ceiling on the same file; a clip's 4
    # frames cost at least 4 and at most the 16 frames of the video
    assert row['ceiling_frames_per_s'] > 0
    assert 4 <= row['gop_frames_per_clip'] <= 16
    assert row['decoded_frames_per_clip'] is None  # decord does not count
    assert row['fraction_of_ceiling'] == pytest.approx(
        row['median'] / row['ceiling_rate'])
    # the real DataLoader with 1 and 2 workers
    assert set(r['loader']['val_pipeline/motion64']['by_workers']) == {
        '1', '2'}
    assert os.listdir(scratch) == []
