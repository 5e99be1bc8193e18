"""The official e-invoice validation artefacts, run: CEN EN 16931 and Peppol BIS Billing 3.0.

The stylesheets in `rules/` (their releases and licences in rules/README.md) are XSLT 2.0 that
write SVRL; SaxonC-HE (`saxonche`, Saxonica's own processor compiled to a native library: no
Java, no network) runs them, the only XSLT 2 processor on PyPI (lxml's libxslt is XSLT 1.0).

Loading is lazy: saxonche is imported, and each stylesheet compiled (about a second for both),
the first time a document is checked, never when the app or `linkdesk status` starts; the
compiled stylesheets are kept for the life of the process.

A process of its own: SaxonC-HE runs in a GraalVM isolate whose objects the Python wrapper
does not say may be shared between threads, and it prints a stylesheet's dynamic errors on the
process's standard error from native code, where no Python redirection reaches: in the desk,
whose screen Textual writes on that same stream, they would be drawn over it. So saxonche lives
in worker processes (a spawned pool, one per core at most) whose standard output and error are
/dev/null; each owns its processor and compiled stylesheets, gets a document's text and
returns the findings, plain values. Callers on any thread wait on the answer; a batch spreads
its documents over the workers.

A stylesheet that stops on a document (a dynamic error: Peppol's rules cast an empty amount to
a number, for one) gives one fatal finding named after it ("EN16931", "PEPPOL"), not an error:
the document is what is wrong, and the other stylesheet's verdict still counts.

Saxon is told to fetch nothing (allowed protocols: none): the stylesheets are compiled from
their text, and a document reaches it as text already parsed by lxml without a DTD.
"""

from __future__ import annotations

import os
import sys
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from functools import cache
from multiprocessing import get_context
from pathlib import Path
from typing import Any

RULES_DIR = Path(__file__).with_name("rules")
CEN = "EN16931-UBL-validation.xslt"
PEPPOL = "PEPPOL-EN16931-UBL.xslt"
STYLESHEETS = (CEN, PEPPOL)
SVRL = "http://purl.oclc.org/dsdl/svrl"
_ALLOWED_PROTOCOLS = "http://saxon.sf.net/feature/allowedProtocols"


@dataclass(frozen=True)
class Finding:
    """One failed assert (or fired report) of an artefact."""

    rule: str  # "BR-CO-10", "PEPPOL-EN16931-R010", ...
    flag: str  # "fatal" or "warning" (as the artefact flags it)
    text: str  # the artefact's own words (English)
    location: str  # XPath of the node it is about

    @property
    def fatal(self) -> bool:
        return self.flag == "fatal"


class ValidatorUnavailable(RuntimeError):
    """The artefacts could not be run at all (a broken install): not a verdict on the file."""


WORKERS = max(1, min(2, os.cpu_count() or 1))
_processor: Any = None  # in a worker: the process's one saxonche processor (untyped)
_executables: dict[str, Any] = {}


def _silence_and_load(stylesheets: tuple[str, ...]) -> None:
    """A worker's start: its output goes nowhere (see above), then saxonche and the rules."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    os.close(devnull)
    for stylesheet in stylesheets:
        _executable(stylesheet)


def _executable(stylesheet: str):
    global _processor
    executable = _executables.get(stylesheet)
    if executable is None:
        if _processor is None:
            from saxonche import PySaxonProcessor

            _processor = PySaxonProcessor(license=False)
            _processor.set_configuration_property(_ALLOWED_PROTOCOLS, "")
        text = (RULES_DIR / stylesheet).read_text(encoding="utf-8")
        executable = _processor.new_xslt30_processor().compile_stylesheet(stylesheet_text=text)
        if executable is None:
            raise ValidatorUnavailable(f"{stylesheet} did not compile")
        _executables[stylesheet] = executable
    return executable


def _run(xml_text: str, stylesheets: tuple[str, ...]) -> dict[str, list[Finding]]:
    """In a worker: each stylesheet's findings, or the dynamic error it stopped on."""
    for stylesheet in stylesheets:
        _executable(stylesheet)  # a stylesheet that will not compile: unavailable
    node = _processor.parse_xml(xml_text=xml_text)
    found: dict[str, list[Finding]] = {}
    for stylesheet in stylesheets:
        try:
            output = _executables[stylesheet].transform_to_string(xdm_node=node)
        except Exception as exc:  # e.g. FORG0001: a rule casts an empty value to a number
            found[stylesheet] = [stopped(stylesheet, exc)]
        else:
            found[stylesheet] = parse_svrl(output)
    return found


