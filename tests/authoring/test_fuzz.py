"""Fuzz: byte-level mutations of the stock files never escape the loader.

A seeded mutator (so a failure names the seed that reproduces it) cuts, copies,
swaps and injects YAML syntax, control characters, invalid UTF-8, tags, anchors,
aliases, alias bombs and runaway nesting into the stock scenario and hierarchy
files. For every variant the loader must either accept the file or raise
AuthoringError whose every problem names a file and a line in it; no other
exception, and no variant may take long (a hang or an alias bomb would).
"""

from __future__ import annotations

import os
import random
import signal
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from vrtherapy.authoring import AuthoringError, load_library
from vrtherapy.authoring.stock import hierarchies_dir, scenes_dir

STOCK = sorted([*scenes_dir().glob("*.yaml"), *hierarchies_dir().glob("*.yaml")])
# 240 variants in the default run (about a minute); VRTHERAPY_FUZZ_CASES=5000 for a deep run
CASES = int(os.environ.get("VRTHERAPY_FUZZ_CASES", "240"))
SLOW_CASE_S = 5.0

TOKENS = [
    ": ", ", ", "- ", "? ", "{", "}", "[", "]", "#", "&a ", "*a", "&b ", "*b", "<<: *a\n",
    "!!float ", "!!int ", "!!bool ", "!!timestamp ", "!!binary ", "!!set ", "!!omap ",
    "!!python/object/apply:os.system ", "!custom ", "|\n", ">-\n", "---\n", "...\n",
    "%YAML 1.1\n", "'", '"', "\\", "\t", "\n", "  ", ".nan", ".inf", "-.inf", "~", "null",
    "yes", "0x", "1e999", "9" * 400, "2020-13-45", "\ufeff", "\u2028", "\x85", "é", "💥",
]  # fmt: skip
CONTROL = ["\x00", "\x01", "\x07", "\x08", "\x0b", "\x0c", "\x1b", "\x7f", "\ud800"]
INVALID_UTF8 = [b"\xff", b"\xc3", b"\xe2\x82", b"\xed\xa0\x80", b"\xf8\x88\x80\x80\x80"]


def _alias_bomb(rng: random.Random) -> str:
    width, depth = rng.randint(5, 12), rng.randint(5, 12)
    lines = [f"z0: &z0 [{', '.join(['lol'] * width)}]"]
    for i in range(1, depth):
        lines.append(f"z{i}: &z{i} [{', '.join([f'*z{i - 1}'] * width)}]")
    return "\n".join(lines) + "\n"


def _nesting(rng: random.Random) -> str:
    n = rng.choice([10, 63, 64, 65, 200, 1000, 3000])
    opener, closer = rng.choice([("[", "]"), ("{a: ", "}"), ("- ", "")])
    return opener * n + "1" + closer * n


def _span(rng: random.Random, text: str) -> tuple[int, int]:
    a = rng.randint(0, len(text))
    return a, min(len(text), a + rng.randint(0, 80))


def _insert(text: str, at: int, piece: str) -> str:
    return text[:at] + piece + text[at:]


def _anywhere(rng: random.Random, text: str) -> int:
    return rng.randint(0, len(text))


Mutation = Callable[[random.Random, str], str]

MUTATIONS: list[Mutation] = [
    lambda rng, t: _insert(t, _anywhere(rng, t), rng.choice(TOKENS)),
    lambda rng, t: _insert(t, _anywhere(rng, t), rng.choice(CONTROL)),
    lambda rng, t: _insert(t, _anywhere(rng, t), chr(rng.randrange(0x250))),
    lambda rng, t: (lambda a, b: t[:a] + t[b:])(*_span(rng, t)),  # delete
    lambda rng, t: (lambda a, b: _insert(t, _anywhere(rng, t), t[a:b]))(*_span(rng, t)),
    lambda rng, t: t[: _anywhere(rng, t)],  # truncate
    lambda rng, t: _swap_lines(rng, t),
    lambda rng, t: _reindent(rng, t),
    lambda rng, t: _insert(t, _line_start(rng, t), _alias_bomb(rng)),
    lambda rng, t: _replace_value(rng, t, _nesting(rng)),
    lambda rng, t: _replace_value(rng, t, rng.choice(TOKENS) + "zz"),
    lambda rng, t: _replace_value(rng, t, "&a " + rng.choice(["[1, *a]", "{b: *a}", "1"])),
]


