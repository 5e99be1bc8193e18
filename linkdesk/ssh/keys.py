"""A preparer's public key from one OpenSSH line: ed25519, ECDSA, or RSA of 3,072 bits or more."""

from __future__ import annotations

from store.ssh_door import KeyFacts

MIN_RSA_BITS = 3072
ALLOWED = ("ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521",
           "ssh-rsa")


class BadKey(ValueError):
    """The line is not a public key linkdesk accepts; the message says why, in one line."""


def fingerprint(key) -> str:
    """SHA256:..., as `ssh-keygen -l` and the OpenSSH client print it."""
    return key.get_fingerprint("sha256")


def read_key_line(text: str) -> KeyFacts:
    """The key of one OpenSSH public key line (`ssh-ed25519 AAAA... comment`); a private key,
    several keys, options before the type, or a weak kind are refused."""
    import asyncssh

    from linkdesk.i18n import _, ngettext

    lines = [line.strip() for line in text.splitlines()
             if line.strip() and not line.strip().startswith("#")]
    if not lines:
        raise BadKey(_("no public key given"))
    if len(lines) > 1:
        raise BadKey(ngettext("one public key at a time (this has {n} line)",
                              "one public key at a time (this has {n} lines)",
                              len(lines)).format(n=len(lines)))
    line = lines[0]
    if "PRIVATE KEY" in line:
        raise BadKey(_("that is a private key: give the .pub file"))
    parts = line.split(None, 2)
    if parts[0] not in ALLOWED:
        raise BadKey(_("not an accepted public key (ed25519, ECDSA, or RSA of {bits} bits or "
                       "more): {start!r}").format(bits=MIN_RSA_BITS, start=parts[0][:40]))
    try:
        key = asyncssh.import_public_key(" ".join(parts[:2]))
    except (asyncssh.KeyImportError, ValueError):
        raise BadKey(_("not a readable OpenSSH public key")) from None
    algorithm = key.get_algorithm()
    if algorithm != parts[0]:
        raise BadKey(_("the key is not of the type its line names"))
    if algorithm == "ssh-rsa":
        bits = key.pyca_key.key_size
        if bits < MIN_RSA_BITS:
            raise BadKey(_("an RSA key of {bits} bits is too weak: {min} bits or more").format(
                bits=bits, min=MIN_RSA_BITS))
    comment = parts[2].strip() if len(parts) > 2 else ""
    comment = "".join(c for c in comment if c.isprintable())[:200]
    return KeyFacts(algorithm, fingerprint(key), " ".join(parts[:2]), comment)