def _loaded() -> None:
    """In a worker: nothing; a job that proves the worker started and compiled."""


@cache
def _pool() -> ProcessPoolExecutor:
    # multiprocessing's resource tracker (started with the pool) hands its child the fd of
    # sys.stderr; Textual replaces sys.stderr with a capture whose fileno() is -1, which the
    # child cannot be given. It gets the process's own standard error instead, for that moment.
    from multiprocessing import resource_tracker

    captured = sys.stderr
    try:
        if _fileno(captured) < 0 and sys.__stderr__ is not None:
            sys.stderr = sys.__stderr__
        resource_tracker.ensure_running()
        return ProcessPoolExecutor(max_workers=WORKERS, mp_context=get_context("spawn"),
                                   initializer=_silence_and_load, initargs=(STYLESHEETS,))
    finally:
        sys.stderr = captured


def _fileno(stream) -> int:
    try:
        return stream.fileno()
    except (AttributeError, OSError, ValueError):
        return -1


def load(stylesheets: tuple[str, ...] = STYLESHEETS) -> None:
    """Start the workers and compile the stylesheets now (otherwise done on first use): for a
    bench, or to pay the cost before a batch."""
    _wait([_pool().submit(_loaded) for _worker in range(WORKERS)])


def check(xml: str | bytes, stylesheets: tuple[str, ...] = STYLESHEETS) -> dict[str, list[Finding]]:
    """What each artefact finds in the document: {stylesheet: [Finding, ...]}, in document
    order. `xml` is the document as text (as lxml serialised it; bytes are parsed with
    entities and DTDs off first). Safe to call from any thread; calls from several threads
    run side by side, one per worker."""
    if isinstance(xml, bytes):
        xml = _safe_text(xml)
    return _wait([_pool().submit(_run, xml, tuple(stylesheets))])[0]


def stopped(stylesheet: str, error: Exception) -> Finding:
    """A stylesheet that stopped on a document (a rule that cannot evaluate what it found,
    such as an empty amount): a fatal finding of its own, named after the artefact."""
    rule = "EN16931" if stylesheet == CEN else "PEPPOL"
    message = " ".join(str(error).split())[:200]
    return Finding(rule, "fatal", f"the {rule} rules stopped on this document: {message}", "/")


def _wait(futures: list[Future]) -> list:
    try:
        return [future.result() for future in futures]
    except ValidatorUnavailable:
        raise
    except ImportError as exc:
        raise ValidatorUnavailable(f"saxonche is not installed: {exc}") from None
    except BrokenProcessPool as exc:  # a worker could not start (saxonche missing?) or died
        _pool.cache_clear()
        raise ValidatorUnavailable(f"the validator's process stopped: {exc}") from None
    except Exception as exc:  # PySaxonApiError and the like: the engine, not the document
        raise ValidatorUnavailable(f"{type(exc).__name__}: {exc}") from None


def _safe_text(data: bytes) -> str:
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                             huge_tree=False)
    root = etree.fromstring(data, parser)
    if root.getroottree().docinfo.internalDTD is not None:
        raise ValueError("a document type declaration is not allowed")
    return etree.tostring(root, encoding="unicode")


def parse_svrl(output: str) -> list[Finding]:
    """The failed asserts and fired reports of an SVRL report."""
    from lxml import etree

    if not output:
        raise ValidatorUnavailable("the artefact wrote no report")
    root = etree.fromstring(output.encode("utf-8"), etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=True))
    findings = []
    for node in root.iter(f"{{{SVRL}}}failed-assert", f"{{{SVRL}}}successful-report"):
        text = node.find(f"{{{SVRL}}}text")
        findings.append(Finding(
            node.get("id") or "", (node.get("flag") or "fatal").lower(),
            " ".join((text.xpath("string()") if text is not None else "").split()),
            node.get("location") or ""))
    return findings
