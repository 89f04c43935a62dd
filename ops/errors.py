"""The two ways a command stops early, each printed as one line."""


class BadInput(Exception):
    """Unknown template or stack, a missing or unreadable file: exit status 2."""


class AwsUnavailable(Exception):
    """No credentials, no region, an unreachable endpoint, throttling that outlasted the retries."""


class NoPermission(Exception):
    """AccessDenied for one operation: that check is skipped, the others run."""

    def __init__(self, action: str):
        super().__init__(action)
        self.action = action
