# Copyright (c) OpenMMLab. All rights reserved.
"""``--rss-samples``: each decoder's worker memory after a warm-up and
after each sample count, in a forked process; fields only."""
from _compressed_videos import write_pan_h264
from mmengine.config import Config

from mote_mmaction.toolkit.benchmarking import memory
from mote_mmaction.testing import tiny_video_pipeline


def test_rss_per_decoder(tmp_path, monkeypatch):
    monkeypatch.setattr(memory, 'WARMUP', 2)
    clip = str(tmp_path / 'pan.mp4')
    write_pan_h264(clip, num_frames=16, size=(64, 48), keyint=4)
    cfg = Config(dict(train_pipeline=tiny_video_pipeline(clip_len=2)))
    r = memory.rss_over_samples(cfg, [clip], [3, 6], ['decord', 'pyav'])
    assert r['samples'] == [3, 6] and r['files'] == 1
    for v in ('decord', 'pyav'):
        row = r['by_decoder'][v]
        assert 'error' not in row, row
        assert row['after_warmup'] > 0 and row['3'] > 0 and row['6'] > 0
        assert row['growth_mb_per_1k'] == (row['6'] - row['3']) / 0.003
    text = memory.format_rss(r)
    assert 'after 3, 6 samples' in text and 'MiB per 1k samples' in text
