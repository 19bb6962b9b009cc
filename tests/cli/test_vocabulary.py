"""One name per concept across every subcommand, and the former spellings still parse.

fastq's vocabulary: ``--lr`` (a learning rate), ``--n`` (a dimension or size), ``--runs`` (a
number of independent repeats), ``--seed`` (the root seed), ``--jobs`` (workers), ``--coupling``
(a coupling strength), ``--out`` (output folder, default ``fastq-out/<command>``).  The spellings
of earlier releases are hidden aliases: they are not shown by ``--help`` but still work, for one
release.
"""
from __future__ import annotations

import argparse

import pytest

from fastq.cli import build_parser

#: concept -> (the name every command uses, spellings no command may show)
VOCABULARY = {
    "learning rate": ("--lr", {"--eta", "--lrs", "--learning-rate", "--step-size"}),
    "dimension": ("--n", {"--dim", "--n-features", "--sizes", "--N", "--d"}),
    "repeats": ("--runs", {"--instances", "--seeds", "--repeats", "--n-runs"}),
    "workers": ("--jobs", {"--n-jobs", "--workers", "-j"}),
    "coupling": ("--coupling", {"--gamma"}),
}
#: former spellings that must keep working: (command, old option, new dest)
ALIASES = [("exact", "--sizes", "n"), ("exact", "--instances", "runs"), ("ste", "--eta", "lr"),
           ("routing", "--eta", "lr"), ("routing", "--gamma", "coupling"), ("sgd", "--dim", "n"),
           ("qat", "--lrs", "lr"), ("qat", "--n-features", "n"), ("qat", "--seeds", "runs")]


def _subparsers():
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    seen, out = set(), {}
    for name, p in sub.choices.items():
        if id(p) not in seen:  # aliases (routing/route) share one parser
            seen.add(id(p))
            out[name] = p
    return out


def _visible(p) -> set[str]:
    return {s for a in p._actions if a.help != argparse.SUPPRESS for s in a.option_strings}


@pytest.mark.parametrize("command", sorted(_subparsers()))
def test_one_name_per_concept(command):
    shown = _visible(_subparsers()[command])
    for concept, (_name, banned) in VOCABULARY.items():
        assert not (shown & banned), f"fastq {command} shows {shown & banned} for the {concept}"


@pytest.mark.parametrize("command", sorted(_subparsers()))
def test_default_output_folder_is_fastq_out_command(command):
    p = _subparsers()[command]
    for a in p._actions:
        if "--out" in a.option_strings and a.default is not None:
            assert str(a.default) == f"fastq-out/{command}", (command, a.default)


@pytest.mark.parametrize("command,old,dest", ALIASES)
def test_former_spellings_still_parse(command, old, dest):
    p = _subparsers()[command]
    hidden = [a for a in p._actions if old in a.option_strings]
    assert hidden and hidden[0].help == argparse.SUPPRESS and hidden[0].dest == dest
