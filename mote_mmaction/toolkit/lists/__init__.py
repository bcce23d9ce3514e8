# Copyright (c) OpenMMLab. All rights reserved.
"""Video lists and class-name files from the datasets' official
annotations, for the ``tools/data`` scripts.

* :mod:`.video_list`: read and (atomically) write ``VideoDataset`` lists
  and class-name files;
* :mod:`.ucf101`, :mod:`.hmdb51`, :mod:`.kinetics`: the official split and
  annotation files of each dataset;
* :mod:`.kinetics600_zeroshot`: the ER-ZASR K600 zero-shot splits;
* :mod:`.k_shot`: all-way K-shot subsets of a training list.
"""
from .hmdb51 import hmdb51_split
from .k_shot import by_class, sample_k_shot
from .kinetics import (find_kinetics_csv, kinetics_classes, kinetics_dir,
                       kinetics_entries, kinetics_rows, kinetics_video,
                       read_class_list)
from .kinetics600_zeroshot import (K400_RENAMED_IN_K600, er_zasr_splits,
                                   k600_zeroshot_split, name_key,
                                   novel_classes, random_k600_splits,
                                   resolve_names)
from .ucf101 import (AUTHORS_UCF101_NAMES, ucf101_authors_names,
                     ucf101_classes, ucf101_split)
from .video_list import (Entry, read_lines, read_list, write_list,
                         write_names, write_names_csv)

__all__ = [
    'AUTHORS_UCF101_NAMES', 'Entry', 'K400_RENAMED_IN_K600', 'by_class',
    'er_zasr_splits', 'find_kinetics_csv', 'hmdb51_split',
    'k600_zeroshot_split', 'kinetics_classes', 'kinetics_dir',
    'kinetics_entries', 'kinetics_rows', 'kinetics_video', 'name_key',
    'novel_classes', 'random_k600_splits', 'read_class_list', 'read_lines',
    'read_list', 'resolve_names', 'sample_k_shot', 'ucf101_authors_names',
    'ucf101_classes', 'ucf101_split', 'write_list', 'write_names',
    'write_names_csv'
]
