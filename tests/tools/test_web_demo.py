# Copyright (c) OpenMMLab. All rights reserved.
"""tools/demo/web_demo.py in a real browser: the Gradio server on
127.0.0.1, driven by headless Chromium (Debian's ``chromium`` and
``chromium-driver``, through Selenium): upload a generated clip, type
labels, press Score, read the ranked output, the frames and rho.

Skipped only where no Chromium / chromedriver is installed (``.ci/run``
installs them)."""
import os.path as osp
import shutil
import sys

import pytest
from mmengine.config import Config

from _torchrun import free_port
from mote_mmaction.testing import (save_tiny_checkpoint, tiny_mote_model_cfg,
                                   tiny_video_pipeline)
from mote_mmaction.testing.synthetic_videos import write_motion_clip

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, osp.join(REPO, 'tools', 'demo'))

CHROMIUM = shutil.which('chromium') or shutil.which('chromium-browser')
DRIVER = shutil.which('chromedriver')
TRAIN = ['moving left', 'moving right', 'growing', 'shrinking']
CLIP_LEN = 8


def test_parse_labels():
    from web_demo import parse_labels
    assert parse_labels('a, b\n c ,,\n\na\nd e') == ['a', 'b', 'c', 'd e']
    assert parse_labels('') == []


@pytest.fixture(scope='module')
def scorer(tmp_path_factory):
    from demo_video import load_model
    from web_demo import VideoScorer
    tmp = tmp_path_factory.mktemp('web_demo')
    cfg = Config(dict(
        default_scope='mmaction',
        custom_imports=dict(imports=['mote_mmaction']),
        model=tiny_mote_model_cfg(TRAIN, num_layers=1),
        test_pipeline=tiny_video_pipeline(clip_len=CLIP_LEN, num_clips=1)))
    cfg_path, ckpt, _ = save_tiny_checkpoint(cfg, str(tmp), 'cfg')
    video = str(tmp / 'growing.mp4')
    write_motion_clip(video, 'growing', num_frames=16, seed=4)
    return VideoScorer(load_model(cfg_path, ckpt)), video


def test_scorer_ranks_frames_and_rho(scorer):
    from demo_video import classify
    sc, video = scorer
    labels = ['a dog barking', 'growing', 'moving left']
    ranked = sc.score(video, labels)
    assert sorted(n for n, _ in ranked) == sorted(labels)
    assert [p for _, p in ranked] == sorted([p for _, p in ranked],
                                            reverse=True)
    assert sum(p for _, p in ranked) == pytest.approx(1, abs=1e-4)
    rho = sc.rho()
    assert 0 < rho < 1  # a vocabulary other than the training one
    frames = sc.frames()
    assert len(frames) == CLIP_LEN and frames[0].dtype.name == 'uint8'
    # the same model through MMAction2's inference API: the same ranking
    ref = classify(sc.model, video, labels, topk=3)
    assert [n for n, _ in ref] == [n for n, _ in ranked]
    assert [p for _, p in ref] == pytest.approx([p for _, p in ranked])
    sc.score(video, [])  # empty: the training vocabulary, rho 1
    assert sc.rho() == 1.0


@pytest.mark.skipif(not (CHROMIUM and DRIVER),
                    reason='needs chromium and chromedriver (apt-get '
                    'install chromium chromium-driver)')
def test_web_demo_in_a_browser(scorer):
    pytest.importorskip('gradio')
    webdriver = pytest.importorskip('selenium.webdriver')
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    from demo_video import classify
    from web_demo import build_app
    sc, video = scorer
    app = build_app(sc, topk=3)
    port = free_port()
    app.launch(server_name='127.0.0.1', server_port=port,
               prevent_thread_lock=True, quiet=True)
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ('--headless=new', '--no-sandbox', '--disable-gpu',
                '--disable-dev-shm-usage', '--window-size=1280,1600'):
        options.add_argument(arg)
    driver = webdriver.Chrome(
        service=webdriver.ChromeService(executable_path=DRIVER),
        options=options)
    try:
        wait = WebDriverWait(driver, 20)
        driver.get(f'http://127.0.0.1:{port}/')
        upload = wait.until(ec.presence_of_element_located(
            (By.CSS_SELECTOR, '#video input[type=file]')))
        upload.send_keys(video)
        wait.until(ec.presence_of_element_located(
            (By.CSS_SELECTOR, '#video video')))
        box = driver.find_element(By.CSS_SELECTOR, '#labels textarea')
        box.clear()
        box.send_keys('a dog barking, growing\nmoving left')
        driver.find_element(By.CSS_SELECTOR, '#score').click()
        ranking = wait.until(lambda d: d.find_element(
            By.CSS_SELECTOR, '#ranking textarea').get_attribute('value'))
        lines = ranking.splitlines()
        ref = classify(sc.model, video,
                       ['a dog barking', 'growing', 'moving left'], topk=3)
        assert lines == [f'{i}. {n}: {p:.4f}'
                         for i, (n, p) in enumerate(ref, 1)]
        # the bars: every label, the top one first
        bars = driver.find_element(By.CSS_SELECTOR, '#bars').text
        assert all(n in bars for n, _ in ref)
        assert bars.index(ref[0][0]) < bars.index(ref[-1][0])
        rho = driver.find_element(By.CSS_SELECTOR, '#rho').text
        assert f'rho = {sc.rho():.3f}' in rho
        frames = wait.until(lambda d: d.find_elements(
            By.CSS_SELECTOR, '#frames img') or None)
        assert len(frames) == CLIP_LEN
    finally:
        driver.quit()
        app.close()
