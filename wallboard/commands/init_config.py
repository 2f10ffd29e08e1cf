"""`wallboard init-config [PATH]`: a settings file to start from.

On a terminal, a wizard: it asks how to log in to Voicenter (account, user or token; the
legacy or the identity stack) and for the credentials (hidden), writes the secrets — the
vendor password or token, a new CDR webhook secret and a new session secret — to an
environment file beside PATH with mode 0600 (never into the TOML), creates the first
admin user, runs `check-config`, and ends with the one command that starts the wallboard.
Every answer has a flag, for scripts (secrets from files, never from the command line).
Without a terminal and without those flags it writes the documented example, whose
`source = "simulator"` makes `wallboard run` show the built-in simulated floor.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import re
import secrets
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from wallboard.config import VendorSettings, example_config, load_settings
from wallboard.errors import ConfigError

__all__ = ["Answers", "add_parser", "env_line", "run", "settings_text"]

_KINDS = {
    "account": "the whole account: its username and password",
    "user": "one user: e-mail and password, that user's extensions",
    "token": "a token Voicenter issued",
}
_STACKS = {
    "legacy": "loginapi.voicenter.co.il, what most accounts use",
    "identity": "the newer identity login, with a settings URL",
}
_WIZARD_FLAGS = (
    "login_type",
    "login_api",
    "login_url",
    "settings_url",
    "username",
    "email",
    "password_file",
    "token_file",
    "admin",
    "admin_password_file",
)


@dataclass(frozen=True)
class Answers:
    """What the wizard learned; `secret` is the password, or the token for login_type token."""

    login_type: str
    login_api: str
    login_url: str
    settings_url: str
    identity: str  # the username (account) or e-mail (user); "" for a token
    secret: str
    admin: str
    admin_password: str


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register `wallboard init-config`."""
    p = sub.add_parser(
        "init-config",
        help="connect your Voicenter account: write settings and secrets, check them",
    )
    p.add_argument(
        "path", type=Path, nargs="?", default=None, help="where to write it (default: stdout)"
    )
    p.add_argument("--force", action="store_true", help="replace existing files")
    p.add_argument("--login-type", choices=list(_KINDS), help="who logs in (asked on a terminal)")
    p.add_argument("--login-api", choices=list(_STACKS), help="the vendor's login stack")
    p.add_argument("--login-url", help="the login URL (default: the vendor's, per stack)")
    p.add_argument("--settings-url", help="identity stack: the settings URL")
    p.add_argument("--username", help="login type account: the account's username")
    p.add_argument("--email", help="login type user: the user's e-mail")
    p.add_argument("--password-file", help="a file whose first line is the password (- = stdin)")
    p.add_argument("--token-file", help="login type token: a file with the token (- = stdin)")
    p.add_argument("--admin", help="the first admin user's name (default: admin)")
    p.add_argument("--admin-password-file", help="a file with the admin's password (- = stdin)")
    p.add_argument("--env-file", type=Path, help="where the secrets go (default: PATH.env)")
    p.add_argument("--no-check", action="store_true", help="do not run check-config at the end")
    p.add_argument("--timeout", type=float, default=20.0, help="check-config's limit in seconds")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """The wizard on a terminal or with its flags; else the documented example as today."""
    path: Path | None = args.path
    flags = any(getattr(args, name) is not None for name in _WIZARD_FLAGS)
    wizard = path is not None and (flags or sys.stdin.isatty())
    if path is None and flags:
        raise ConfigError("wallboard init-config", "PATH", "the wizard needs a file to write")
    if not wizard:
        return _example(path, args.force)
    assert path is not None
    env_path: Path = args.env_file or path.with_suffix(".env")
    for target in (path, env_path):
        if target.exists() and not args.force:
            print(f"{target} exists (use --force to replace it)", file=sys.stderr)
            return 1
    answers = _answers(args, sys.stdin.isatty())
    _write_env(env_path, answers)
    env_name = os.path.relpath(env_path.resolve(), path.resolve().parent)  # as `env_file` reads
    path.write_text(settings_text(example_config(), answers, env_name), encoding="utf-8")
    load_settings(path)  # what it wrote must load; a ConfigError here names the key
    print(f"wallboard init-config: wrote {path} and {env_path} (the secrets, mode 0600)")
    code = 0 if args.no_check else _check(path, args.timeout)
    _finish(path, code)
    return code


