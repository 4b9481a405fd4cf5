"""The project's exceptions: each carries a message a user can act on."""


class LeagueError(Exception):
    """A problem the user can fix (bad config, unknown id, corrupt file).

    The CLI prints its message as one line and exits with status 2.
    """