def _line_start(rng: random.Random, text: str) -> int:
    return rng.choice([0] + [i + 1 for i, c in enumerate(text) if c == "\n"])


def _swap_lines(rng: random.Random, text: str) -> str:
    lines = text.split("\n")
    i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
    lines[i], lines[j] = lines[j], lines[i]
    return "\n".join(lines)


def _reindent(rng: random.Random, text: str) -> str:
    lines = text.split("\n")
    i = rng.randrange(len(lines))
    lines[i] = " " * rng.randint(0, 9) + lines[i].lstrip(" ")
    return "\n".join(lines)


def _replace_value(rng: random.Random, text: str, value: str) -> str:
    lines = text.split("\n")
    with_values = [i for i, line in enumerate(lines) if ": " in line]
    if not with_values:
        return text + "\nx: " + value
    i = rng.choice(with_values)
    key, _, _ = lines[i].partition(": ")
    lines[i] = key + ": " + value
    return "\n".join(lines)


def mutate(seed: int) -> tuple[Path, bytes]:
    """The stock file a variant comes from, and the variant's bytes."""
    rng = random.Random(seed)
    source = rng.choice(STOCK)
    text = source.read_text(encoding="utf-8")
    for _ in range(rng.randint(1, 4)):
        text = rng.choice(MUTATIONS)(rng, text)
    data = text.encode("utf-8", errors="surrogatepass")
    if rng.random() < 0.05:  # now and then, bytes that are not UTF-8 at all
        at = rng.randint(0, len(data))
        data = data[:at] + rng.choice(INVALID_UTF8) + data[at:]
    return source, data


class Hang(Exception):
    pass


@contextmanager
def time_limit(seconds: float, what: str) -> Iterator[None]:
    def on_alarm(signum: int, frame: object) -> None:
        raise Hang(f"{what} took over {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def slow_case_s() -> float:
    """How long a variant may take: ``SLOW_CASE_S``, or four times what loading the stock
    files themselves takes now, if that is more. Every variant is loaded with the whole
    stock library as context, so the time grows with the library and with the machine's
    load; a hang or an alias bomb takes far longer than either."""
    start = time.perf_counter()
    load_library(STOCK)
    return max(SLOW_CASE_S, 4 * (time.perf_counter() - start))


@pytest.mark.parametrize("batch", range(6))
def test_mutated_stock_files_give_located_errors_never_tracebacks_or_hangs(
    tmp_path: Path, batch: int
) -> None:
    per_batch = CASES // 6
    errors = 0
    limit = slow_case_s()
    for seed in range(batch * per_batch, (batch + 1) * per_batch):
        source, data = mutate(seed)
        folder = tmp_path / f"case{seed}"
        folder.mkdir()
        target = folder / source.name
        target.write_bytes(data)
        context = [p for p in STOCK if p.name != source.name]
        n_lines = data.count(b"\n") + 1
        try:
            with time_limit(limit, f"seed {seed}"):
                load_library([target], context=context)
        except AuthoringError as exc:
            errors += 1
            for problem in exc.problems:
                assert Path(problem.path).is_file(), (seed, str(problem))
                assert problem.line >= 1 and problem.column >= 1, (seed, str(problem))
                if Path(problem.path).name == target.name:
                    assert problem.line <= n_lines, (seed, str(problem), n_lines)
                assert problem.message, (seed, str(problem))
        except Hang as exc:
            pytest.fail(f"the loader hung: {exc}")
        except Exception as exc:  # the bug this test exists to catch
            pytest.fail(f"seed {seed}: {type(exc).__name__} escaped the loader: {exc}")
    assert errors > per_batch // 2  # the mutator does break files
