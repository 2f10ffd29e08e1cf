"""`wallboard hash-password`: print a password hash for `[auth.users.<name>] password_hash`."""

from __future__ import annotations

import argparse
import getpass
import sys

from wallboard.web.auth import hash_password

__all__ = ["add_parser", "run"]


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "hash-password", help="hash a team lead's password (read from the terminal or stdin)"
    )
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    # Never from the command line: it would end up in the shell history and `ps`.
    if sys.stdin.isatty():
        password = getpass.getpass("password: ")
        if getpass.getpass("again: ") != password:
            print("wallboard hash-password: the two entries differ", file=sys.stderr)
            return 2
    else:
        password = sys.stdin.readline().rstrip("\n")
    if not password:
        print("wallboard hash-password: empty password", file=sys.stderr)
        return 2
    print(hash_password(password))
    return 0
