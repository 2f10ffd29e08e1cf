"""The board's JavaScript and CSS are found, and shipped, from inside the package."""

from __future__ import annotations

import tomllib
from fnmatch import fnmatch
from pathlib import Path

import wallboard
from wallboard.web.components.board.board import STATIC, Board

ROOT = Path(__file__).resolve().parents[4]
PACKAGE = Path(wallboard.__file__).resolve().parent


def test_static_files_live_in_the_package_and_the_board_component_is_registered():
    assert STATIC == PACKAGE / "web" / "components" / "board"
    assert (STATIC / "board.css").is_file()
    # NiceGUI skips a component path that matches no file without a word: the board would
    # load without its JavaScript.
    assert Board.component is not None
    assert Path(Board.component.path) == STATIC / "board.js"


def test_package_data_ships_every_static_file():
    # What a non-editable install contains: files under wallboard/ matched by package-data.
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = pyproject["tool"]["setuptools"]["package-data"]["wallboard"]
    files = [
        p.relative_to(PACKAGE).as_posix()
        for p in STATIC.iterdir()
        if p.is_file() and p.suffix != ".py"
    ]
    assert {"web/components/board/board.js", "web/components/board/board.css"} <= set(files)
    unshipped = [f for f in files if not any(fnmatch(f, pat) for pat in patterns)]
    assert unshipped == []
