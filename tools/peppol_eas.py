"""Writes store/data/peppol_eas.toml: the electronic address schemes (EAS) a Peppol participant
identifier may use, as the Peppol BIS Billing 3.0 rules in force accept them (rule
PEPPOL-EN16931-CL008's list), named from the EAS code list beside them.

Usage: python tools/peppol_eas.py /path/to/peppol-bis-invoice-3 (a git checkout or mirror)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from lxml import etree

OUT = Path(__file__).resolve().parent.parent / "store" / "data" / "peppol_eas.toml"


def _show(repo: str, path: str) -> bytes:
    return subprocess.run(["git", "--git-dir", repo, "show", f"HEAD:{path}"],  # noqa: S603, S607
                          check=True,
                          capture_output=True).stdout


def main(repo: str) -> None:
    git_dir = repo if repo.endswith((".git", "repo")) else str(Path(repo) / ".git")
    rules = _show(git_dir, "rules/sch/PEPPOL-EN16931-UBL.sch").decode()
    accepted = re.search(r'name="eaid" value="tokenize\(\'([^\']*)\'', rules).group(1).split()
    names = {}
    root = etree.fromstring(_show(git_dir, "structure/codelist/eas.xml"))
    for code in root.iter("{*}Code"):
        names[code.findtext("{*}Id")] = " ".join((code.findtext("{*}Name") or "").split())
    commit = subprocess.run(["git", "--git-dir", git_dir, "rev-parse", "HEAD"],  # noqa: S603, S607
                            check=True, capture_output=True, text=True).stdout.strip()
    lines = ["# Electronic address schemes a Peppol participant identifier may use: the list of",
             "# rule PEPPOL-EN16931-CL008 in OpenPEPPOL/peppol-bis-invoice-3 (the repository",
             "# states no licence; Peppol publishes its code lists for all to use) at",
             f"# {commit}, named from its structure/codelist/eas.xml.",
             "# Made by tools/peppol_eas.py; run it again when the Peppol rules change.", ""]
    for code in accepted:
        name = names.get(code, "").replace("\\", "\\\\").replace('"', '\\"')
        lines.append(f'"{code}" = "{name}"')
    OUT.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {OUT}: {len(accepted)} schemes")


if __name__ == "__main__":
    main(sys.argv[1])