def _example(path: Path | None, force: bool) -> int:
    text = example_config()
    if path is None:
        sys.stdout.write(text)
        return 0
    if path.exists() and not force:
        print(f"{path} exists (use --force to replace it)", file=sys.stderr)
        return 1
    path.write_text(text, encoding="utf-8")
    print(
        f"wallboard init-config: wrote {path} (the built-in simulator; set source = "
        f'"vendor" and [vendor] for your account); then `{_prog()} run --config {path}`'
    )
    return 0


def _check(path: Path, timeout: float) -> int:
    from wallboard.commands import check_config

    print(f"wallboard init-config: checking the login ({_prog()} check-config --config {path})")
    return check_config.run(argparse.Namespace(config=path, timeout=timeout))


def _finish(path: Path, code: int) -> None:
    secret = "$WALLBOARD_CDR_SECRET"
    print(
        "wallboard init-config: Voicenter's CDR webhook: "
        f"https://<this server>/vendor/cdr/{secret} (the secret is in the environment file)"
    )
    if code != 0:
        print(
            "wallboard init-config: the check failed (above); fix it, then "
            f"`{_prog()} check-config --config {path}`",
            file=sys.stderr,
        )
    print(f"wallboard init-config: start it with: {_prog()} run --config {path}")


def _prog() -> str:
    """`wallboard` as the user can type it again: the path they typed (`.venv/bin/wallboard`)
    when that is not the `wallboard` on their PATH."""
    typed = sys.argv[0] if sys.argv else ""
    if Path(typed).name != "wallboard" or "/" not in typed:
        return "wallboard"
    on_path = shutil.which("wallboard")
    same = on_path is not None and Path(on_path).resolve() == Path(typed).resolve()
    return "wallboard" if same else typed


# --- the answers ----------------------------------------------------------------------------


def _answers(args: argparse.Namespace, tty: bool) -> Answers:
    ask = _Asker(tty)
    if tty:
        print("wallboard init-config: connect your Voicenter account (Enter takes [the default])")
    kind = args.login_type or ask.choice("How does the wallboard log in?", _KINDS, "account")
    stack = args.login_api or ask.choice("Which login stack?", _STACKS, "legacy")
    default_url = VendorSettings().login_url if stack == "legacy" else ""
    url = args.login_url or ask.text("Login URL", default_url, "--login-url")
    settings_url = ""
    if stack == "identity":
        settings_url = args.settings_url or ask.text("Settings URL", "", "--settings-url")
    identity = ""
    if kind == "account":
        identity = args.username or ask.text("Account username", "", "--username")
    elif kind == "user":
        identity = args.email or ask.text("User e-mail", "", "--email")
    if kind == "token":
        secret = ask.secret("Token", args.token_file, "--token-file")
    else:
        secret = ask.secret("Password", args.password_file, "--password-file")
    admin = args.admin or ask.text("First admin user of the wallboard", "admin", "--admin")
    admin_password = ask.secret(
        f"Password for {admin}", args.admin_password_file, "--admin-password-file", twice=True
    )
    return Answers(kind, stack, url, settings_url, identity, secret, admin, admin_password)


class _Asker:
    """Questions on the terminal; without one, a missing answer names its flag."""

    def __init__(self, tty: bool) -> None:
        self.tty = tty
        self.stdin_used = False

    def _missing(self, what: str, flag: str) -> ConfigError:
        return ConfigError("wallboard init-config", flag, f"{what}: required without a terminal")

    def choice(self, question: str, options: dict[str, str], default: str) -> str:
        if not self.tty:
            return default
        print(question)
        for name, meaning in options.items():
            print(f"  {name:9} {meaning}")
        while True:
            got = input(f"[{default}]: ").strip() or default
            if got in options:
                return got
            print(f"  one of: {', '.join(options)}")

    def text(self, question: str, default: str, flag: str) -> str:
        if not self.tty:
            if default:
                return default
            raise self._missing(question, flag)
        while True:
            got = input(f"{question}{f' [{default}]' if default else ''}: ").strip() or default
            if got:
                return got

    def secret(self, question: str, source: str | None, flag: str, twice: bool = False) -> str:
        if source is not None:
            return self._read(source, flag)
        if not self.tty:
            raise self._missing(question, flag)
        while True:
            # The prompt with the questions before it (getpass writes to stderr without a
            # controlling terminal).
            got = getpass.getpass(f"{question} (hidden): ", stream=sys.stdout)
            if not got:
                continue
            if not twice or getpass.getpass("Again: ", stream=sys.stdout) == got:
                return got
            print("  the two entries differ; again")

    def _read(self, source: str, flag: str) -> str:
        """The first line of a file, or of stdin for "-" (each stdin line used once)."""
        try:
            if source == "-":
                value = sys.stdin.readline().rstrip("\r\n")
            else:
                value = Path(source).read_text(encoding="utf-8").splitlines()[0]
        except (OSError, IndexError, UnicodeDecodeError) as e:
            raise ConfigError("wallboard init-config", flag, f"cannot read {source}: {e}") from None
        if not value:
            raise ConfigError("wallboard init-config", flag, f"{source}: empty")
        return value


