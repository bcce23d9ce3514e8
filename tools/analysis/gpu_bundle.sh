#!/usr/bin/env bash
# Copyright (c) OpenMMLab. All rights reserved.
#
# Wheels for a GPU machine that reaches no package registry (docs/benchmark.md,
# "GPU check"): its Python 3.12 has torch and the common scientific stack but
# not MMEngine, MMCV, MMAction2, open_clip or a video decoder.
#
#   bash tools/analysis/gpu_bundle.sh download [DIR]   # here, with PyPI
#   bash tools/analysis/gpu_bundle.sh check [DIR]      # one version each, size
#   bash tools/analysis/gpu_bundle.sh install [DIR] [SITE]   # there, offline
#
# DIR defaults to gpu_bundle (git-ignored) in the repository root; SITE (the
# --target folder; put it first on PYTHONPATH) to $TMPDIR/mote_gpu_site.
# `download` takes the pinned list requirements/gpu_bundle.txt for CPython
# 3.12 on manylinux x86_64, whatever Python runs pip here, and fails unless
# the bundle plus the working tree fit BUNDLE_LIMIT_MIB (64: what travels to
# the GPU machine in one call). PYTHON picks the interpreter (default
# python3); BUNDLE_LIST another list of wheels.
set -euo pipefail
cd "$(dirname "$0")/../.." || exit 1

PY=${PYTHON:-python3}
LIST=${BUNDLE_LIST:-requirements/gpu_bundle.txt}
LIMIT_MIB=${BUNDLE_LIMIT_MIB:-64}
cmd=${1:-}
DIR=${2:-gpu_bundle}

die() {
    echo "gpu_bundle: $*" >&2
    exit 1
}

# The normalised project name of a wheel file (PEP 427 / PEP 503).
project() {
    basename "$1" | cut -d- -f1 | tr '[:upper:]_.' '[:lower:]--'
}

# bytes -> MiB with one decimal (no bc on every machine)
mib() {
    local tenths=$(($1 * 10 / 1048576))
    echo "$((tenths / 10)).$((tenths % 10))"
}

wheels() {
    compgen -G "$DIR/*.whl" | sort || true
}

check() {
    [ -d "$DIR" ] || die "$DIR does not exist: run '$0 download $DIR' first"
    local files
    files=$(wheels)
    [ -n "$files" ] || die "no wheels in $DIR: run '$0 download $DIR' first"
    local dups
    dups=$(for f in $files; do project "$f"; done | sort | uniq -d)
    [ -z "$dups" ] || die "several versions of: $dups in $DIR (pip would \
refuse the install): delete the older wheels or the folder and download again"
    local want missing=""
    for want in $(sed -e 's/#.*//' -e 's/[=<>!~ ].*//' "$LIST" |
                  tr '[:upper:]_.' '[:lower:]--' | grep . || true); do
        for f in $files; do
            [ "$(project "$f")" = "$want" ] && continue 2
        done
        missing="$missing $want"
    done
    [ -z "$missing" ] || die "missing from $DIR:$missing (listed in $LIST): \
run '$0 download $DIR'"
    [ "${1:-}" = no-size ] && return 0  # the size counts only here
    local bundle tree=0 total
    bundle=$(cat $files | wc -c)
    # what else travels: tracked plus untracked, not ignored, files
    if git rev-parse --git-dir > /dev/null 2>&1; then
        tree=$(git ls-files -z -co --exclude-standard |
               xargs -0 cat 2> /dev/null | wc -c) || true
    fi
    total=$((bundle + tree))
    echo "gpu_bundle: $(echo "$files" | wc -l) wheels, $(mib "$bundle") MiB +" \
        "working tree $(mib "$tree") MiB = $(mib "$total") MiB" \
        "(limit $LIMIT_MIB MiB)"
    [ "$total" -le $((LIMIT_MIB * 1048576)) ] || die "bundle plus working \
tree exceed $LIMIT_MIB MiB: drop a wheel from $LIST (e.g. decord, if the \
configs use backend pyav) or remove large untracked files"
}

case "$cmd" in
download)
    mkdir -p "$DIR"
    "$PY" -m pip download --no-deps --only-binary=:all: \
        --python-version 3.12 --implementation cp \
        --abi cp312 --abi abi3 --abi none \
        --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 \
        --platform manylinux2014_x86_64 --platform manylinux2010_x86_64 \
        --platform any -d "$DIR" -r "$LIST"
    check
    ;;
check)
    check
    ;;
install)
    SITE=${3:-${TMPDIR:-/tmp}/mote_gpu_site}
    check no-size
    files=()
    for f in $(wheels); do
        # setuptools only where pkg_resources is missing (mmengine needs it)
        if [ "$(project "$f")" = setuptools ] &&
            "$PY" -c 'import pkg_resources' > /dev/null 2>&1; then
            continue
        fi
        files+=("$f")
    done
    "$PY" -m pip install --quiet --no-index --no-deps --no-compile \
        --no-cache-dir --upgrade --disable-pip-version-check \
        --target "$SITE" "${files[@]}"
    echo "gpu_bundle: ${#files[@]} wheels installed in $SITE"
    ;;
*)
    sed -n '3,18p' "$0" | sed 's/^# \{0,1\}//'
    [ "$cmd" = -h ] || [ "$cmd" = --help ] || exit 2
    ;;
esac
