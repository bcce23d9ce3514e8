# Copyright (c) OpenMMLab. All rights reserved.
"""The decoder ceiling of ``--mode data``: the GOP cost model, the
keyframes read from a file, the decode probe on a real pipeline, the
fields of a row; and the real DataLoader run. Fields and invariants only,
never a speed."""
import types

import pytest
from _compressed_videos import write_pan_h264
from mmengine.config import Config

from mote_mmaction.toolkit.benchmarking import ceiling, loader
from mote_mmaction.toolkit.benchmarking.decoders import with_decoder
from mote_mmaction.toolkit.benchmarking.pipelines import video_datasets
from mote_mmaction.testing import tiny_video_pipeline


@pytest.mark.parametrize('indices,keys,expected', [
    ([5], [0], 6),                      # from the only keyframe
    ([5], [0, 4], 2),                   # from the keyframe at 4
    ([2, 5], [0, 4], 3 + 2),            # restart at 4 saves 1 frame
    ([2, 3], [0, 4], 3 + 1),            # go on: no restart
    ([3, 4], [0, 4], 4 + 1),            # next frame is the keyframe
    ([9, 1, 9, 1], [0, 8], 2 + 2),      # order and repeats do not matter
])
def test_gop_frames(indices, keys, expected):
    assert ceiling.min_frames_to_decode(indices, keys) == expected


@pytest.fixture(scope='module')
def clip(tmp_path_factory):
    path = str(tmp_path_factory.mktemp('ceiling') / 'pan.mp4')
    write_pan_h264(path, num_frames=24, size=(64, 48), keyint=8)
    return path


def test_keyframes_and_ceiling_of_a_file(clip):
    assert ceiling.keyframe_ranks(clip) == [0, 8, 16]
    assert ceiling.decode_all(clip) == 24
    assert ceiling.time_ceiling([clip]) > 0
    assert ceiling.file_keyframes([clip, clip + '.missing']) == {
        clip: [0, 8, 16], clip + '.missing': None}


@pytest.mark.parametrize('variant,counts', [('pyav', True),
                                            ('decord', False)])
def test_probe_records_each_clip(clip, variant, counts):
    """The probe sees the sorted unique indices of every decoded clip and
    the frames a counting reader (PyAV) decoded, within the GOP model."""
    pipe = with_decoder(tiny_video_pipeline(clip_len=4), variant)
    ds = video_datasets([clip], {'': pipe}, True)['']
    probe = ceiling.DecodeProbe().attach(ds)
    ds[0]
    probe.enabled = False
    ds[0]
    assert len(probe.records) == 1
    rec = probe.records[0]
    assert rec['file'] == clip and rec['indices'] == sorted(
        set(rec['indices']))
    gop = ceiling.min_frames_to_decode(rec['indices'], [0, 8, 16])
    if counts:
        assert len(rec['indices']) <= rec['decoded'] <= gop + 2
    else:
        assert rec['decoded'] is None
    row = ceiling.ceiling_fields([2.0, 4.0], probe.records,
                                 {clip: [0, 8, 16]}, [100.0, 300.0],
                                 views=3)
    assert row['gop_frames_per_clip'] == gop
    assert row['ceiling_frames_per_s'] == 200.0
    assert row['ceiling_rate'] == pytest.approx(200.0 / gop * 3)
    assert row['fraction_of_ceiling'] == pytest.approx(
        3.0 * 3 / row['ceiling_rate'])


def test_probe_needs_a_decode_step():
    ds = types.SimpleNamespace(pipeline=types.SimpleNamespace(
        transforms=[]))
    with pytest.raises(ValueError, match='no decode step'):
        ceiling.DecodeProbe().attach(ds)


def test_real_dataloader_one_and_two_workers(clip):
    """Fresh loaders with 1 and 2 workers, interleaved: a rate per count,
    scaling against the first count, the config's collate."""
    pipe = with_decoder(tiny_video_pipeline(clip_len=2), 'pyav')
    args = types.SimpleNamespace(loader_workers=[1, 2], loader_batch=2,
                                 loader_batches=2, repeats=1)
    cfg = Config(dict(val_dataloader=dict(batch_size=8, pin_memory=True)))
    r = loader.run_loader(cfg, args, 'val', [clip], pipe, 1)
    assert set(r['by_workers']) == {'1', '2'}
    assert r['scaling']['1'] == 1.0 and r['scaling']['2'] > 0
    assert r['batch'] == 2 and r['collate'] == 'pseudo_collate'
    assert all(v['median'] > 0 for v in r['by_workers'].values())
    args.loader_workers = []
    assert loader.run_loader(cfg, args, 'val', [clip], pipe, 1) is None
