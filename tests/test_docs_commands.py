"""Every `cahts …` command the README and the setup guide show parses as written."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from web.cli import build_parser

ROOT = Path(__file__).resolve().parents[1]
DOCS = ("README.md", "docs/setup.md")


def _shell_lines(text: str) -> list[str]:
    """The lines of ```sh blocks, with backslash continuations joined."""
    lines: list[str] = []
    for block in re.findall(r"```sh\n(.*?)```", text, re.S):
        lines += block.replace("\\\n", " ").splitlines()
    return lines


def _commands() -> list[tuple[str, str]]:
    found = []
    for name in DOCS:
        for line in _shell_lines((ROOT / name).read_text()):
            match = re.search(r"(?:^|\s)(?:\.venv/bin/)?cahts (.*)", line)
            if match and not line.lstrip().startswith("#"):
                found.append((name, match.group(1)))
    return found


def _words(command: str) -> list[str]:
    """Shell words up to a comment, pipe or redirection; optional `[…]` parts kept (they must
    parse too) and `<…>` placeholders filled."""
    command = re.sub(r"\s+#.*$", "", command)
    command = re.split(r"\s[|>]\s?", command)[0]
    command = re.sub(r"\[([^\]]*)\]", r"\1", command)
    command = re.sub(r"<[^>]*>", "X", command)
    return shlex.split(command.replace("$", ""))


COMMANDS = _commands()


def test_the_docs_show_the_main_commands() -> None:
    shown = {_words(command)[0] for _, command in COMMANDS}
    assert {"serve", "createuser", "doctor", "migrate", "account"} <= shown


@pytest.mark.parametrize(
    ("doc", "command"), COMMANDS, ids=[f"{d}:{' '.join(_words(c)[:2])}" for d, c in COMMANDS]
)
def test_documented_command_parses(doc: str, command: str) -> None:
    try:
        build_parser().parse_args(_words(command))
    except SystemExit as exc:
        pytest.fail(f"{doc}: `cahts {command}` does not parse (exit {exc.code})")
