# Copyright (c) OpenMMLab. All rights reserved.
"""``--formats``: a generated source re-encoded by resize_videos.py to each
short side and keyframe interval, the pipelines timed on each, a markdown
table; fields and invariants only, never a speed."""
import types

from mmengine.config import Config

from mote_mmaction.toolkit.benchmarking import ceiling, formats
from mote_mmaction.testing import tiny_video_pipeline


def test_formats_side_by_side(tmp_path):
    args = types.SimpleNamespace(
        format_sources=['96x64_g30'], format_keyints=[1, 4],
        format_short_sides=[48], format_crf=23, format_decoder='pyav',
        num_videos=1, kinetics_seconds=1.0, kinetics_fps=10, seed=0,
        video_dir=str(tmp_path), ann_file=None, pipelines=['train', 'val'],
        warmup=1, clips=1, repeats=2)
    cfg = Config(dict(train_pipeline=tiny_video_pipeline(clip_len=2),
                      val_pipeline=tiny_video_pipeline(clip_len=2)))
    r = formats.bench_formats(cfg, args)
    names = ['96x64_g30>s48_g1', '96x64_g30>s48_g4']
    assert set(r['pipelines']) == {f'{s}/{n}' for s in ('train', 'val')
                                   for n in names}
    for name in names:
        desc = r['video_sets'][name]
        assert (desc['short_side'], desc['source']) == (48, '96x64_g30')
        assert desc['bytes_per_clip'] > 0
    # the files are what resize_videos.py made: every frame a keyframe,
    # or one every 4 frames
    g1 = str(tmp_path / '96x64_g30_s48_g1' / '0.mp4')
    g4 = str(tmp_path / '96x64_g30_s48_g4' / '0.mp4')
    assert ceiling.keyframe_ranks(g1) == list(range(10))
    assert ceiling.keyframe_ranks(g4) == [0, 4, 8]
    for row in r['pipelines'].values():
        assert row['median'] > 0 and len(row['values']) == 2
        assert row['ceiling_frames_per_s'] > 0
        assert row['decoded_frames_per_clip'] is not None  # pyav counts
    # all-intra: a clip decodes exactly its sampled frames
    assert r['pipelines'][f'train/{names[0]}']['gop_frames_per_clip'] == 2
    table = formats.format_table(r)
    assert table.count('\n') == 1 + len(names)
    assert '| 96x64_g30>s48_g1 |' in table
