"""`wallboard init-config` answered by flags (as a script runs it), and the files it writes."""

from __future__ import annotations

import io
import tomllib
from pathlib import Path

import pytest
from dotenv import dotenv_values

from wallboard.cli import main
from wallboard.commands.init_config import Answers, env_line, settings_text
from wallboard.config import example_config, load_settings
from wallboard.web.auth import verify_password

NASTY = ["plain", "it's", 'say "hi"', "back\\slash", "$HOME #not a comment", "שלום עולם", " x "]


@pytest.fixture
def answers_on_stdin(monkeypatch: pytest.MonkeyPatch):
    def feed(text: str) -> None:
        monkeypatch.setattr("sys.stdin", io.StringIO(text))

    return feed


def test_the_wizard_by_flags_writes_settings_and_a_0600_secrets_file(
    tmp_path: Path, answers_on_stdin, capsys
) -> None:
    admin_pw = tmp_path / "admin.txt"
    admin_pw.write_text("adm1n pass\n")
    answers_on_stdin("vendor pa$$ 'word'\n")
    path = tmp_path / "wb.toml"
    code = main(
        [
            "init-config",
            str(path),
            "--login-type=user",
            "--email=lead@acme.test",
            "--password-file=-",
            "--admin=rina",
            f"--admin-password-file={admin_pw}",
            "--no-check",
        ]
    )
    out = capsys.readouterr().out
    assert code == 0
    assert out.rstrip().endswith(f"start it with: wallboard run --config {path}")
    env_path = tmp_path / "wb.env"
    assert env_path.stat().st_mode & 0o777 == 0o600
    values = dotenv_values(env_path, interpolate=False)
    assert values["WALLBOARD_VENDOR_PASSWORD"] == "vendor pa$$ 'word'"
    assert len(values["WALLBOARD_CDR_SECRET"] or "") >= 32
    assert len(values["WALLBOARD_WEB_STORAGE_SECRET"] or "") >= 43
    text = path.read_text()
    assert "pa$$" not in text and "adm1n" not in text
    raw = tomllib.loads(text)
    assert raw["source"] == "vendor" and raw["env_file"] == "wb.env"
    assert "password" not in raw["vendor"]
    settings = load_settings(path, {})  # the environment file supplies the secrets
    assert settings.vendor.login_type == "user" and settings.vendor.email == "lead@acme.test"
    assert settings.vendor.password is not None
    assert settings.vendor.password.get_secret_value() == "vendor pa$$ 'word'"
    assert settings.cdr.secret is not None and settings.web.storage_secret is not None
    rina = settings.auth.users["rina"]
    assert rina.admin and verify_password("adm1n pass", rina.password_hash.get_secret_value())


def test_a_token_login_on_the_identity_stack(tmp_path: Path, answers_on_stdin) -> None:
    token, admin = tmp_path / "token", tmp_path / "admin"
    token.write_text("vendor-issued-token\n")
    admin.write_text("x\n")
    path = tmp_path / "wb.toml"
    args = ["init-config", str(path), "--login-type=token", "--login-api=identity"]
    args += ["--login-url=https://id.example/login", "--settings-url=https://id.example/s"]
    args += [f"--token-file={token}", f"--admin-password-file={admin}", "--no-check"]
    assert main(args) == 0
    settings = load_settings(path, {})
    assert settings.vendor.login_api == "identity"
    assert settings.vendor.settings_url == "https://id.example/s"
    assert settings.vendor.token is not None
    assert settings.vendor.token.get_secret_value() == "vendor-issued-token"
    assert settings.vendor.password is None


def test_without_a_terminal_a_missing_answer_names_its_flag(
    tmp_path: Path, answers_on_stdin, capsys
) -> None:
    answers_on_stdin("")
    assert main(["init-config", str(tmp_path / "wb.toml"), "--login-type=account"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("wallboard init-config: ") and "--username" in err
    assert not (tmp_path / "wb.toml").exists() and not (tmp_path / "wb.env").exists()


def test_existing_files_are_kept_unless_forced(tmp_path: Path, answers_on_stdin, capsys) -> None:
    (tmp_path / "wb.env").write_text("KEEP=1\n")
    answers_on_stdin("pw\n")
    args = ["init-config", str(tmp_path / "wb.toml"), "--username=a", "--password-file=-"]
    assert main(args) == 1
    assert "wb.env exists" in capsys.readouterr().err
    assert (tmp_path / "wb.env").read_text() == "KEEP=1\n"


@pytest.mark.parametrize("value", NASTY)
def test_a_secret_reads_back_the_same_from_the_environment_file(tmp_path: Path, value: str) -> None:
    path = tmp_path / "x.env"
    path.write_text(env_line("WALLBOARD_VENDOR_PASSWORD", value) + "\n")
    assert dotenv_values(path, interpolate=False)["WALLBOARD_VENDOR_PASSWORD"] == value


def test_the_settings_keep_every_documented_key_and_quote_what_they_insert() -> None:
    a = Answers("account", "legacy", "https://x/Login", "", 'acme "x"', "pw", "ad min", "p")
    text = settings_text(example_config(), a, "secrets dir/wb.env")
    raw = tomllib.loads(text)
    assert raw["vendor"]["username"] == 'acme "x"'
    assert raw["env_file"] == "secrets dir/wb.env"
    assert raw["auth"]["users"]["ad min"]["admin"] is True
    assert text.count("\n[") == example_config().count("\n[") + 1  # the admin's table only
