# Copyright (c) OpenMMLab. All rights reserved.
"""tools/data/sthv2/build_lists.py on small official-shaped JSON files."""
import json

from _inprocess_tools import run_script

P = 'something-something-v2'


def run(*args):
    return run_script('tools/data/sthv2/build_lists.py', *args)


def tree(tmp_path):
    ann = tmp_path / 'ann'
    ann.mkdir()
    (ann / f'{P}-labels.json').write_text(json.dumps({
        'Holding something next to something': '1',
        'Approaching something with your camera': '0',
        'Tearing something that is not tearable': '2'}))
    (ann / f'{P}-train.json').write_text(json.dumps([
        dict(id='78687', template='Holding [something] next to [something]'),
        dict(id='42326',
             template='Tearing [something that is not tearable]')]))
    (ann / f'{P}-validation.json').write_text(json.dumps([
        dict(id='1420', template='Approaching [something] with your camera')
    ]))
    return ann


def test_sthv2_lists(tmp_path):
    ann, out = tree(tmp_path), tmp_path / 'out'
    res = run(ann, '--out-dir', out)
    assert res.returncode == 0, res.stderr
    assert (out / 'sthv2_class_names.txt').read_text().splitlines() == [
        'Approaching something with your camera',
        'Holding something next to something',
        'Tearing something that is not tearable']
    assert (out / 'sthv2_train_list_videos.txt').read_text() == \
        '78687.webm 1\n42326.webm 2\n'
    assert (out / 'sthv2_val_list_videos.txt').read_text() == '1420.webm 0\n'
    res = run(ann, '--out-dir', out, '--placeholder-text', 'an object')
    assert (out / 'sthv2_class_names.txt').read_text().splitlines()[1:] == [
        'Holding an object next to an object',
        'Tearing an object that is not tearable']


def test_sthv2_errors(tmp_path):
    ann = tree(tmp_path)
    (ann / f'{P}-validation.json').write_text(json.dumps(
        [dict(id='9', template='Juggling [something]')]))
    res = run(ann, '--out-dir', tmp_path / 'out')
    assert res.returncode != 0 and 'Traceback' not in res.stderr
    assert 'validation.json item 0 (id 9)' in res.stderr
    (ann / f'{P}-validation.json').write_text(json.dumps([dict(id='9')]))
    res = run(ann, '--out-dir', tmp_path / 'out')
    assert 'test JSON has no labels' in res.stderr
