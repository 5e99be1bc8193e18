"""Refresh the official e-invoice validation artefacts linkdesk ships (linkdesk/einvoice/rules/).

    python tools/refresh_rules.py --cen GIT --peppol GIT --schxslt GIT [--cen-ref R] ...

Each GIT is a clone (or a bare git directory) of, in turn:

- ConnectingEurope/eInvoicing-EN16931 (CEN EN 16931): its compiled stylesheet
  `ubl/xslt/EN16931-UBL-validation.xslt` is copied unchanged;
- OpenPEPPOL/peppol-bis-invoice-3 (Peppol BIS Billing 3.0): `rules/sch/PEPPOL-EN16931-UBL.sch` is
  Schematron only (queryBinding xslt2), so it is compiled to XSLT here;
- schxslt/schxslt (SchXslt, MIT): the XSLT 2.0 Schematron compiler that does it, run by saxonche.

It also writes store/data/peppol_eas.toml, Peppol's list of the schemes an EndpointID may carry.

Nothing is fetched from the network: check out (or fetch) the release wanted in each clone, or
name it with --cen-ref/--peppol-ref/--schxslt-ref (a tag or commit), run this, run the tests
(tests/test_official_rules.py runs the official example and unit-test files), and commit the
files it wrote. The README.md it writes there says which release of each is in force.
"""

from __future__ import annotations

import argparse
import io
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "linkdesk" / "einvoice" / "rules"
CEN_XSLT = "ubl/xslt/EN16931-UBL-validation.xslt"
PEPPOL_SCH = "rules/sch/PEPPOL-EN16931-UBL.sch"
SCHXSLT_DIR = "core/src/main/resources/xslt/2.0"
PEPPOL_EAS = "structure/codelist/eas.xml"
EAS_OUT = ROOT / "store" / "data" / "peppol_eas.toml"


def git(repo: Path, *args: str) -> bytes:
    return subprocess.run(["git", "-C", str(repo), *args], check=True,  # noqa: S603, S607
                          capture_output=True).stdout


def release(repo: Path, ref: str) -> tuple[str, str, str]:
    """(tag or description, commit, date) of `ref` in `repo`."""
    commit = git(repo, "rev-parse", f"{ref}^{{commit}}").decode().strip()
    try:
        tag = git(repo, "describe", "--tags", commit).decode().strip()
    except subprocess.CalledProcessError:
        tag = commit[:12]
    date = git(repo, "log", "-1", "--format=%cs", commit).decode().strip()
    return tag, commit, date


def mandatory_from(repo: Path, commit: str, tag: str) -> str:
    """What the Peppol release notes say of when the release must be used."""
    try:
        notes = git(repo, "show", f"{commit}:guide/release-notes/{tag}.adoc").decode()
    except subprocess.CalledProcessError:
        return "no release notes found"
    for line in notes.splitlines():
        if "Mandatory to use from" in line:
            return line.strip("* ").replace("::", ":")
    return "no mandatory date in the release notes"


def eas_table(codelist: bytes, release_: tuple[str, str, str]) -> str:
    """Peppol's Electronic Address Scheme code list as TOML: code = name."""
    import json

    from lxml import etree

    root = etree.fromstring(codelist, etree.XMLParser(resolve_entities=False, no_network=True))
    lines = ["# Peppol Electronic Address Schemes (EAS): the schemeID an EndpointID may carry",
             f"# ({PEPPOL_EAS} of OpenPEPPOL/peppol-bis-invoice-3 {release_[0]}, commit "
             f"{release_[1]}).", "# Written by tools/refresh_rules.py: do not edit.", "",
             "[codes]"]
    for code in root.iter("{*}Code"):
        key = code.findtext("{*}Id", "").strip()
        name = " ".join(code.findtext("{*}Name", "").split())
        if key:
            lines.append(f"{json.dumps(key)} = {json.dumps(name, ensure_ascii=False)}")
    return "\n".join(lines) + "\n"


def compile_schematron(schxslt: Path, ref: str, schematron: bytes) -> str:
    """The Schematron compiled to an XSLT that writes SVRL, by SchXslt's 2.0 pipeline."""
    from saxonche import PySaxonProcessor

    with tempfile.TemporaryDirectory() as tmp:
        archive = git(schxslt, "archive", "--format=tar", ref, SCHXSLT_DIR)
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(tmp, filter="data")
        pipeline = Path(tmp) / SCHXSLT_DIR / "pipeline-for-svrl.xsl"
        source = Path(tmp) / "schema.sch"
        source.write_bytes(schematron)
        with PySaxonProcessor(license=False) as saxon:
            xslt = saxon.new_xslt30_processor()
            executable = xslt.compile_stylesheet(stylesheet_file=str(pipeline))
            # no metadata (a timestamp, the processor): the same inputs give the same file
            executable.set_parameter("schxslt.compile.metadata", saxon.make_boolean_value(False))
            result = executable.transform_to_string(source_file=str(source))
    if not result or ("<xsl:transform" not in result and "<xsl:stylesheet" not in result):
        raise SystemExit("SchXslt wrote no stylesheet")
    return result


