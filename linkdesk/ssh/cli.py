"""`linkdesk user key add|list|remove`: the public keys that open the desk for a preparer."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from linkdesk.i18n import _, fill
from linkdesk.labels import key_error


def key_parsers(user_commands, options, command) -> None:
    """`user key add USERNAME FILE|-`, `user key list [USERNAME] [--json]`,
    `user key remove USERNAME FINGERPRINT`."""
    key = command(user_commands, "key", _("preparers' SSH keys (the desk over SSH)"), options)
    keys = key.add_commands("key_command")
    add = command(keys, "add", _("give a preparer a public key"), options,
                  description=_("One OpenSSH public key line (ed25519, ECDSA, or RSA of 3,072 "
                                "bits or more), from a file or - for standard input. With it, "
                                "ssh -p PORT USERNAME@host opens the desk signed in as them."))
    add.add_argument("username")
    add.add_argument("file", metavar="FILE|-")
    listed = command(keys, "list", _("the keys, by preparer (fingerprints, never keys)"),
                     options)
    listed.add_argument("username", nargs="?")
    listed.add_argument("--json", action="store_true", help=_("print them as JSON"))
    removed = command(keys, "remove", _("take a key away from a preparer"), options)
    removed.add_argument("username")
    removed.add_argument("fingerprint", metavar="FINGERPRINT", help="SHA256:...")


def _read(name: str, usage_error) -> str:
    if name == "-":
        return sys.stdin.read(64 * 1024)
    try:
        return Path(name).expanduser().read_text(encoding="utf-8")[:64 * 1024]
    except OSError as exc:
        raise usage_error(_("cannot read {path}: {reason}").format(
            path=name, reason=exc.strerror or exc)) from None
    except UnicodeDecodeError:
        raise usage_error(_("{path} is not a public key file").format(path=name)) from None


async def user_key(target, args, open_store, usage_error) -> int:
    from linkdesk.ssh.keys import BadKey, read_key_line
    from store.ssh_door import SshKeyError

    facts = None
    if args.key_command == "add":
        try:
            facts = read_key_line(_read(args.file, usage_error))
        except BadKey as exc:
            raise usage_error(f"{args.file}: {exc}") from None
    store = await open_store(target, must_exist=True)
    try:
        if args.key_command == "add":
            row = await store.ssh.add_key(args.username, facts)
            print(_("Added {algorithm} key {fingerprint} for {name}.").format(
                algorithm=row.algorithm, fingerprint=row.fingerprint, name=row.username))
        elif args.key_command == "remove":
            await store.ssh.remove_key(args.username, args.fingerprint)
            print(fill(_("Removed key {fingerprint} from {name}."),
                       fingerprint=args.fingerprint.strip(), name=args.username))
        else:
            rows = await store.ssh.keys(args.username)
            if args.json:
                print(json.dumps([{
                    "username": r.username, "fingerprint": r.fingerprint,
                    "algorithm": r.algorithm, "comment": r.comment,
                    "added_at": r.added_at.isoformat() + "Z",
                    "last_used_at": r.last_used_at.isoformat() + "Z" if r.last_used_at else None,
                } for r in rows]))
            else:
                for r in rows:
                    print(f"{r.username}  {r.fingerprint}  {r.algorithm}  {r.comment}".rstrip())
                if not rows:
                    print(_("No keys."))
    except SshKeyError as exc:
        raise usage_error(key_error(exc.code)) from None
    finally:
        await store.close()
    return 0
