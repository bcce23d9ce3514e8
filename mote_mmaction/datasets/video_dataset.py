# Copyright (c) OpenMMLab. All rights reserved.
import logging
import os
import os.path as osp
from typing import Any, Callable, List, Optional, Set, Tuple, Union

from mmaction.datasets import VideoDataset
from mmaction.registry import DATASETS
from mmengine.logging import print_log

from ..compat.sample_seed import seeded_rng
from ..compat.tool_commands import tool_command, with_tool_commands
from ..vocabulary import (describe_class_names, has_descriptions,
                          load_class_phrasings)
from .list_text import check_duplicates, read_text_lines
from .video_check import (find_bad_videos, read_bad_video_list, short_reason)

#: The script that lists unreadable videos (named in load errors).
CHECK_VIDEOS = 'tools/data/check_videos.py'


class VideoLoadError(RuntimeError):
    """A video could not be loaded and may not be replaced: any failure at
    val/test, or ``max_refetch + 1`` failures in a row in training."""


class BadVideoRecordError(OSError):
    """A training failure could not be recorded (folder not writable, disk
    full): the real ``OSError`` is its cause, never hidden behind
    :class:`VideoLoadError`."""


def _fill_split(value, split):
    """Format ``{split}`` in a string (or a dict of strings)."""
    if split is None:
        return value
    if isinstance(value, str):
        return value.format(split=split)
    if isinstance(value, dict):
        return {k: _fill_split(v, split) for k, v in value.items()}
    return value


def _same_file_key(path: str) -> str:
    return osp.normpath(osp.abspath(path))


