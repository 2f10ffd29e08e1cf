"""Configuration: TOML + environment, errors that name the file and the key."""

from __future__ import annotations

from datetime import time
from pathlib import Path

import pytest

from wallboard.config import load_settings
from wallboard.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]


def test_example_config_is_valid_and_matches_defaults():
    s = load_settings(ROOT / "config.example.toml", env={})
    assert s == load_settings(None, env={})


def test_environment_overrides_secrets_and_they_never_print(tmp_path):
    s = load_settings(
        None, env={"WALLBOARD_VENDOR_PASSWORD": "hunter2", "WALLBOARD_WEB_PORT": "9000"}
    )
    assert s.vendor.password is not None
    assert s.vendor.password.get_secret_value() == "hunter2"
    assert s.web.port == 9000
    assert "hunter2" not in repr(s) and "hunter2" not in str(s.model_dump())


@pytest.mark.parametrize(
    ("text", "key", "words"),
    [
        ('[kpi]\nsl_threshold_seconds = "soon"\n', "kpi.sl_threshold_seconds", "integer"),
        ("[web]\nprot = 1\n", "web.prot", "unknown key"),
        ('[day]\ntimezone = "Mars/Olympus"\n', "day.timezone", "unknown time zone"),
        ("[kpi\n", "(syntax)", ""),
        ('source = "cloud"\n', "source", "simulator"),
    ],
)
def test_bad_config_names_file_and_key(tmp_path, text, key, words):
    path = tmp_path / "wb.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_settings(path, env={})
    assert info.value.file == str(path)
    assert info.value.key == key
    assert words in str(info.value)


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(ConfigError, match="no such file"):
        load_settings(tmp_path / "nope.toml", env={})


def test_fold_settings_take_per_queue_thresholds(tmp_path):
    path = tmp_path / "wb.toml"
    path.write_text(
        "[kpi]\nsl_threshold_seconds = 15\n[kpi.queues.77]\nsl_threshold_seconds = 40\n"
        '[day]\nreset_at = 06:00:00\ntimezone = "UTC"\n',
        encoding="utf-8",
    )
    f = load_settings(path, env={}).fold_settings()
    assert (f.sl_for(77), f.sl_for(78), f.reset_at, f.timezone) == (40, 15, time(6, 0), "UTC")


def test_the_example_in_the_package_is_the_one_in_the_repository():
    from wallboard.config import example_config

    packaged = (ROOT / "wallboard" / "config.example.toml").read_text(encoding="utf-8")
    assert example_config() == packaged
    assert (ROOT / "config.example.toml").read_text(encoding="utf-8") == packaged, (
        "keep them identical: cp wallboard/config.example.toml config.example.toml"
    )


def test_a_bad_environment_variable_is_named(tmp_path):
    path = tmp_path / "wb.toml"
    path.write_text("[web]\nport = 8080\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_settings(path, env={"WALLBOARD_WEB_PORT": "eighty"})
    assert info.value.file == "environment variable WALLBOARD_WEB_PORT"
    assert info.value.key == "web.port"
    assert "(defaults)" not in str(info.value) and str(path) not in str(info.value)


def test_every_problem_is_reported_at_once(tmp_path):
    path = tmp_path / "wb.toml"
    path.write_text("[web]\nprot = 1\nlanguge = 'he'\n[kpi]\nsl_threshold_seconds = -1\n")
    with pytest.raises(ConfigError) as info:
        load_settings(path, env={"WALLBOARD_CDR_MAX_BODY_BYTES": "lots"})
    keys = {(f, k) for f, k, _ in info.value.problems}
    assert keys == {
        (str(path), "web.prot"),
        (str(path), "web.languge"),
        (str(path), "kpi.sl_threshold_seconds"),
        ("environment variable WALLBOARD_CDR_MAX_BODY_BYTES", "cdr.max_body_bytes"),
    }
    assert len(str(info.value).splitlines()) == 4


def test_the_database_lives_in_the_data_directory_unless_configured(tmp_path, monkeypatch):
    monkeypatch.setenv("WALLBOARD_DATA_DIR", str(tmp_path / "data"))
    assert load_settings(None, env={}).store.resolved_path() == str(
        tmp_path / "data" / "wallboard.db"
    )
    s = load_settings(None, env={"WALLBOARD_STORE_PATH": "/srv/wb/x.db"})
    assert s.store.resolved_path() == "/srv/wb/x.db"
    monkeypatch.delenv("WALLBOARD_DATA_DIR")
    assert "wallboard" in load_settings(None, env={}).store.resolved_path()
    assert not load_settings(None, env={}).store.resolved_path().startswith(".")


def test_env_file_is_read_beneath_the_environment(tmp_path: Path) -> None:
    env_path = tmp_path / "secrets.env"
    env_path.write_text(
        "# the wallboard's secrets\nWALLBOARD_VENDOR_PASSWORD='from the file'\n"
        "WALLBOARD_WEB_PORT=9100\nOTHER=ignored\n"
    )
    env_path.chmod(0o600)
    cfg = tmp_path / "wb.toml"
    cfg.write_text('env_file = "secrets.env"\n[vendor]\nusername = "acme"\n')
    settings = load_settings(cfg, {"WALLBOARD_WEB_PORT": "9200"})
    assert settings.vendor.password is not None
    assert settings.vendor.password.get_secret_value() == "from the file"
    assert settings.web.port == 9200  # the real environment wins


def test_env_file_problems_name_the_key_and_the_file(tmp_path: Path) -> None:
    cfg = tmp_path / "wb.toml"
    cfg.write_text('env_file = "nope.env"\n')
    with pytest.raises(ConfigError) as e:
        load_settings(cfg, {})
    assert e.value.key == "env_file" and "no such file" in e.value.problem
    (tmp_path / "open.env").write_text("WALLBOARD_VENDOR_PASSWORD=x\n")
    (tmp_path / "open.env").chmod(0o644)
    cfg.write_text('env_file = "open.env"\n')
    with pytest.raises(ConfigError) as e:
        load_settings(cfg, {})
    assert "readable by every user" in e.value.problem and "chmod 600" in e.value.problem
