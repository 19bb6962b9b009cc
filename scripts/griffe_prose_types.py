"""A Griffe extension for the API pages: prose written where numpy docstrings put the type.

Many of fastq's docstrings list attributes and parameters as ``name : what it is`` -- one line of
prose after the colon, where the numpy convention expects a type (``eg : float`` followed by an
indented description).  Rendered as written, the prose lands in the "Type" column of the API
tables.  This extension moves such prose to the description (``name`` then the prose, indented)
before the docstring is parsed; entries whose text after the colon reads as a type (``float > 0``,
``(N, K) array, optional``, ``int in [1, 1e7]``) are left alone.  The docstrings themselves are
not changed.  Loaded by mkdocstrings (``extensions:`` in ``mkdocs.yml``).
"""
from __future__ import annotations

import re

from griffe import Extension

SECTIONS = ("Parameters", "Other Parameters", "Attributes")
#: first words of a type description
TYPE_WORDS = {
    "float", "int", "bool", "str", "complex", "array", "ndarray", "array-like", "list", "tuple", "dict",
    "set", "sequence", "callable", "object", "path", "none", "optional", "iterable", "mapping",
    "quantizer", "numpy", "np.ndarray", "bytes", "any", "type", "pathlib.path", "dataclass",
}
_ENTRY = re.compile(r"^(?P<indent>\s*)(?P<name>\*{0,2}[A-Za-z_][\w, *]*?) : (?P<text>.+)$")
_HEADER = re.compile(r"^\s*(?P<title>[A-Z][A-Za-z ]+)\n\s*-{3,}\s*$", re.M)


def looks_like_prose(text: str) -> bool:
    """True when the text after ``name :`` is a description rather than a type."""
    text = text.strip()
    if "``" in text or text.endswith(".") or text[0] in "\"'":
        return True
    first = re.split(r"[\s,;:]", text, maxsplit=1)[0].lower().strip("`")
    if not first or first[0] in "({[" or first[0].isdigit() or first[0].isupper():
        return False
    base = re.split(r"[\[(<>=]", first)[0]
    return base not in TYPE_WORDS and not any(base.startswith(w + ".") for w in ("np", "fastq"))


def fix(doc: str) -> str:
    """The docstring with prose-in-type entries of its parameter/attribute sections moved."""
    lines = doc.split("\n")
    out, section = [], None
    for i, line in enumerate(lines):
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        if re.fullmatch(r"\s*-{3,}\s*", nxt) and line.strip():
            section = line.strip()
        elif re.fullmatch(r"\s*-{3,}\s*", line):
            pass
        elif section in SECTIONS:
            m = _ENTRY.match(line)
            if m and looks_like_prose(m.group("text")):
                out += [f"{m.group('indent')}{m.group('name')}", f"{m.group('indent')}    {m.group('text')}"]
                continue
        out.append(line)
    return "\n".join(out)


class ProseTypes(Extension):
    """Move prose out of the type slot of numpy docstring entries (see the module docstring)."""

    def on_instance(self, *, node, obj, agent, **kwargs) -> None:  # noqa: D102
        if obj.docstring is not None:
            obj.docstring.value = fix(obj.docstring.value)