@DATASETS.register_module()
class MoTEVideoDataset(VideoDataset):
    """``VideoDataset`` that knows its class names, its split, and what to
    do with videos that fail to load.

    The class names become ``metainfo['classes']``, which
    :class:`MoTEVocabularyHook` hands to the model, so a dataset brings its
    own vocabulary (zero-shot). ``{split}`` in ``ann_file``,
    ``data_prefix`` and ``class_names`` is filled from ``split``, so one
    config variable (``--cfg-options test_dataloader.dataset.split=2``)
    selects a split. Every line of the list is checked when it is read
    (field count, integer labels, labels in ``[0, num classes)``, a label
    on every line unless ``labeled=False``, at least one sample); errors
    name the file and the line, so a bad list fails at start-up, not when
    the sample is drawn hours later.

    Bad videos (missing, empty, truncated, not a video):

    * training (``test_mode=False``): a sample whose pipeline raises is
      replaced by a random other one through MMEngine's refetch loop
      (``BaseDataset.__getitem__`` / ``_rand_another``), at most
      ``max_refetch`` times in a row; then :class:`VideoLoadError` lists
      every file tried with its reason. With
      :class:`MoTEBadVideoReportHook` each failure is appended to a small
      file under ``work_dir/bad_videos/`` (dataloader workers are separate
      processes) and the hook logs each bad file once per run and the
      count per epoch; without the hook the dataset logs each bad file
      itself, once per process (each dataloader worker keeps its own
      record).
    * val/test (``test_mode=True``): never substituted. By default the
      first failure stops with :class:`VideoLoadError` naming the file and
      the reason. With ``skip_bad_videos=True`` the list is checked when
      the dataset is built (:func:`find_bad_videos`, or the list given by
      ``bad_video_list``) and the unreadable videos are left out of the
      dataset, so samplers, metrics and ``len()`` only see good videos;
      :attr:`excluded` holds ``(file, reason)`` and the report hook logs
      them and adds ``excluded_videos`` to the metrics.

    Args:
        ann_file (str): Video list, ``path label`` per line (``path`` or
            ``path -1`` only with ``labeled=False``, several labels with
            ``multi_class``).
        pipeline (list): Transforms.
        class_names (str | list[str], optional): Class-name file or list
            (see :mod:`mote_mmaction.vocabulary`); a descriptor file also
            fills ``metainfo['class_phrasings']``.
        split (int | str, optional): Fills ``{split}`` placeholders.
        data_prefix (dict): Folder of the videos. Defaults to
            ``dict(video='')``.
        max_refetch (int): Training: replacements tried after a failed
            sample before giving up. Defaults to 10.
        skip_bad_videos (bool): Val/test only: leave unreadable videos out
            (and report them) instead of stopping. Defaults to False.
        bad_video_list (str, optional): With ``skip_bad_videos``: a
            ``path<TAB>reason`` file from ``tools/data/check_videos.py``
            (same root) whose videos are left out instead of checking
            every video at start-up (useful for large sets and DDP, where
            each rank would check the whole list). Defaults to None.
        scan_workers (int): Threads of the start-up check. Defaults to 8.
        labeled (bool): Every line must carry a label in range. ``False``
            (val/test only) is for lists unlabeled by design, e.g. videos
            to classify: lines may be ``path`` or ``path -1``. Defaults to
            True.
        missing_hint (str, optional): Appended to the error when the
            annotation or class-name file does not exist and lies under
            the video root (``data_prefix['video']``), e.g. the command
            that makes generated data; a path of the user's own elsewhere
            gets the plain error. A ``python tools/...py`` in it is written
            as ``mim run`` where ``tools/`` is not on disk. Defaults to
            None.
        allow_duplicates (bool): A video may be listed on several lines
            (intended repeats, e.g. oversampling). Otherwise a video listed
            twice, with the same or another label, stops with an error
            naming both lines. Defaults to False.
        **kwargs: Other ``VideoDataset`` arguments.
    """

    def __init__(self,
                 ann_file: str,
                 pipeline: List[Union[dict, Callable]],
                 class_names: Optional[Union[str, List[str]]] = None,
                 split: Optional[Union[int, str]] = None,
                 data_prefix: dict = dict(video=''),
                 max_refetch: int = 10,
                 skip_bad_videos: bool = False,
                 bad_video_list: Optional[str] = None,
                 scan_workers: int = 8,
                 labeled: bool = True,
                 missing_hint: Optional[str] = None,
                 allow_duplicates: bool = False,
                 **kwargs) -> None:
        if not labeled and not kwargs.get('test_mode', False):
            raise ValueError(f'{ann_file}: labeled=False is for val/test '
                             'lists; training needs a label on every line')
        self.labeled = labeled
        self.missing_hint = missing_hint
        self._hint_root = (_fill_split(data_prefix, split) or {}).get('video')
        self.allow_duplicates = allow_duplicates
        self.split = split
        self.skip_bad_videos = skip_bad_videos
        self.bad_video_list = _fill_split(bad_video_list, split)
        self.scan_workers = scan_workers
        #: ``(file, reason)`` left out at val/test (``skip_bad_videos``).
        self.excluded: List[Tuple[str, str]] = []
        #: Folder for training failure records; set by
        #: :class:`MoTEBadVideoReportHook` before the workers start.
        self.bad_video_dir: Optional[str] = None
        self._logged_bad: Set[str] = set()
        self._failures: List[Tuple[str, str]] = []
        class_names = _fill_split(class_names, split)
        #: The class-name file read (``None`` for inline lists).
        self.class_names_file: Optional[str] = os.fspath(class_names) \
            if isinstance(class_names, (str, os.PathLike)) else None
        metainfo = dict(kwargs.pop('metainfo', None) or {})
        if class_names is not None:
            try:
                vocab = load_class_phrasings(class_names)
            except FileNotFoundError as e:
                raise FileNotFoundError(self._with_hint(
                    str(e), class_names)) from None
            metainfo['classes'] = tuple(p[0] for p in vocab)
            if has_descriptions(vocab):  # descriptor vocabulary
                metainfo['class_phrasings'] = tuple(vocab)
        self.classes_source = describe_class_names(class_names, vocab) \
            if class_names is not None else ''
        super().__init__(
            _fill_split(ann_file, split),
            pipeline=pipeline,
            data_prefix=_fill_split(data_prefix, split),
            metainfo=metainfo,
            max_refetch=max_refetch,
            **kwargs)
        if skip_bad_videos and not self.test_mode:
            print_log(
                f'{self.ann_file}: skip_bad_videos only applies to val/test '
                'datasets; in training unreadable videos are replaced by '
                'random others (max_refetch).',
                logger='current',
                level=logging.WARNING)

    def _with_hint(self, message: str, path) -> str:
        """``message`` and ``missing_hint``, if ``path`` is one of the
        dataset's own files (under the video root)."""
        if not self.missing_hint or not isinstance(path, str) or \
                not self._hint_root:
            return message
        root = osp.join(osp.abspath(self._hint_root), '')
        if not osp.abspath(path).startswith(root):
            return message
        return f'{message} ({with_tool_commands(self.missing_hint)})'

    # ------------------------------------------------------------------
    # annotation list
    def _num_label_classes(self) -> Optional[int]:
        classes = self._metainfo.get('classes')
        return len(classes) if classes else self.num_classes

    def load_data_list(self) -> List[dict]:
        """Read the list like ``VideoDataset`` (blank lines are skipped; a
        byte-order mark is dropped, a non-UTF-8 list named by line), check
        every line and that no video is listed twice (unless
        ``allow_duplicates``), and (opt-in, val/test) leave out unreadable
        videos."""
        num = self._num_label_classes()
        if self.multi_class and self.num_classes is None:
            raise ValueError(f'{self.ann_file}: multi_class=True needs '
                             'num_classes')
        try:
            lines = read_text_lines(self.ann_file,
                                    getattr(self, 'backend_args', None))
        except FileNotFoundError:
            raise FileNotFoundError(self._with_hint(
                f'annotation file not found: {self.ann_file}',
                self.ann_file)) from None
        data_list, linenos = [], []
        for lineno, line in enumerate(lines, 1):
            if not line.strip():
                continue
            fields = line.strip().split(self.delimiter)
            where = f'{self.ann_file} line {lineno}'
            if not self.multi_class and len(fields) > 2:
                raise ValueError(
                    f'{where}: expected `path label` separated by '
                    f'{self.delimiter!r}, got {len(fields)} fields '
                    f'({line.strip()!r}); set the dataset\'s delimiter if '
                    'paths contain it.')
            filename = fields[0]
            try:
                labels = [int(x) for x in fields[1:]]
            except ValueError:
                raise ValueError(f'{where}: labels must be integers, got '
                                 f'{fields[1:]!r}') from None
            unlabeled = not labels or (labels == [-1] and
                                       not self.multi_class)
            if unlabeled and self.labeled:
                raise ValueError(
                    f'{where}: no label ({line.strip()!r}); every line of a '
                    'labeled list needs `path label` (set labeled=False '
                    'for a val/test list without labels).')
            for label in labels:
                if unlabeled:
                    break  # `path -1`: unlabeled, as VideoDataset
                if num and not 0 <= label < num:
                    raise ValueError(
                        f'{where}: label {label} is out of range for {num} '
                        f'classes ({self.classes_source or "num_classes"}).')
            if self.multi_class:
                label = labels
            else:
                label = labels[0] if labels else -1
            if self.data_prefix['video'] is not None:
                filename = osp.join(self.data_prefix['video'], filename)
            data_list.append(dict(filename=filename, label=label))
            linenos.append(lineno)
        check_duplicates(
            ((n, d['filename'], d['label'])
             for n, d in zip(linenos, data_list)), self.ann_file,
            self.allow_duplicates,
            'allow_duplicates=True in the dataset config')
        if not data_list:
            raise ValueError(f'{self.ann_file}: the list has no samples '
                             '(empty file)')
        if self.skip_bad_videos and self.test_mode:
            data_list = self._exclude_bad(data_list)
            if not data_list:
                raise ValueError(
                    f'{self.ann_file}: all {len(self.excluded)} videos are '
                    'unreadable (skip_bad_videos=True left none to '
                    f'evaluate), e.g. {self.excluded[0][0]} '
                    f'({self.excluded[0][1]}); check the data root '
                    "(data_prefix) and the decoder.")
        return data_list

    def _exclude_bad(self, data_list: List[dict]) -> List[dict]:
        if self.bad_video_list is not None:
            listed = {
                _same_file_key(p): r
                for p, r in read_bad_video_list(self.bad_video_list)
            }
            bad = [(d['filename'], listed[_same_file_key(d['filename'])])
                   for d in data_list
                   if _same_file_key(d['filename']) in listed]
            if listed and not bad:
                example = next(iter(read_bad_video_list(
                    self.bad_video_list)))[0]
                raise ValueError(
                    f'{self.bad_video_list}: none of its {len(listed)} '
                    f'videos is in {self.ann_file} (e.g. {example} vs '
                    f'{data_list[0]["filename"]}); it was written for '
                    'another list or data root.')
            how = f'listed in {self.bad_video_list}'
        else:
            bad = find_bad_videos((d['filename'] for d in data_list),
                                  self.scan_workers,
                                  decoder=self._decoder())
            how = 'found unreadable'
        self.excluded = bad
        if bad:
            names = {p for p, _ in bad}
            data_list = [d for d in data_list if d['filename'] not in names]
            print_log(
                f'{self.ann_file}: {len(bad)} videos {how} are left out of '
                'evaluation (skip_bad_videos=True): ' +
                '; '.join(f'{p} ({r})' for p, r in bad[:20]) +
                (f'; ... ({len(bad) - 20} more)' if len(bad) > 20 else ''),
                logger='current',
                level=logging.WARNING)
        return data_list

    def _decoder(self) -> str:
        """The pipeline's decoder (``MoTEVideoInit(backend=...)``), so the
        start-up check opens videos as the pipeline will."""
        from .transforms.video_decode import MoTEVideoInit
        for t in getattr(self.pipeline, 'transforms', []):
            if isinstance(t, MoTEVideoInit):
                return t.backend
        return 'decord'

    @property
    def classes(self) -> Optional[tuple]:
        """Class names, or ``None`` when not given."""
        return self._metainfo.get('classes')

    # ------------------------------------------------------------------
    # loading with bad videos
    def _filename(self, idx: int) -> str:
        try:
            return str(self.get_data_info(idx).get('filename', idx))
        except Exception:
            return f'sample {idx}'

    def _record_bad(self, filename: str, reason: str) -> None:
        """Note one training failure: appended to this process' record
        file for the report hook, else logged once per process."""
        if self.bad_video_dir is not None:
            path = osp.join(self.bad_video_dir, f'pid{os.getpid()}.tsv')
            name = filename.replace('\t', ' ').replace('\n', ' ')
            try:
                os.makedirs(self.bad_video_dir, exist_ok=True)
                with open(path, 'a', encoding='utf-8') as f:
                    f.write(f'{name}\t{reason}\n')
            except OSError as e:
                raise BadVideoRecordError(
                    f'cannot record unreadable training video {filename} '
                    f'({reason}) in {path}: {type(e).__name__}: {e}. Make '
                    'the work_dir writable (or free disk space).') from e
        elif filename not in self._logged_bad:
            self._logged_bad.add(filename)
            print_log(
                f'unreadable training video {filename} ({reason}); '
                'replaced by a random other sample',
                logger='current',
                level=logging.WARNING)

    def prepare_data(self, idx: int) -> Any:
        """Run the pipeline; a failure raises :class:`VideoLoadError` at
        val/test and returns ``None`` in training (MMEngine then draws
        another sample)."""
        try:
            return super().prepare_data(idx)
        except Exception as e:
            filename = self._filename(idx)
            reason = short_reason(e)
            if self.test_mode:
                if self.skip_bad_videos and self.bad_video_list:
                    hint = ('It is not in bad_video_list '
                            f'{self.bad_video_list} (no start-up check ran '
                            'on it); add it there or run '
                            f'`{tool_command(CHECK_VIDEOS)}` again.')
                elif self.skip_bad_videos:
                    hint = ('It passed the start-up check (skip_bad_videos'
                            '=True) but its frames failed here; remove it '
                            'from the list or add it to bad_video_list.')
                else:
                    hint = ('Videos are never replaced at val/test: fix or '
                            f'remove it (`{tool_command(CHECK_VIDEOS)}` '
                            'lists all bad ones), or set skip_bad_videos='
                            'True to leave unreadable videos out (they are '
                            'reported next to the metrics).')
                raise VideoLoadError(
                    f'cannot load {filename} for evaluation: {reason}. '
                    f'{hint}') from e
            self._failures.append((filename, reason))
            self._record_bad(filename, reason)
            return None

    def __getitem__(self, idx: int) -> dict:
        """Load sample ``idx`` through the pipeline.

        An index with a ``seed`` (:class:`MoTESeededSampler`'s
        :class:`~mote_mmaction.datasets.sample_seed.SeededIndex`) runs the
        pipeline, and the draws of bad-video replacements, under that seed
        with the global RNG states restored afterwards; a plain ``int``
        uses the process' global RNG, as MMEngine's datasets do.
        """
        seed = getattr(idx, 'seed', None)
        if seed is None:
            return self._load(idx)
        with seeded_rng(seed):
            return self._load(int(idx))

    def _load(self, idx: int) -> dict:
        if self.test_mode:
            return super().__getitem__(idx)
        self._failures = []
        try:
            return super().__getitem__(idx)
        except BadVideoRecordError:
            raise
        except Exception:
            if not self._failures:
                raise
            tried, seen = [], set()
            for name, reason in self._failures:
                if name not in seen:
                    seen.add(name)
                    tried.append(f'{name} ({reason})')
            raise VideoLoadError(
                f'{self.max_refetch + 1} training samples in a row could not '
                f'be loaded (max_refetch={self.max_refetch}); '
                f'{len(self._failures)} failed: ' + '; '.join(tried) +
                '. Check the data root and run '
                f'`{tool_command(CHECK_VIDEOS)}`.'
            ) from None
