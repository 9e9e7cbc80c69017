"""Every folder tests/cases/bad-* or violation-* adds one file to the minimal facts and says what
`kg-builder build` must report: the exit code and lines that name the file, line and fix.
A failed build must leave build/ exactly as it was."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from kg_builder.cli import main

from .conftest import CASES, make_project, needs_seeds, project_args

CASE_DIRS = sorted(p for p in CASES.iterdir() if p.name.startswith(("bad-", "violation-")))


@needs_seeds
@pytest.mark.parametrize("case", CASE_DIRS, ids=[p.name for p in CASE_DIRS])
def test_bad_input_is_reported_and_build_is_untouched(case: Path, tmp_path: Path, runner):
    expected = yaml.safe_load((case / "expected.yaml").read_text())
    project = make_project(tmp_path / "project")
    (project / "facts" / "extra.yaml").write_text((case / "extra.yaml").read_text())
    build = project / "build"
    build.mkdir()
    (build / "kg.ttl").write_text("previous dump\n")
    (build / "notes.md").write_text("a file the user wrote\n")

    result = runner.invoke(main, ["build", *project_args(project)])

    assert result.exit_code == expected["exit"], result.output
    report = result.stdout + result.stderr
    for text in expected["expect"]:
        assert text in report, f"missing {text!r} in:\n{report}"
    assert sorted(p.name for p in build.iterdir()) == ["kg.ttl", "notes.md"]
    assert (build / "kg.ttl").read_text() == "previous dump\n"
    assert not list(project.glob(".build.staging-*"))
