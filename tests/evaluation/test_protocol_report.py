# Copyright (c) OpenMMLab. All rights reserved.
"""Few-shot and base-to-novel reports: reading test runs' metrics, telling
runs apart by their paths, the aggregate numbers and their tables. The
expected numbers are worked out by hand from the inputs."""
import json
import math
import re

import pytest

from mote_mmaction.evaluation.protocol_report import (base2novel_summary,
                                                      collect,
                                                      fewshot_summary,
                                                      format_base2novel,
                                                      format_fewshot,
                                                      read_test_top1, tags)

SHOTS = r'k(?P<shots>\d+)_seed(?P<seed>\d+)'


def _metrics(run, stamp, obj):
    """What MMEngine's LoggerHook leaves after a test:
    ``<run>/<stamp>/<stamp>.json``."""
    d = run / stamp
    d.mkdir(parents=True, exist_ok=True)
    path = d / f'{stamp}.json'
    path.write_text(obj if isinstance(obj, str) else json.dumps(obj))
    return path


def test_read_test_top1_takes_the_newest_test(tmp_path):
    """The newest ``<stamp>/<stamp>.json`` of a run, in percent; other
    JSON files (any name but the stamp's) are not test metrics."""
    run = tmp_path / 'k1_seed1'
    old = _metrics(run, '20260101_000000', {'acc/top1': 0.5})
    _metrics(run, '20260102_000000', {'acc/top1': 0.625, 'acc/mean1': 0.6})
    (run / '20260103_000000').mkdir()
    (run / '20260103_000000' / 'scalars.json').write_text('{"acc/top1": 1}')
    assert read_test_top1(str(run)) == 62.5
    assert read_test_top1(str(run), metric='acc/mean1') == 60.0
    assert read_test_top1(str(old)) == 50.0  # one file, as given


def test_read_test_top1_errors_name_the_run_or_file(tmp_path):
    """No metrics, a broken file, a missing metric or a non-object JSON:
    each error names the path and what was expected or found."""
    run = tmp_path / 'run'
    run.mkdir()
    with pytest.raises(FileNotFoundError,
                       match=re.escape(f'{run}: no test metrics')):
        read_test_top1(str(run))
    bad = _metrics(run, '20260101_000000', '{"acc/top1": ')
    with pytest.raises(ValueError,
                       match=re.escape(f'{bad}: not a metrics JSON')):
        read_test_top1(str(run))
    bad.write_text('{"acc/top5": 0.9, "acc/mean1": 0.4}')
    with pytest.raises(KeyError, match=r"no 'acc/top1' in the test metrics "
                       r"\(found \['acc/mean1', 'acc/top5'\]\)"):
        read_test_top1(str(run))
    bad.write_text('[0.5]')
    with pytest.raises(KeyError, match=r'\(found \[\]\)'):
        read_test_top1(str(bad))


def test_tags_from_paths():
    """Named groups of the pattern, found anywhere in the path, with
    Windows separators read as ``/``; a path that does not match says
    so."""
    assert tags('work_dirs/ucf/k16_seed2/test', SHOTS) == dict(
        shots='16', seed='2')
    b2n = r'seed(?P<seed>\d+)/test_(?P<half>base|novel)'
    assert tags('work_dirs\\seed3\\test_novel', b2n) == dict(
        seed='3', half='novel')
    with pytest.raises(ValueError, match='work_dirs/run1: does not match'):
        tags('work_dirs/run1', SHOTS)


def test_collect_reads_each_run(tmp_path):
    """``(tags, top1)`` per run, in the given order; a run whose path does
    not match fails before its metrics are read."""
    runs = []
    for seed, acc in ((2, 0.25), (1, 0.75)):
        run = tmp_path / f'k4_seed{seed}'
        _metrics(run, '20260101_000000', {'acc/top1': acc})
        runs.append(str(run))
    assert collect(runs, SHOTS) == [(dict(shots='4', seed='2'), 25.0),
                                    (dict(shots='4', seed='1'), 75.0)]
    with pytest.raises(ValueError, match='does not match'):
        collect(runs + [str(tmp_path / 'missing')], SHOTS)


def test_fewshot_summary_and_table():
    """Per K (ascending): sample mean +- std over seeds, seeds sorted."""
    results = {(2, 3): 70.0, (16, 1): 80.0, (2, 1): 50.0, (1, 1): 40.0,
               (2, 2): 60.0}
    s = fewshot_summary(results)
    assert list(s['shots']) == [1, 2, 16]
    assert s['shots'][2] == dict(mean=60.0, std=10.0, n=3,
                                 seeds={1: 50.0, 2: 60.0, 3: 70.0})
    assert list(s['shots'][2]['seeds']) == [1, 2, 3]
    assert s['shots'][1] == dict(mean=40.0, std=0.0, n=1, seeds={1: 40.0})
    assert format_fewshot(s).splitlines() == [
        '   K  seeds     top-1 (mean +- std)',
        '   1      1' + ' ' * 11 + '40.0 +- 0.0  ',
        '   2      3' + ' ' * 11 + '60.0 +- 10.0 ',
        '  16      1' + ' ' * 11 + '80.0 +- 0.0  ',
    ]


def test_base2novel_summary_and_table():
    """Per seed base, novel and their HM; over seeds the mean +- std of
    each and ``hm``, the HM of the mean base and mean novel accuracy."""
    s = base2novel_summary({2: dict(base=70.0, novel=50.0),
                            1: dict(base=80.0, novel=60.0)})
    hm1, hm2 = 2 * 80 * 60 / 140, 2 * 70 * 50 / 120
    assert list(s['seeds']) == [1, 2]
    assert s['seeds'][1] == dict(base=80.0, novel=60.0,
                                 hm=pytest.approx(hm1))
    assert s['seeds'][2]['hm'] == pytest.approx(hm2)
    assert s['base'] == dict(mean=75.0, std=pytest.approx(math.sqrt(50)),
                             n=2)
    assert s['novel'] == dict(mean=55.0, std=pytest.approx(math.sqrt(50)),
                              n=2)
    assert s['hm'] == pytest.approx(2 * 75 * 55 / 130)
    assert s['hm_per_seed'] == dict(
        mean=pytest.approx((hm1 + hm2) / 2),
        std=pytest.approx(abs(hm1 - hm2) / math.sqrt(2)), n=2)
    assert format_base2novel(s).splitlines() == [
        '  seed    base   novel      HM',
        '     1    80.0    60.0    68.6',
        '     2    70.0    50.0    58.3',
        '  mean    75.0    55.0    63.5',
        '   std     7.1     7.1     7.2',
    ]
    # a half at 0 gives an HM of 0, not a division error
    assert base2novel_summary({1: dict(base=80.0, novel=0.0)})['hm'] == 0.0


@pytest.mark.parametrize('results,match', [
    ({}, 'no base-to-novel results'),
    ({1: dict(base=80.0, novel=60.0), 2: dict(base=70.0)},
     'seed 2: no novel test result'),
    ({3: {}}, 'seed 3: no base and novel test result'),
    ({1: dict(base=80.0, novel=-1.0)}, 'does not support negative values'),
])
def test_base2novel_bad_input(results, match):
    """Seeds without both halves, no seeds, or a negative accuracy are
    refused naming the problem."""
    with pytest.raises(ValueError, match=match):
        base2novel_summary(results)
