#!/bin/sh
# The state of a virtual environment, for the Makefile.
#
#   tools/venv.sh state PYTHON VENV REQUIREMENTS GIVEN
#       prints what make must do before a target uses VENV:
#         ok        nothing
#         install   the requirements changed: install them again
#         create    missing, broken, or made by another Python than a PYTHON the user
#                   named (GIVEN not empty): make it anew with PYTHON
#         error: ...  one line for the user (PYTHON missing or older than 3.11)
#       and after create, "warning: ..." when PYTHON is newer than the newest tested
#       (3.13): it may work, so it is not refused, but the user learns what to fall back to
#   tools/venv.sh stamp PYTHON VENV REQUIREMENTS
#       prints the stamp recorded in VENV/.installed after a successful install
#
# Plain sh and a Python one-liner that even Python 2 runs, so that an old or a
# missing Python gets one clear line instead of a page of pip errors.
set -u
command=$1 python=$2 venv=$3 requirements=$4 given=${5:-}
# The supported range: README.md ("Python 3.11 to 3.13"), pyproject.toml's classifiers and
# make test-deep (tests/test_python_versions.py) say the same.
MINIMUM_MAJOR=3
MINIMUM_MINOR=11
NEWEST_TESTED_MINOR=13

# "<version> <base prefix>": which installation of Python this is. A venv's own
# python reports its base installation's prefix, so the two compare directly.
identify() {
    "$1" -c 'import sys; print("%d.%d.%d %s" % (sys.version_info[:3] + (sys.base_prefix if hasattr(sys, "base_prefix") else sys.prefix,)))' 2>/dev/null
}

new_enough() {
    major=${1%%.*}
    rest=${1#*.}
    minor=${rest%%.*}
    [ "$major" -gt "$MINIMUM_MAJOR" ] || { [ "$major" -eq "$MINIMUM_MAJOR" ] && [ "$minor" -ge "$MINIMUM_MINOR" ]; }
}

newer_than_tested() {
    major=${1%%.*}
    rest=${1#*.}
    minor=${rest%%.*}
    [ "$major" -gt "$MINIMUM_MAJOR" ] || { [ "$major" -eq "$MINIMUM_MAJOR" ] && [ "$minor" -gt "$NEWEST_TESTED_MINOR" ]; }
}

# "create", with a warning when the Python that will make the venv is newer than tested.
create() {
    version=${1%% *}
    if newer_than_tested "$version"; then
        where=$(command -v "$python" 2>/dev/null || echo "$python")
        echo "create warning: Python $version at $where is newer than the newest tested, $MINIMUM_MAJOR.$NEWEST_TESTED_MINOR: if a requirement does not install or a test fails, run make PYTHON=python$MINIMUM_MAJOR.$NEWEST_TESTED_MINOR"
    else
        echo create
    fi
}

requirements_sum() {
    cksum < "$requirements" | cut -d' ' -f1,2
}

# Prints the identity of PYTHON, or an error line and returns 1.
usable_python() {
    where=$(command -v "$python" 2>/dev/null || echo "$python")
    if ! found=$(identify "$python") || [ -z "$found" ]; then
        echo "error: no working Python at $where: install Python $MINIMUM_MAJOR.$MINIMUM_MINOR or newer and run make PYTHON=python3.12 (or its path)"
        return 1
    fi
    if ! new_enough "${found%% *}"; then
        echo "error: Python $MINIMUM_MAJOR.$MINIMUM_MINOR or newer is needed, found ${found%% *} at $where: run make PYTHON=python3.12 (or the path of another Python $MINIMUM_MAJOR.$MINIMUM_MINOR+)"
        return 1
    fi
    echo "$found"
}

case $command in
stamp)
    found=$(identify "$python")
    echo "python $found"
    echo "requirements $(requirements_sum)"
    exit 0
    ;;
state) ;;
*)
    echo "error: tools/venv.sh: unknown command $command"
    exit 0
    ;;
esac

stamp=$venv/.installed
current=$(identify "$venv/bin/python")
if [ -n "$current" ] && new_enough "${current%% *}" && [ -f "$stamp" ]; then
    if [ -n "$given" ]; then
        wanted=$(usable_python) || { echo "$wanted"; exit 0; }
        if [ "$wanted" != "$current" ]; then
            create "$wanted"
            exit 0
        fi
    fi
    if [ -s "$stamp" ]; then
        if grep -qx "requirements $(requirements_sum)" "$stamp"; then echo ok; else echo install; fi
    elif [ "$requirements" -nt "$stamp" ]; then
        # An empty stamp from an earlier Makefile: only its date says what it saw.
        echo install
    else
        echo ok
    fi
    exit 0
fi
# Missing, half-made (pip failed) or made by a Python too old: start again.
found=$(usable_python) || { echo "$found"; exit 0; }
create "$found"
