"""A cancellation that a library lost is still honoured at the next commit of a long run.

On Python 3.11, `asyncio.wait_for` returns its future's result instead of raising when the cancel
lands in the same step as the result (fixed in 3.12). redis-py wraps its socket writes and connects in
`wait_for`, so a Ctrl-C (asyncio.run cancels the main task) could be swallowed inside a Redis call and
`recommender load` or `import-events` would run on to the end. The task still counts the request
(`Task.cancelling()`), which is what this checks.
"""

import asyncio


def raise_if_cancelled() -> None:
    """Raise CancelledError if the running task was asked to cancel and the request went missing."""
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError
