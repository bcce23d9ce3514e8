# Copyright (c) OpenMMLab. All rights reserved.
"""Build Something-Something v2 video lists and class names from the
official JSON files.

    python tools/data/sthv2/build_lists.py data/sthv2/annotations \
        --out-dir data/sthv2

Reads ``something-something-v2-labels.json`` (``{"Approaching something
with your camera": "0", ...}``) and ``something-something-v2-{train,
validation}.json`` (``[{"id": "78687", "template": "Holding [something]
next to [something]", ...}]``) and writes ``sthv2_{train,val}_list_videos.
txt`` (``78687.webm 95``; the label of a video is the id of its template
with the brackets removed) and ``sthv2_class_names.txt`` (174 names, line
i = label i). The official test JSON has no labels; the validation set is
the test set of every paper.

Class names are the templates with the placeholder brackets removed
(``Holding something next to something``, the keys of the labels JSON).
``--placeholder-text "an object"`` writes that text for the word
``something`` inside each placeholder instead (``Holding an object next to
an object``; ``[something that is not tearable]`` -> ``an object that is
not tearable``; ``[Something]`` -> ``An object``).
"""
import argparse
import json
import os.path as osp
import re
import sys
from typing import Dict, List, Optional, Tuple

sys.path.insert(0, osp.abspath(osp.join(osp.dirname(__file__), *['..'] * 3)))

from mote_mmaction.toolkit.lists import write_list, write_names  # noqa: E402

PREFIX = 'something-something-v2'
_PLACEHOLDER = re.compile(r'\[([^\[\]]*)\]')


def parse_args():
    parser = argparse.ArgumentParser(
        description='Build Something-Something v2 lists and class names '
        'from the official JSON files.')
    parser.add_argument(
        'ann_dir',
        help=f'directory with {PREFIX}-labels.json, -train.json and '
        '-validation.json')
    parser.add_argument('--out-dir', default='data/sthv2')
    parser.add_argument('--ext', default='webm',
                        help='video file extension (webm as released)')
    parser.add_argument(
        '--placeholder-text',
        help='text for "something" inside the [placeholders] of the class '
        'names (default: keep "something", drop the brackets)')
    return parser.parse_args()


def load_json(path: str):
    if not osp.isfile(path):
        raise FileNotFoundError(f'annotation file not found: {path}')
    with open(path, encoding='utf-8') as f:
        try:
            return json.load(f)
        except json.JSONDecodeError as e:
            raise ValueError(f'{path}: not valid JSON ({e})') from None


def strip_brackets(template: str) -> str:
    """``Holding [something] next to [something]`` -> ``Holding something
    next to something`` (the official label text)."""
    return ' '.join(_PLACEHOLDER.sub(r'\1', template).split())


def readable(template: str, placeholder_text: Optional[str] = None) -> str:
    """A class name of a template; see the module docstring."""
    if placeholder_text is None:
        return strip_brackets(template)

    def fill(m):
        text = re.sub(r'\bsomething\b', placeholder_text, m.group(1))
        return re.sub(r'\bSomething\b',
                      placeholder_text[:1].upper() + placeholder_text[1:],
                      text)

    return ' '.join(_PLACEHOLDER.sub(fill, template).split())


def read_labels(path: str) -> List[str]:
    """Label texts in id order from the labels JSON."""
    labels = load_json(path)
    if not isinstance(labels, dict):
        raise ValueError(f'{path}: expected {{"label text": "id"}}')
    by_id: Dict[int, str] = {}
    for text, idx in labels.items():
        if not str(idx).isdigit():
            raise ValueError(f'{path}: id of {text!r} is not an integer: '
                             f'{idx!r}')
        if int(idx) in by_id:
            raise ValueError(f'{path}: duplicate id {idx}')
        by_id[int(idx)] = text
    if sorted(by_id) != list(range(len(by_id))):
        raise ValueError(f'{path}: ids must be 0..{len(by_id) - 1}')
    return [by_id[i] for i in range(len(by_id))]


def read_split(path: str, labels: List[str],
               ext: str) -> Tuple[List[Tuple[str, int]], Dict[int, str]]:
    """Entries of a train/validation JSON and the template of each label.

    Returns:
        tuple: ``([(f'{id}.{ext}', label)], {label: template})``.
    """
    items = load_json(path)
    if not isinstance(items, list):
        raise ValueError(f'{path}: expected a list of videos')
    index = {text: i for i, text in enumerate(labels)}
    entries, templates = [], {}
    for k, item in enumerate(items):
        if not isinstance(item, dict) or 'id' not in item \
                or 'template' not in item:
            raise ValueError(f'{path} item {k}: needs "id" and "template" '
                             '(the test JSON has no labels; use validation)')
        text = strip_brackets(item['template'])
        if text not in index:
            raise ValueError(f'{path} item {k} (id {item["id"]}): template '
                             f'{item["template"]!r} is not in the labels '
                             'JSON')
        label = index[text]
        templates.setdefault(label, item['template'])
        entries.append((f'{item["id"]}.{ext}', label))
    return entries, templates


def main():
    args = parse_args()
    try:
        labels = read_labels(osp.join(args.ann_dir, f'{PREFIX}-labels.json'))
        splits, templates = {}, {}
        for kind, name in (('train', 'train'), ('val', 'validation')):
            entries, found = read_split(
                osp.join(args.ann_dir, f'{PREFIX}-{name}.json'), labels,
                args.ext)
            splits[kind] = entries
            templates.update(found)
    except (OSError, ValueError) as e:
        sys.exit(f'error: {e}')
    # a class seen in no video keeps its label text (brackets unknown)
    names = [
        readable(templates[i], args.placeholder_text)
        if i in templates else labels[i] for i in range(len(labels))
    ]
    out = osp.join(args.out_dir, 'sthv2_class_names.txt')
    write_names(out, names)
    print(f'{len(names)} classes -> {out}')
    for kind, entries in splits.items():
        path = osp.join(args.out_dir, f'sthv2_{kind}_list_videos.txt')
        print(f'{kind}: {write_list(path, entries)} videos -> {path}')


if __name__ == '__main__':
    main()
