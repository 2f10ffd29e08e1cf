"""`wallboard demo` keeps its simulated calls in a store of its own, new at each start,
unless the config names a store."""

from __future__ import annotations

from pathlib import Path

import pytest

from wallboard.commands.demo import demo_store
from wallboard.config import load_settings


def test_each_demo_gets_an_empty_store_of_its_own_in_the_data_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WALLBOARD_DATA_DIR", str(tmp_path / "data"))
    # A demo killed earlier left its folder: its process is gone, so it goes.
    (tmp_path / "data" / "demo-999999999-x").mkdir(parents=True)
    (tmp_path / "data" / "demo-999999999-x" / "wallboard.db").write_text("old floor")
    one, remove_one = demo_store(load_settings(None))
    two, remove_two = demo_store(load_settings(None))
    first, second = Path(one.store.path), Path(two.store.path)
    assert first != second  # two demos at once never share one
    for p in (first, second):
        assert p.parent.parent == tmp_path / "data" and p.parent.name.startswith("demo-")
        assert list(p.parent.iterdir()) == []  # nothing of an earlier run
    assert not (tmp_path / "data" / "demo-999999999-x").exists()
    # A third demo while these two run leaves theirs alone.
    demo_store(load_settings(None))[1]()
    assert first.parent.exists() and second.parent.exists()
    remove_one()
    remove_two()
    assert sorted((tmp_path / "data").iterdir()) == []


def test_a_store_named_in_the_config_or_environment_is_used_as_it_is(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cfg = tmp_path / "w.toml"
    cfg.write_text(f'[store]\npath = "{tmp_path / "mine.db"}"\n')
    assert demo_store(load_settings(cfg))[0].store.path == str(tmp_path / "mine.db")
    env = {"WALLBOARD_STORE_PATH": str(tmp_path / "env.db")}
    assert demo_store(load_settings(None, env))[0].store.path == str(tmp_path / "env.db")
    pg = {"WALLBOARD_STORE_URL": "postgresql://u:p@127.0.0.1:5432/wb"}
    settings, remove = demo_store(load_settings(None, pg))
    assert settings.store.path == "" and settings.store.url is not None
    remove()  # nothing of ours to remove
    assert cfg.exists()
