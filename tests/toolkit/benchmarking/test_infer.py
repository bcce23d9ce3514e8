# Copyright (c) OpenMMLab. All rights reserved.
"""mote_mmaction.toolkit.benchmarking.infer: the comparison ratios on hand-made
times, and tiny inference benchmarks (CPU, one step per variant)."""
import pytest

from mote_mmaction.toolkit.benchmarking import infer


def test_compare_ratios_by_hand():
    """Each ratio is the median over repeats of the per-repeat ratio of
    step times: merged/deploy = median(2, 2, 3); tfm/merged = median(1.5,
    1, 1.5); tfm/vocab = median(2, 2, 2). Direct shares are carried over
    from the breakdown when there."""
    times = dict(merged=[2.0, 4.0, 6.0], deploy=[1.0, 2.0, 2.0],
                 tfm_7=[3.0, 4.0, 9.0], vocab_7_no_tfm=[1.5, 2.0, 4.5])
    r = infer.compare_ratios(times, 7, dict(tfm_share=0.1, other=5.0))
    assert r['merged_over_deploy'] == 2.0
    assert r['tfm_overhead'] == 0.5
    assert r['tfm_only_overhead'] == 1.0
    assert r['tfm_share'] == 0.1
    assert 'merge_share' not in r and 'other' not in r
    assert '7-class vocabulary' in r['method']


def test_bench_infer_compare(tiny_cfg, bench_args):
    """--compare (TFM vocabulary of 600 by default): the four variants side
    by side; the deploy model, built from the merged weights, predicts
    what the 4-expert model predicts; rates, ratios and shares agree with
    the step times; random tables: the text tower never runs."""
    args = bench_args('--mode', 'infer', '--batch', 1, '--views', 2,
                      '--frames', 2, '--num-classes', 4,
                      '--random-text-tables', '--compare')
    r = infer.bench_infer(tiny_cfg, args)
    assert args.tfm_classes == 600
    assert set(r['compare']) == {'merged', 'deploy', 'tfm_600',
                                 'vocab_600_no_tfm'}
    assert (r['variant'], r['tfm_classes'], r['views_per_step']) == (
        'merged', 600, 2)
    assert r['ratios']['deploy_max_abs_diff'] < 1e-5
    sec = {k: v['seconds_per_step'] for k, v in r['compare'].items()}
    for name, v in r['compare'].items():
        assert v['unit'] == 'views/s'
        assert v['median'] == pytest.approx(2 / sec[name])
        assert v['ms_per_step'] == pytest.approx(1e3 * sec[name])
    assert r['median'] == r['compare']['merged']['median']
    ratios = r['ratios']
    assert ratios['merged_over_deploy'] == pytest.approx(
        sec['merged'] / sec['deploy'])
    assert ratios['tfm_overhead'] == pytest.approx(
        sec['tfm_600'] / sec['merged'] - 1)
    assert ratios['tfm_only_overhead'] == pytest.approx(
        sec['tfm_600'] / sec['vocab_600_no_tfm'] - 1)
    bd = r['breakdown']
    assert {'backbone_ms', 'head_merged_ms', 'merge_ms', 'head_deploy_ms',
            'tfm_ms'} <= set(bd)
    assert bd['test_step_ms'] == pytest.approx(
        r['compare']['merged']['ms_per_step'])
    assert bd['backbone_share'] == pytest.approx(bd['backbone_ms'] /
                                                 bd['test_step_ms'])
    assert bd['head_share'] == pytest.approx(bd['head_merged_ms'] /
                                             bd['test_step_ms'])
    assert bd['merge_share'] == pytest.approx(bd['merge_ms'] /
                                              bd['test_step_ms'])
    assert bd['tfm_share'] == pytest.approx(
        bd['tfm_ms'] / r['compare']['tfm_600']['ms_per_step'])
    for key in ('tfm_share', 'merge_share', 'head_merged_over_deploy'):
        assert ratios[key] == bd[key]
    assert r['text_tower_runs_warmup'] == 0
    assert r['text_tower_runs_during_timing'] == 0


def test_bench_infer_deploy(tiny_cfg, bench_args):
    """--deploy alone: one variant, one FFN per layer, so no eval merge to
    time and nothing to compare; the text table is built in warm-up."""
    args = bench_args('--mode', 'infer', '--batch', 1, '--views', 1,
                      '--frames', 2, '--num-classes', 2,
                      '--text-templates', 1, '--deploy')
    r = infer.bench_infer(tiny_cfg, args)
    assert (r['variant'], r['views'], r['tfm_classes']) == ('deploy', 1, 0)
    assert 'compare' not in r and 'ratios' not in r
    bd = r['breakdown']
    assert 'merge_ms' not in bd and 'head_deploy_ms' not in bd
    assert bd['test_step_ms'] == pytest.approx(r['ms_per_step'])
    assert r['text_tower_runs_warmup'] == 1
    assert r['text_tower_runs_during_timing'] == 0
