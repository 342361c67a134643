"""Keep a partnership's check-in thread's members in step with the partnership's members."""

from __future__ import annotations

import logging

import discord

log = logging.getLogger("cogs.partners")


async def sync_thread_members(
    client: discord.Client, thread_id: int, *, add: int | None = None, remove: int | None = None
) -> None:
    """Add ``add`` to and take ``remove`` out of the thread (its id is the announcement's): a
    member added later is in the thread the check-ins are posted in, a member removed no longer."""
    if add is None and remove is None:
        return
    try:
        thread = client.get_channel(thread_id)
        if thread is None:
            thread = await client.fetch_channel(thread_id)
        if not isinstance(thread, discord.Thread):
            return
        if thread.archived and not thread.locked:
            await thread.edit(archived=False)  # an archived thread takes no new members
        if add is not None:
            await thread.add_user(discord.Object(id=add))
        if remove is not None:
            await thread.remove_user(discord.Object(id=remove))
    except discord.HTTPException as error:
        # No thread (the bot could not open one) or no right to change it: the check-ins still
        # reach the partnership's members where they are posted.
        log.info("thread %s of a partnership not updated: %s", thread_id, error)
