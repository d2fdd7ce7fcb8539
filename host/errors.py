"""The one error type of the host tool: it becomes a message on stderr and exit status 2."""


class PostureError(Exception):
    """A problem the user can act on. The message names what is wrong; no traceback is shown."""