# --- the files ------------------------------------------------------------------------------


def env_line(name: str, value: str) -> str:
    """`NAME='value'`, read back the same by python-dotenv and systemd's EnvironmentFile=."""
    if "\n" in value or "\r" in value:
        raise ConfigError("wallboard init-config", name, "a secret of one line, please")
    if "'" not in value:
        return f"{name}='{value}'"
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'{name}="{escaped}"'


def _write_env(path: Path, a: Answers) -> None:
    secret_var = (
        "WALLBOARD_VENDOR_TOKEN" if a.login_type == "token" else "WALLBOARD_VENDOR_PASSWORD"
    )
    lines = [
        "# The wallboard's secrets (written by `wallboard init-config`): read through",
        "# `env_file` in the settings file, or by systemd's EnvironmentFile=. Keep it 0600.",
        env_line(secret_var, a.secret),
        "# The last path segment of the CDR webhook URL Voicenter posts to.",
        env_line("WALLBOARD_CDR_SECRET", secrets.token_urlsafe(24)),
        "# Signs login sessions (they survive a restart with it).",
        env_line("WALLBOARD_WEB_STORAGE_SECRET", secrets.token_urlsafe(32)),
    ]
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)  # also when the file was there before, with another mode
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")


def _toml(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)  # a TOML basic string


def _set(text: str, section: str, key: str, value: str) -> str:
    """The first `key = …` of `[section]` set to `value` (commented out or not)."""
    start = text.index(f"\n[{section}]\n")
    end = text.find("\n[", start + 1)
    end = len(text) if end < 0 else end
    body = text[start:end]
    line = re.compile(rf"^#? ?{re.escape(key)} = [^\n]*$", re.M)
    new, n = line.subn(lambda _: f"{key} = {_toml(value)}", body, count=1)
    if n == 0:
        new = body.rstrip("\n") + f"\n{key} = {_toml(value)}\n"
    return text[:start] + new + text[end:]


def settings_text(example: str, a: Answers, env_file: str) -> str:
    """The documented example with the answers: the vendor, `env_file`, the first admin."""
    from wallboard.web.auth import hash_password

    text = re.sub(r'^source = "simulator"$', 'source = "vendor"', example, count=1, flags=re.M)
    line = f"env_file = {_toml(env_file)}  # the secrets: vendor login, CDR and session secrets"
    text, n = re.subn(r"^# env_file = .*$", lambda _: line, text, count=1, flags=re.M)
    if n == 0:  # an example without the commented key: right after `source`
        text = text.replace('source = "vendor"\n', f'source = "vendor"\n{line}\n', 1)
    vendor = {"login_type": a.login_type, "login_api": a.login_api, "login_url": a.login_url}
    if a.settings_url:
        vendor["settings_url"] = a.settings_url
    if a.identity:
        vendor["email" if a.login_type == "user" else "username"] = a.identity
    for key, value in vendor.items():
        text = _set(text, "vendor", key, value)
    admin = _toml(a.admin) if not re.fullmatch(r"[A-Za-z0-9_-]+", a.admin) else a.admin
    return text + (
        f"\n# The first admin (made by `wallboard init-config`); more at /admin/users.\n"
        f"[auth.users.{admin}]\n"
        f"password_hash = {_toml(hash_password(a.admin_password))}\n"
        "admin = true\n"
    )
