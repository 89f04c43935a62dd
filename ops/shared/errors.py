"""The ways a command stops early or skips a check, each printed as one line."""


class BadInput(Exception):
    """Unknown template or stack, a missing or unreadable file: exit status 2."""


class AwsUnavailable(Exception):
    """No credentials, no region, an unreachable endpoint, throttling that outlasted the retries."""


class NoPermission(Exception):
    """AccessDenied for one operation: that check is skipped, the others run."""

    def __init__(self, action: str):
        super().__init__(action)
        self.action = action


class AwsError(Exception):
    """An AWS call failed in a way no check expects (an unusual error code, a request botocore
    refused to send): the check it happened in is skipped naming it; outside a check the
    command stops with exit status 2."""
