"""The official e-invoice validation artefacts, run: CEN EN 16931 and Peppol BIS Billing 3.0.

The stylesheets in `rules/` (their releases and licences in rules/README.md) are XSLT 2.0 that
write SVRL; SaxonC-HE (`saxonche`, Saxonica's own processor compiled to a native library: no
Java, no network) runs them, the only XSLT 2 processor on PyPI (lxml's libxslt is XSLT 1.0).

Loading is lazy: saxonche is imported, and each stylesheet compiled (about a second for both),
the first time a document is checked, never when the app or `linkdesk status` starts; the
compiled stylesheets are kept for the life of the process.

Threads: SaxonC-HE runs in a GraalVM isolate, and its C API asks each native thread to attach to
the isolate before it touches an object (SaxonProcessor::attachCurrentThread); the Python
wrapper does not say that its processor, compiled executables and nodes may be shared between
threads, and asyncio.to_thread hands calls to whichever pool thread is free. So one dedicated
thread owns every saxonche object: it creates the processor, compiles, parses and transforms;
callers on any thread (the event loop's workers, the command line's main thread) give it the
document and wait for the findings, plain Python values. Checks are serialised (a few
milliseconds a document each); nothing else waits on them.

A stylesheet that stops on a document (a dynamic error: Peppol's rules cast an empty amount to
a number, for one) gives one fatal finding named after it ("EN16931", "PEPPOL"), not an error:
the document is what is wrong, and the other stylesheet's verdict still counts.

Saxon is told to fetch nothing (allowed protocols: none): the stylesheets are compiled from
their text, and a document reaches it as text already parsed by lxml without a DTD.
"""

from __future__ import annotations

import threading
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from functools import cache
from pathlib import Path

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


class _Engine:
    """The thread that owns saxonche, and what it has compiled."""

    def __init__(self) -> None:
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="saxonche")
        self._owner: int | None = None
        self._processor = None
        self._executables: dict[str, object] = {}

    def submit(self, job, *args) -> Future:
        return self._thread.submit(self._in_thread, job, *args)

    def _in_thread(self, job, *args):
        if self._owner is None:
            self._owner = threading.get_ident()
        assert self._owner == threading.get_ident(), "saxonche used off its thread"
        return job(*args)

    def _executable(self, stylesheet: str):
        executable = self._executables.get(stylesheet)
        if executable is None:
            if self._processor is None:
                from saxonche import PySaxonProcessor

                self._processor = PySaxonProcessor(license=False)
                self._processor.set_configuration_property(_ALLOWED_PROTOCOLS, "")
            text = (RULES_DIR / stylesheet).read_text(encoding="utf-8")
            compiler = self._processor.new_xslt30_processor()
            executable = compiler.compile_stylesheet(stylesheet_text=text)
            if executable is None:
                raise ValidatorUnavailable(f"{stylesheet} did not compile")
            self._executables[stylesheet] = executable
        return executable

    def load(self, stylesheets: tuple[str, ...]) -> None:
        for stylesheet in stylesheets:
            self._executable(stylesheet)

    def run(self, xml_text: str, stylesheets: tuple[str, ...]) -> dict[str, str | Exception]:
        """Each stylesheet's SVRL, or the dynamic error it stopped on for this document."""
        outputs: dict[str, str | Exception] = {}
        for stylesheet in stylesheets:
            self._executable(stylesheet)  # a stylesheet that will not compile: unavailable
        node = self._processor.parse_xml(xml_text=xml_text)
        for stylesheet in stylesheets:
            try:
                outputs[stylesheet] = self._executables[stylesheet].transform_to_string(
                    xdm_node=node)
            except Exception as exc:  # e.g. FORG0001: a rule casts an empty value to a number
                outputs[stylesheet] = exc
        return outputs


@cache
def _engine() -> _Engine:
    return _Engine()


def load(stylesheets: tuple[str, ...] = STYLESHEETS) -> None:
    """Import saxonche and compile the stylesheets now (they are otherwise compiled on first
    use): for a bench, or to pay the cost before a batch."""
    _wait(_engine().submit(_engine().load, stylesheets))


def check(xml: str | bytes, stylesheets: tuple[str, ...] = STYLESHEETS) -> dict[str, list[Finding]]:
    """What each artefact finds in the document: {stylesheet: [Finding, ...]}, in document
    order. `xml` is the document as text (as lxml serialised it; bytes are parsed with
    entities and DTDs off first). Safe to call from any thread."""
    if isinstance(xml, bytes):
        xml = _safe_text(xml)
    outputs = _wait(_engine().submit(_engine().run, xml, tuple(stylesheets)))
    return {name: parse_svrl(output) if isinstance(output, str) else [stopped(name, output)]
            for name, output in outputs.items()}


def stopped(stylesheet: str, error: Exception) -> Finding:
    """A stylesheet that stopped on a document (a rule that cannot evaluate what it found,
    such as an empty amount): a fatal finding of its own, named after the artefact."""
    rule = "EN16931" if stylesheet == CEN else "PEPPOL"
    message = " ".join(str(error).split())[:200]
    return Finding(rule, "fatal", f"the {rule} rules stopped on this document: {message}", "/")


def _wait(future: Future):
    try:
        return future.result()
    except ValidatorUnavailable:
        raise
    except ImportError as exc:
        raise ValidatorUnavailable(f"saxonche is not installed: {exc}") from None
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
