"""The Python API's input contract (fastq/_validate.py): every public function, called with values
of the wrong kind, raises FastqInputError naming a parameter or TypeError -- never an error from
inside NumPy, SciPy or Numba, and never starts work on them.

For each public callable, every required argument (or, when there is none, the first one) gets a
value drawn by hypothesis from wrong kinds: text that is not a number, None, booleans, lists of
text, dicts, plain objects.  A call must fail within a few seconds (a value accepted as valid
would start real work) with FastqInputError, or with TypeError raised by fastq itself or by the
call's binding.  Result records (``...Result``, ``CostEstimate``) and setups built by their own
``make_...`` function are outputs, not entry points, and are left out.
"""
from __future__ import annotations

import inspect
import signal
import traceback

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import fastq
from fastq import FastqInputError

RECORDS = {"CostEstimate", "SGDSetup", "RoutingSetup", "MLPSpec"}


def _entry_points():
    out = []
    for name in fastq.__all__:
        obj = getattr(fastq, name)
        if not callable(obj) or name.endswith("Result") or name in RECORDS:
            continue
        if isinstance(obj, type) and issubclass(obj, BaseException):
            continue
        out.append(name)
    return out


WRONG = st.one_of(
    st.text(alphabet="abcxyz_ ", min_size=1, max_size=6),
    st.none(),
    st.booleans(),
    st.lists(st.text(alphabet="abc", max_size=2), min_size=1, max_size=3),
    st.dictionaries(st.text(alphabet="ab", max_size=2), st.integers(), max_size=2),
    st.builds(object),
)


class _Slow(Exception):
    pass


def _alarm(signum, frame):
    raise _Slow


def _arguments(fn, value):
    sig = inspect.signature(fn)
    params = list(sig.parameters.values())
    req = [p for p in params if p.default is p.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    kwreq = {p.name: value for p in params if p.default is p.empty and p.kind == p.KEYWORD_ONLY}
    if not req and not kwreq:
        first = next((p for p in params if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)), None)
        if first is None:
            return None
        return [], {first.name: value}
    return [value] * len(req), kwreq


@pytest.mark.parametrize("name", _entry_points())
def test_wrong_kinds_get_a_named_error(name):
    fn = getattr(fastq, name)
    if isinstance(fn, type) and hasattr(fn, "from_bits"):  # Quantizer: its constructors too
        targets = [fn, fn.from_bits, fn.uniform]
    else:
        targets = [fn]

    @settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
    @given(value=WRONG)
    def check(value):
        for target in targets:
            call = _arguments(target, value)
            if call is None:
                continue
            args, kwargs = call
            old = signal.signal(signal.SIGALRM, _alarm)
            signal.alarm(20)  # generous: a refusal takes milliseconds; accepted junk would compute
            try:
                target(*args, **kwargs)
            except FastqInputError:
                pass
            except TypeError as exc:
                frames = traceback.extract_tb(exc.__traceback__)
                where = frames[-1].filename.replace("\\", "/")
                assert len(frames) == 1 or "/fastq/" in where, (
                    f"{name}({value!r}): TypeError from {where}: {exc}")
            except _Slow:
                pytest.fail(f"{name}({value!r}) started work on a wrong-kind value")
            except Exception as exc:  # noqa: BLE001 -- the point of the test
                frames = traceback.extract_tb(exc.__traceback__)
                pytest.fail(f"{name}({value!r}): {type(exc).__name__} from {frames[-1].filename}:"
                            f"{frames[-1].lineno}: {exc}")
            else:
                # accepted: only legitimate where the value is a documented option (None = default)
                assert value is None, f"{name} accepted {value!r}"
            finally:
                signal.alarm(0)
                signal.signal(signal.SIGALRM, old)

    check()


@pytest.mark.parametrize("value", [True, False])
def test_booleans_are_not_numbers(value):
    with pytest.raises(FastqInputError, match="alpha"):
        fastq.ridge(value, 0.01, 1.0)
    with pytest.raises(FastqInputError, match="omega"):
        fastq.Quantizer.uniform(2, value)


def test_numeric_strings_are_numbers_everywhere():
    """The one string rule: a string that spells a number is that number, in every function."""
    assert fastq.ridge("1.5", "0.01", "1").eg == fastq.ridge(1.5, 0.01, 1.0).eg
    q = fastq.Quantizer.uniform(2, 1.0)
    assert fastq.solve_rs(q, "1.5", "0.01", "1").eg == fastq.solve_rs(q, 1.5, 0.01, 1.0).eg
