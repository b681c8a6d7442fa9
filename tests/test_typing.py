"""The public API's type hints (issue 18), checked with mypy as a user's editor would.

``tests/typing/lecture_usage.py`` uses the API as the lecture does and must type-check
cleanly; ``tests/typing/wrong_usage.py`` holds mistakes and mypy must report each one, on its
line and nowhere else, so the hints are shown to be there and to be right.
"""
import os
import re
import subprocess
import sys

import pytest

import gradiente

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "typing")
SRC = os.path.dirname(os.path.dirname(os.path.abspath(gradiente.__file__)))


@pytest.fixture(scope="module")
def mypy_report(tmp_path_factory):
    """{file name: {line: [messages]}} from one mypy run over both files."""
    pytest.importorskip("mypy", reason="mypy is in the dev extra")
    cache = tmp_path_factory.mktemp("mypy_cache")
    # silent: the library's own modules are read for their types, not reported on (only the
    # public API is annotated); 3.10: the oldest Python the package supports.
    command = [sys.executable, "-m", "mypy", "--follow-imports=silent", "--cache-dir", str(cache),
               "--python-version", "3.10", "--no-error-summary", "--show-error-codes", "--hide-error-context",
               "--no-color-output", os.path.join(HERE, "lecture_usage.py"), os.path.join(HERE, "wrong_usage.py")]
    env = dict(os.environ, MYPYPATH=SRC)
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=300)
    report = {}
    for line in done.stdout.splitlines():
        found = re.match(r"(.+?):(\d+): (error|note): (.*)", line)
        if found and found.group(3) == "error":
            report.setdefault(os.path.basename(found.group(1)), {}).setdefault(int(found.group(2)), []).append(found.group(4))
    assert done.returncode in (0, 1) and not done.stderr.strip(), done.stderr or done.stdout
    return report


def test_the_lecture_type_checks(mypy_report):
    assert mypy_report.get("lecture_usage.py", {}) == {}


def test_each_mistake_is_reported_on_its_line(mypy_report):
    with open(os.path.join(HERE, "wrong_usage.py")) as f:
        marked = {n for n, line in enumerate(f, 1) if line.rstrip().endswith("# error")}
    assert len(marked) >= 10
    reported = mypy_report.get("wrong_usage.py", {})
    assert set(reported) == marked, reported


def test_messages_name_the_parameter_and_the_expected_type(mypy_report):
    messages = [m for ms in mypy_report.get("wrong_usage.py", {}).values() for m in ms]
    assert any('"units" to "Dense"' in m and '"int"' in m for m in messages), messages
    assert any('"epochs" to "fit"' in m and '"int"' in m for m in messages), messages
    assert any('"History" has no attribute' in m for m in messages), messages
