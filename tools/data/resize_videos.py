# Copyright (c) OpenMMLab. All rights reserved.
"""Re-encode a video dataset for fast decoding: short side 256, h264 with a
keyframe every ``--keyint`` frames (default: every frame).

    python tools/data/resize_videos.py data/kinetics400/videos_train \\
        data/kinetics400/videos_train_256 --workers 16 \\
        --ann-file data/kinetics400/kinetics400_train_list_videos.txt

Why: decoding, not the model, bounds a MoTE training step (see
docs/benchmark.md). A decoder reaches a sampled frame by decoding from the
keyframe before it, so the cost of a random frame grows with the keyframe
interval (YouTube/Kinetics files often have one keyframe per 5-10 s) and
with the frame size. The defaults come from the storage-format table in
docs/benchmark.md (``benchmark.py --mode data --formats``): short side 256
(the size the training pipeline resizes to anyway, and the authors' test
resize still runs on it) and every frame a keyframe (``--keyint 1``),
so a training clip decodes exactly its 8 frames: the only interval at
short side 256 measured at the 42 train clips/s per worker that one GPU's
14 workers need. Larger intervals save disk and cost speed: against the
default, ``--keyint 4`` takes 0.63-0.65x the bytes for 2.6x fewer train
clips/s, ``8`` 0.42-0.44x for 2.6-3.0x fewer, ``16`` 0.28-0.34x for
2.9-3.4x fewer.
``--short-side 224`` is 20 % smaller and 1.1-1.2x faster, but the training
pipeline then up-scales to 256 and test frames are no longer resized from
the source as the authors did. The frames are re-encoded once, a small
generation loss at CRF 23 (``--crf 18`` for nearly lossless).

What it does, per video (a process pool, ``--workers``):

- decodes with PyAV (FFmpeg from PyAV's wheel; no system FFmpeg), scales
  to short side ``--short-side`` (never up; both sides even), encodes
  h264 (libx264, yuv420p, ``--crf``, ``--preset``, keyframe interval
  ``--keyint``) at the source's average frame rate, no audio (MoTE reads
  none), into ``DST/<same relative path>.mp4``;
- writes to a temporary file in the destination folder and renames it
  when complete, so an existing output is always whole: a second run
  skips them (resumable; ``--overwrite`` redoes them);
- skips unreadable files (missing, empty, truncated, not a video, a
  decoder crash or a hang past ``--timeout``) and lists them with the
  reason in ``--failed`` (``path<TAB>reason``, the format of
  ``tools/data/check_videos.py``);
- with ``--ann-file``, writes the list for the new files (``.mp4``
  names, failed videos left out) to ``--out-list``;
- prints a summary and writes ``--report`` (one TSV line per video:
  source, status, detail, sizes, bytes before/after).

Only the standard library and PyAV are used: the script starts fast and
runs on machines without the training stack.
"""
import argparse
import multiprocessing
import os
import os.path as osp
import sys
import tempfile
import time
from collections import Counter
from fractions import Fraction
from typing import List, Optional, Tuple

VIDEO_EXTS = ('.mp4', '.avi', '.mkv', '.webm', '.mov', '.m4v', '.flv',
              '.mpg', '.mpeg', '.3gp')
CRASH = 'decoder crashed or timed out'


def parse_args(argv=None):
    p = argparse.ArgumentParser(
        description='Re-encode videos to short side 256 with short '
        'keyframe intervals (default: every frame a keyframe).')
    p.add_argument('src', help='folder of the source videos')
    p.add_argument('dst', help='folder of the re-encoded videos')
    p.add_argument('--ann-file',
                   help='video list (`path label` lines, paths relative '
                   'to SRC); default: every video file under SRC')
    p.add_argument('--out-list',
                   help='list of the new files (default: DST/<name of '
                   '--ann-file>)')
    p.add_argument('--short-side', type=int, default=256)
    p.add_argument('--keyint', type=int, default=1,
                   help='frames between keyframes (default 1: every frame '
                   'a keyframe, the fastest to sample; larger values save '
                   'disk, see docs/benchmark.md)')
    p.add_argument('--crf', type=int, default=23)
    p.add_argument('--preset', default='veryfast')
    p.add_argument('--workers', type=int, default=max(os.cpu_count() or 1,
                                                      1))
    p.add_argument('--timeout', type=float, default=600.,
                   help='seconds per video before it counts as a decoder '
                   'crash/hang (default 600)')
    p.add_argument('--overwrite', action='store_true',
                   help='re-encode videos whose output exists')
    p.add_argument('--failed', default=None,
                   help='`path<TAB>reason` of the skipped unreadable '
                   'videos (default DST/failed_videos.txt)')
    p.add_argument('--report', default=None,
                   help='per-video TSV report (default DST/'
                   'resize_report.tsv)')
    p.add_argument('--delimiter', default=' ')
    return p.parse_args(argv)


