"""Outputs that cannot be written: a clear error naming where, exit code 6, nothing half-written.

Disks fill up and folders get in the way; each case checks the message, the hint and that the
output folder is as it was before the run.
"""

from __future__ import annotations

import errno
from pathlib import Path

import pytest

from kg_builder.cli import main
from kg_builder.errors import ExitCode, OutputError, output_error

from .conftest import project_args


def _no_space(*args: object, **kwargs: object) -> None:
    raise OSError(errno.ENOSPC, "No space left on device")


def _leftovers(folder: Path) -> list[str]:
    """Staging folders or temporary files left beside an output."""
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def test_a_file_in_the_way_of_the_output_folder(runner, project, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("mine\n")
    result = runner.invoke(main, ["build", *project_args(project),
                                  "--out", str(blocker / "out")])
    assert result.exit_code == ExitCode.OUTPUT == 6
    assert f"{blocker}: error: cannot write here: File exists" in result.stderr
    assert "hint: a file is where a folder must go: move it, or point --out elsewhere" \
        in result.stderr
    assert "nothing was written; build/ was left as it was" in result.stderr
    assert "internal error" not in result.stderr and result.stdout == ""
    assert blocker.read_text() == "mine\n"


def test_a_full_disk_leaves_the_earlier_build_as_it_was(runner, project, tmp_path,
                                                        monkeypatch):
    out = tmp_path / "out"
    out.mkdir()
    (out / "kg.ttl").write_text("the earlier build\n")
    monkeypatch.setattr("kg_builder.publishing.Staging.write_checksums", _no_space)
    result = runner.invoke(main, ["build", *project_args(project), "--out", str(out)])
    assert result.exit_code == ExitCode.OUTPUT
    assert f"{out}: error: cannot write here: No space left on device" in result.stderr
    assert "hint: free some space on that disk, or point --out elsewhere" in result.stderr
    assert [p.name for p in out.iterdir()] == ["kg.ttl"]
    assert (out / "kg.ttl").read_text() == "the earlier build\n"
    assert _leftovers(tmp_path) == []


def test_a_full_disk_in_the_process_writing_the_dumps(runner, project, tmp_path, monkeypatch):
    """The writer process (forked, or a thread) sends its error back; it is reported the same."""
    out = tmp_path / "out"
    monkeypatch.setattr("kg_builder.publishing.write_jsonld", _no_space)
    result = runner.invoke(main, ["build", *project_args(project), "--out", str(out)])
    assert result.exit_code == ExitCode.OUTPUT, result.stderr
    assert "cannot write here: No space left on device" in result.stderr
    assert not out.exists() and _leftovers(tmp_path) == []


def test_a_folder_where_a_dump_goes_stops_the_build_before_any_file_is_replaced(
        runner, project, tmp_path):
    out = tmp_path / "out"
    (out / "kg.ttl").mkdir(parents=True)
    (out / "counts.json").write_text("earlier\n")
    result = runner.invoke(main, ["build", *project_args(project), "--out", str(out)])
    assert result.exit_code == ExitCode.OUTPUT
    assert f"{out / 'kg.ttl'}: error: cannot write here: Is a directory" in result.stderr
    assert "hint: a folder is where a file must go: move it" in result.stderr
    assert sorted(p.name for p in out.iterdir()) == ["counts.json", "kg.ttl"]
    assert (out / "counts.json").read_text() == "earlier\n"
    assert _leftovers(tmp_path) == []


def test_validate_output_in_a_missing_folder(runner, project, tmp_path):
    target = tmp_path / "no-such-folder" / "junit.xml"
    result = runner.invoke(main, ["validate", *project_args(project), "--format", "junit",
                                  "--output", str(target)])
    assert result.exit_code == ExitCode.OUTPUT
    assert f"{target}: error: cannot write here: No such file or directory" in result.stderr
    assert "hint: that folder does not exist: create it first, or point --output elsewhere" \
        in result.stderr


def test_validate_output_is_written_whole_or_not_at_all(runner, project, tmp_path,
                                                        monkeypatch):
    target = tmp_path / "junit.xml"
    result = runner.invoke(main, ["validate", *project_args(project), "--format", "junit",
                                  "--output", str(target)])
    assert result.exit_code == 0
    assert target.read_text(encoding="utf-8") == result.stdout
    assert _leftovers(tmp_path) == []
    target.write_text("the earlier report\n")
    monkeypatch.setattr("kg_builder.reporting.os.replace", _no_space)
    result = runner.invoke(main, ["validate", *project_args(project), "--format", "junit",
                                  "--output", str(target)])
    assert result.exit_code == ExitCode.OUTPUT
    assert f"{target}: error: cannot write here: No space left on device" in result.stderr
    assert target.read_text() == "the earlier report\n"
    assert _leftovers(tmp_path) == []


def test_query_on_a_missing_data_file_says_so(runner, project, tmp_path):
    missing = tmp_path / "missing.nt"
    result = runner.invoke(main, ["query", "fates", *project_args(project),
                                  "--data", str(missing)])
    assert result.exit_code == ExitCode.BAD_INPUT
    assert f"{missing}: error: cannot read the file: No such file or directory" in result.stderr
    assert "hint: check the path" in result.stderr and "parse" not in result.stderr


def test_an_error_about_another_file_is_not_called_an_output_error(tmp_path):
    """An input that cannot be read is not reported as a place that cannot be written."""
    elsewhere = OSError(errno.EACCES, "Permission denied", "/etc/kg-builder/shapes.ttl")
    assert output_error(elsewhere, [tmp_path / "build"]) is None
    inside = OSError(errno.EACCES, "Permission denied", str(tmp_path / "build" / "kg.nt"))
    error = output_error(inside, [tmp_path / "build"])
    assert isinstance(error, OutputError) and error.path == str(tmp_path / "build" / "kg.nt")
    assert error.hint == "check that you may write there, or point --out elsewhere"
    assert output_error(OSError("no errno"), [tmp_path]) is None


@pytest.mark.parametrize("option, ending", [("--out", ", or point --out elsewhere"),
                                            (None, "")])
def test_the_hint_names_the_option_that_moves_the_output(tmp_path, option, ending):
    error = output_error(OSError(errno.EROFS, "Read-only file system"), [tmp_path], option)
    assert error is not None and error.path == str(tmp_path)
    assert error.hint == "that file system is read-only" + ending