README = """\
# The official e-invoice validation artefacts

linkdesk checks every e-invoice it reads or writes with these stylesheets, run by SaxonC-HE
(`saxonche`), through `linkdesk/einvoice/official.py`. They are the artefacts themselves, not a
copy of their rules; written by `tools/refresh_rules.py`, never edited by hand.

- `EN16931-UBL-validation.xslt`: the CEN EN 16931 rules for UBL (CEN/TC 434), the release's
  own compiled stylesheet, unchanged. Release in force: **{cen_tag}** ({cen_date}), commit
  `{cen_commit}` of <https://github.com/ConnectingEurope/eInvoicing-EN16931>.
  Licence: EUPL 1.2 (the repository's LICENSE.txt; stated in the file's header).
- `PEPPOL-EN16931-UBL.xslt`: the Peppol BIS Billing 3.0 rules for UBL, `{peppol_sch}` compiled
  to XSLT. Release in force: **{peppol_tag}** ({peppol_date}; {peppol_mandatory}), commit
  `{peppol_commit}` of <https://github.com/OpenPEPPOL/peppol-bis-invoice-3>. Licence: the
  repository has no licence file; the BIS is Copyright OpenPeppol AISBL, "developed and
  published ... with no additional licensing requirements" (guide/bis/introduction.adoc), and
  the Schematron's header says the CEN/EN 16931-1 business terms are "reproduced with
  permission from CEN".
- `../../../store/data/peppol_eas.toml`: Peppol's Electronic Address Scheme code list
  (`structure/codelist/eas.xml` of the same Peppol release), the schemes an EndpointID may carry.

The Peppol stylesheet was compiled by SchXslt {schxslt_tag} (commit `{schxslt_commit}` of
<https://github.com/schxslt/schxslt>, MIT licence, Copyright (c) 2018-2021 David Maus), its XSLT
2.0 pipeline `pipeline-for-svrl.xsl` run by SaxonC-HE.

A file received is refused only for what the CEN stylesheet finds fatal (and for what breaks
XML or the UBL 2.1 schema); what the Peppol stylesheet finds is shown with the bill as a
warning. A file linkdesk writes passes both with no fatal assert (tests/test_ubl_export.py).

## Refreshing

Update the clones of the three repositories to the release wanted (a new CEN release tag
`validation-1.3.x`; the Peppol release whose "Mandatory to use from" date in
`guide/release-notes/` has come), then:

    .venv/bin/python tools/refresh_rules.py --cen CEN_CLONE --peppol PEPPOL_CLONE \\
        --schxslt SCHXSLT_CLONE [--cen-ref TAG] [--peppol-ref TAG] [--schxslt-ref TAG]
    .venv/bin/pytest -q tests/test_official_rules.py tests/test_ubl.py tests/test_ubl_export.py

and copy the new example and unit-test files into `tests/fixtures/official/` (its README says
which).
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    for name in ("cen", "peppol", "schxslt"):
        parser.add_argument(f"--{name}", type=Path, required=True, help="a git clone")
        parser.add_argument(f"--{name}-ref", default="HEAD", help="tag or commit (HEAD)")
    args = parser.parse_args(argv)
    cen = release(args.cen, args.cen_ref)
    peppol = release(args.peppol, args.peppol_ref)
    schxslt = release(args.schxslt, args.schxslt_ref)
    OUT.mkdir(exist_ok=True)
    (OUT / "EN16931-UBL-validation.xslt").write_bytes(
        git(args.cen, "show", f"{cen[1]}:{CEN_XSLT}"))
    compiled = compile_schematron(args.schxslt, schxslt[1],
                                  git(args.peppol, "show", f"{peppol[1]}:{PEPPOL_SCH}"))
    header = (f"<!-- Compiled from {PEPPOL_SCH} of OpenPEPPOL/peppol-bis-invoice-3 {peppol[0]} "
              f"(commit {peppol[1]}) by SchXslt {schxslt[0]} (commit {schxslt[1]}); "
              f"written by tools/refresh_rules.py, do not edit. -->\n")
    if compiled.startswith("<?xml"):
        declaration, _, rest = compiled.partition("?>")
        compiled = f"{declaration}?>\n{header}{rest.lstrip()}"
    else:
        compiled = header + compiled
    (OUT / "PEPPOL-EN16931-UBL.xslt").write_text(compiled, encoding="utf-8")
    EAS_OUT.write_text(eas_table(git(args.peppol, "show", f"{peppol[1]}:{PEPPOL_EAS}"), peppol),
                       encoding="utf-8")
    (OUT / "README.md").write_text(README.format(
        cen_tag=cen[0], cen_commit=cen[1], cen_date=cen[2], peppol_tag=peppol[0],
        peppol_commit=peppol[1], peppol_date=peppol[2],
        peppol_mandatory=mandatory_from(args.peppol, peppol[1], peppol[0]), peppol_sch=PEPPOL_SCH,
        schxslt_tag=schxslt[0], schxslt_commit=schxslt[1]), encoding="utf-8")
    print(f"wrote {OUT.relative_to(ROOT)}: CEN {cen[0]}, Peppol {peppol[0]}, "
          f"SchXslt {schxslt[0]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