def target_size(width: int, height: int, short: int) -> Tuple[int, int]:
    """``(w, h)`` with the short side ``short`` (never up-scaled), the
    aspect ratio kept, both even (yuv420p)."""
    scale = min(1.0, short / min(width, height))
    w = max(2, int(width * scale / 2 + 0.5) * 2)
    h = max(2, int(height * scale / 2 + 0.5) * 2)
    return w, h


def output_path(dst: str, rel: str) -> str:
    return osp.join(dst, osp.splitext(rel)[0] + '.mp4')


def _file_mode() -> int:
    """``0o666`` less the umask: what ``open()`` would give (``mkstemp``
    makes files private)."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def _atomic_write_text(path: str, text: str) -> None:
    folder = osp.dirname(osp.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix='.tmp_', dir=folder)
    try:
        with os.fdopen(fd, 'w', encoding='utf-8') as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, _file_mode())
        os.replace(tmp, path)
    except BaseException:
        if osp.exists(tmp):
            os.unlink(tmp)
        raise


def _one_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    msg = f'{type(error).__name__}: {text[0]}' if text else \
        type(error).__name__
    return msg.replace('\t', ' ')[:200]


def resize_one(src: str, out: str, short: int, keyint: int, crf: int,
               preset: str) -> Tuple[str, str, int, int]:
    """Re-encode one video. Returns ``(status, detail, in_bytes,
    out_bytes)``; status is ``done`` or ``failed`` (with the reason)."""
    if not osp.exists(src):
        return 'failed', 'missing file', 0, 0
    size = osp.getsize(src)
    if size == 0:
        return 'failed', 'empty file (0 bytes)', 0, 0
    import av
    from av.video.frame import PictureType
    os.makedirs(osp.dirname(osp.abspath(out)), exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix='.tmp_', suffix='.mp4',
                               dir=osp.dirname(osp.abspath(out)))
    os.close(fd)
    try:
        try:
            source = av.open(src)
        except Exception as e:  # noqa: BLE001 - PyAV raises many types
            return 'failed', f'cannot open: {_one_line(e)}', size, 0
        with source:
            if not source.streams.video:
                return 'failed', 'cannot open: no video stream', size, 0
            vin = source.streams.video[0]
            vin.thread_type = 'AUTO'
            rate = vin.average_rate or vin.guessed_rate or Fraction(30)
            step = 1 / Fraction(rate)
            sw = sh = w = h = 0
            frames = 0
            with av.open(tmp, 'w', format='mp4') as sink:
                vout = None
                try:
                    for frame in source.decode(vin):
                        if vout is None:
                            sw, sh = frame.width, frame.height
                            w, h = target_size(sw, sh, short)
                            vout = sink.add_stream('libx264', rate=rate)
                            vout.width, vout.height = w, h
                            vout.pix_fmt = 'yuv420p'
                            vout.options = dict(
                                crf=str(crf), preset=preset,
                                g=str(keyint), keyint_min=str(keyint),
                                sc_threshold='0', threads='1')
                        img = frame.reformat(width=w, height=h,
                                             format='yuv420p',
                                             interpolation='AREA')
                        # a fresh timeline at the output rate, and no frame
                        # types forced from the source (x264 would obey
                        # them and ignore --keyint)
                        img.pts = frames
                        img.time_base = step
                        img.pict_type = PictureType.NONE
                        for packet in vout.encode(img):
                            sink.mux(packet)
                        frames += 1
                except Exception as e:  # noqa: BLE001
                    if frames == 0:
                        return ('failed', f'cannot decode: {_one_line(e)}',
                                size, 0)
                    # a truncated tail: keep what decodes, say so
                    detail_tail = f'; stopped after {frames} frames: ' \
                        f'{_one_line(e)}'
                else:
                    detail_tail = ''
                if vout is None:
                    return 'failed', 'no frames', size, 0
                for packet in vout.encode():
                    sink.mux(packet)
        with open(tmp, 'rb+') as f:
            os.fsync(f.fileno())
        os.chmod(tmp, _file_mode())
        os.replace(tmp, out)
        return ('done', f'{sw}x{sh}->{w}x{h}, {frames} frames, keyint '
                f'{keyint}{detail_tail}', size, osp.getsize(out))
    finally:
        if osp.exists(tmp):
            os.unlink(tmp)


def _job(args):
    return resize_one(*args)


def list_videos(args) -> List[str]:
    """Relative paths of the videos, in list (or sorted walk) order."""
    if args.ann_file:
        with open(args.ann_file, encoding='utf-8') as f:
            return [ln.strip().split(args.delimiter)[0] for ln in f
                    if ln.strip()]
    rels = []
    for folder, _, names in os.walk(args.src):
        for name in names:
            if name.lower().endswith(VIDEO_EXTS):
                rels.append(osp.relpath(osp.join(folder, name), args.src))
    return sorted(rels)


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    if not osp.isdir(args.src):
        sys.exit(f'source folder not found: {args.src}')
    if args.ann_file and not osp.isfile(args.ann_file):
        sys.exit(f'annotation file not found: {args.ann_file}')
    if osp.abspath(args.src) == osp.abspath(args.dst):
        sys.exit('DST must differ from SRC')
    try:
        import av  # noqa: F401
    except ImportError:
        sys.exit('resize_videos.py needs PyAV: pip install av')
    rels = list_videos(args)
    start = time.time()
    rows, todo = {}, []
    for rel in rels:
        out = output_path(args.dst, rel)
        if osp.isfile(out) and not args.overwrite:
            rows[rel] = ('skipped', 'output exists (resumed)', 0,
                         osp.getsize(out))
        else:
            todo.append(rel)
    print(f'{len(rels)} videos: {len(rels) - len(todo)} already done, '
          f'{len(todo)} to re-encode with {args.workers} processes',
          flush=True)
    step = max(len(todo) // 20, 100)
    pool = multiprocessing.Pool(max(args.workers, 1))
    try:
        jobs = [(rel, pool.apply_async(_job, ((
            osp.join(args.src, rel), output_path(args.dst, rel),
            args.short_side, args.keyint, args.crf, args.preset), )))
                for rel in todo]
        for i, (rel, job) in enumerate(jobs, 1):
            try:
                rows[rel] = job.get(args.timeout)
            except multiprocessing.TimeoutError:
                rows[rel] = ('failed', f'{CRASH} (no result after '
                             f'{args.timeout:g} s)', 0, 0)
            except Exception as e:  # noqa: BLE001 - one video, not the run
                rows[rel] = ('failed', _one_line(e), 0, 0)
            if i % step == 0 and i < len(jobs):
                print(f'  {i}/{len(jobs)} ({time.time() - start:.0f} s)',
                      flush=True)
    finally:
        pool.terminate()
        pool.join()

    failed = [(rel, r[1]) for rel, r in rows.items() if r[0] == 'failed']
    failed_path = args.failed or osp.join(args.dst, 'failed_videos.txt')
    _atomic_write_text(failed_path, ''.join(
        f'{osp.join(args.src, rel)}\t{reason}\n' for rel, reason in failed))
    report = args.report or osp.join(args.dst, 'resize_report.tsv')
    _atomic_write_text(report, 'source\tstatus\tdetail\tin_bytes\t'
                       'out_bytes\n' + ''.join(
                           f'{rel}\t{s}\t{d}\t{a}\t{b}\n'
                           for rel, (s, d, a, b) in ((r, rows[r])
                                                     for r in rels)))
    if args.ann_file:
        out_list = args.out_list or osp.join(args.dst,
                                             osp.basename(args.ann_file))
        bad = {rel for rel, _ in failed}
        lines = []
        with open(args.ann_file, encoding='utf-8') as f:
            for ln in f:
                if not ln.strip():
                    continue
                fields = ln.strip().split(args.delimiter)
                if fields[0] in bad:
                    continue
                fields[0] = osp.splitext(fields[0])[0] + '.mp4'
                lines.append(args.delimiter.join(fields) + '\n')
        _atomic_write_text(out_list, ''.join(lines))
        print(f'list of the new files: {out_list}')
    counts = Counter(r[0] for r in rows.values())
    done = [r for r in rows.values() if r[0] == 'done']
    size_in = sum(r[2] for r in done)
    size_out = sum(r[3] for r in done)
    ratio = f', size {size_out / size_in:.2f}x of the sources' \
        if size_in else ''
    print(f'{len(rels)} videos in {time.time() - start:.1f} s: '
          f'{counts["done"]} re-encoded{ratio}, {counts["skipped"]} '
          f'skipped (already done), {counts["failed"]} unreadable (listed '
          f'in {failed_path}); report: {report}')
    for reason, num in Counter(
            r.split(':')[0].split(' (')[0] for _, r in failed).most_common():
        print(f'  {num:6d}  {reason}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
