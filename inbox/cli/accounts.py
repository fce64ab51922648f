"""`cahts account add|list|remove`: connect accounts before the OAuth flows exist."""

from __future__ import annotations

import argparse
import asyncio
import uuid

from inbox.cli.common import CommandError, database
from inbox.cli.workspaces import resolve_workspace
from inbox.graph import GraphClient
from inbox.models import PlatformAccount
from inbox.platforms.registry import get_adapter, platform_names
from inbox.services.accounts.connections import ConnectError, connect_form
from inbox.services.accounts.crypto import TokenCipher
from inbox.settings import Settings


async def add_form_account(
    settings: Settings, args: argparse.Namespace
) -> tuple[PlatformAccount, bool]:
    """Connect a form platform's account: checked with the platform, its webhook set."""
    adapter = get_adapter(args.platform)
    assert adapter is not None
    fields = {f.name: args.token for f in adapter.connect_fields[:1]}
    if args.name:
        fields["name"] = args.name
    graph = GraphClient(settings.meta_graph_url, apis=settings.api_urls)
    try:
        async with database(settings):
            workspace = await resolve_workspace(args.owner)
            account, created = await connect_form(
                args.platform,
                fields,
                workspace_id=workspace.id,
                user_id=None,
                public_url=settings.public_url,
                graph=graph,
                cipher=TokenCipher(settings.token_encryption_keys),
                bus=None,
            )
            if args.slack_channel:
                account.slack_channel = args.slack_channel
                await account.save(update_fields=["slack_channel"])
            return account, created
    except ConnectError as exc:
        raise CommandError(exc.message) from exc
    finally:
        await graph.close()


async def add_account(settings: Settings, args: argparse.Namespace) -> tuple[PlatformAccount, bool]:
    """Create the account, or update and reactivate it in the same workspace."""
    cipher = TokenCipher(settings.token_encryption_keys)
    async with database(settings):
        workspace = await resolve_workspace(args.owner)
        existing = await PlatformAccount.get_or_none(
            platform=args.platform, external_id=args.external_id
        )
        if existing is not None:
            if existing.workspace_id != workspace.id:
                raise CommandError(
                    f"{args.platform} account {args.external_id} belongs to another workspace"
                )
            existing.name = args.name
            existing.access_token = cipher.encrypt(args.token)
            existing.slack_channel = args.slack_channel or existing.slack_channel
            existing.is_active = True
            await existing.save()
            return existing, False
        account = await PlatformAccount.create(
            workspace=workspace,
            platform=args.platform,
            external_id=args.external_id,
            name=args.name,
            access_token=cipher.encrypt(args.token),
            slack_channel=args.slack_channel,
        )
        return account, True


async def list_accounts(settings: Settings) -> list[PlatformAccount]:
    """Every account, newest last."""
    async with database(settings):
        return await PlatformAccount.all().order_by("created_at")


async def _find(ref: str) -> PlatformAccount:
    try:
        found = await PlatformAccount.get_or_none(id=uuid.UUID(ref))
    except ValueError:
        found = None
    if found is None:
        matches = await PlatformAccount.filter(external_id=ref)
        if len(matches) > 1:
            raise CommandError(f"several accounts have external id {ref}; use the cahts id")
        found = matches[0] if matches else None
    if found is None:
        raise CommandError(f"no account {ref!r} (see `cahts account list`)")
    return found


async def remove_account(settings: Settings, ref: str, purge: bool) -> PlatformAccount:
    """Deactivate an account (history kept), or delete it with everything when purging."""
    async with database(settings):
        account = await _find(ref)
        if purge:
            await account.delete()
        else:
            account.is_active = False
            await account.save(update_fields=["is_active"])
        return account


def _add(args: argparse.Namespace, settings: Settings) -> None:
    adapter = get_adapter(args.platform)
    checked = adapter is not None and bool(adapter.connect_fields)
    for name in ("token",) if checked else ("external_id", "name", "token"):
        value = (getattr(args, name) or "").strip()
        if not value:
            raise CommandError(f"--{name.replace('_', '-')} must not be empty")
        setattr(args, name, value)
    if checked:
        account, created = asyncio.run(add_form_account(settings, args))
    else:
        if len(args.external_id) > 64 or not args.external_id.replace("_", "").isalnum():
            raise CommandError("--external-id must be the platform's numeric or alphanumeric id")
        account, created = asyncio.run(add_account(settings, args))
    verb = "added" if created else "updated"
    print(f"{verb} {account.platform} account {account.external_id} ({account.name})", end="")
    print(f" id={account.id}")
    if checked and not account.subscription_ok:
        print(f"warning: {account.attention_reason}")


def _list(args: argparse.Namespace, settings: Settings) -> None:
    accounts = asyncio.run(list_accounts(settings))
    if not accounts:
        print("no accounts; add one with `cahts account add`")
        return
    print(f"{'ID':36}  {'PLATFORM':9}  {'EXTERNAL ID':20}  {'ACTIVE':6}  {'CHANNEL':12}  NAME")
    for a in accounts:
        print(
            f"{a.id!s:36}  {a.platform:9}  {a.external_id:20}  {'yes' if a.is_active else 'no':6}"
            f"  {a.slack_channel or '-':12}  {a.name}"
        )


def _remove(args: argparse.Namespace, settings: Settings) -> None:
    account = asyncio.run(remove_account(settings, args.id, args.purge))
    what = "deleted with its history" if args.purge else "deactivated (history kept)"
    print(f"{account.platform} account {account.external_id} {what}")


def register(commands: argparse._SubParsersAction) -> None:
    """Add the account subcommands."""
    parser = commands.add_parser("account", help="connect, list and remove platform accounts")
    sub = parser.add_subparsers(dest="account_command", required=True, metavar="COMMAND")

    add = sub.add_parser("add", help="connect an account with a token")
    add.add_argument("--platform", required=True, choices=platform_names())
    add.add_argument(
        "--external-id",
        help="Page id / Instagram account id / phone-number id (Telegram: asked of the bot)",
    )
    add.add_argument("--name", help="a name your team recognises (Telegram: the bot's @username)")
    add.add_argument(
        "--token",
        required=True,
        help="the platform access token, or a bot token from @BotFather (stored encrypted)",
    )
    add.add_argument("--slack-channel", help="Slack channel for threads (default SLACK_CHANNEL)")
    add.add_argument("--owner", help="put it in this user's workspace (email)")
    add.set_defaults(handler=_add)

    listing = sub.add_parser("list", help="list accounts (never their tokens)")
    listing.set_defaults(handler=_list)

    remove = sub.add_parser("remove", help="deactivate an account, keeping its history")
    remove.add_argument("id", help="the cahts id (see `account list`) or the platform's id")
    remove.add_argument("--purge", action="store_true", help="delete it and all its messages")
    remove.set_defaults(handler=_remove)
