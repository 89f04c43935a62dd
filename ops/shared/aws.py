"""boto3 clients from the standard environment, and AWS errors turned into one line each.

AWS_PROFILE, AWS_REGION / AWS_DEFAULT_REGION and AWS_ENDPOINT_URL are read by boto3 itself.
"""

import os
import sys

import boto3
import botocore.exceptions
import botocore.parsers
from botocore.config import Config

from .errors import AwsError, AwsUnavailable, BadInput, NoPermission
from .report import say

# Throttled calls are retried with backoff ("standard" mode retries throttling errors)
# before the command gives up with one line.
# https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html
CLIENT_CONFIG = Config(retries={"mode": "standard", "max_attempts": 5}, connect_timeout=5, read_timeout=30)

DENIED_CODES = {
    "AccessDenied",
    "AccessDeniedException",
    "UnauthorizedOperation",
    "UnauthorizedAccess",
    "AuthorizationError",
    "403",
}
THROTTLING_CODES = {"Throttling", "ThrottlingException", "RequestLimitExceeded", "TooManyRequestsException"}
CREDENTIAL_CODES = {"InvalidClientTokenId", "UnrecognizedClientException", "ExpiredToken", "ExpiredTokenException"}
PARTITIONS = ("aws", "aws-us-gov", "aws-cn")


class Account:
    """Clients for one region, created once each and shared by every check."""

    def __init__(self, session: boto3.Session | None = None):
        try:
            self.session = session or boto3.Session()
        except botocore.exceptions.ProfileNotFound as error:
            raise AwsUnavailable(f"{error}: set AWS_PROFILE to a profile in ~/.aws/config") from None
        # The AWS CLI v2 reads AWS_REGION before AWS_DEFAULT_REGION; botocore reads only the latter.
        self.region = os.environ.get("AWS_REGION") or self.session.region_name
        if not self.region:
            raise AwsUnavailable("no AWS region: set AWS_REGION (or AWS_DEFAULT_REGION, or a region in the profile)")
        if not os.environ.get("AWS_ENDPOINT_URL") and not self._known(self.region):
            raise AwsUnavailable(f"unknown AWS region {self.region!r}: set AWS_REGION to a region such as us-east-1")
        self._clients: dict[tuple[str, str], object] = {}

    def _known(self, region: str) -> bool:
        return any(region in self.session.get_available_regions("ec2", partition) for partition in PARTITIONS)

    def client(self, service: str, region: str | None = None):
        key = (service, region or self.region)
        if key not in self._clients:
            self._clients[key] = self.session.client(service, region_name=key[1], config=CLIENT_CONFIG)
        return self._clients[key]


def call(client, operation: str, **arguments) -> dict:
    """One API call; AccessDenied becomes NoPermission, the unrecoverable ones AwsUnavailable,
    any other failure but an error code (which the checks read) AwsError."""
    action = f"{client.meta.service_model.signing_name}:{client.meta.method_to_api_mapping.get(operation, operation)}"
    try:
        return getattr(client, operation)(**arguments)
    except botocore.exceptions.ClientError as error:
        code = error_code(error)
        if code in DENIED_CODES:
            raise NoPermission(action) from None
        if code in THROTTLING_CODES:
            raise AwsUnavailable(f"{action} is throttled even after retries: run again in a minute") from None
        if code in CREDENTIAL_CODES:
            raise AwsUnavailable(f"the AWS credentials were refused ({code}): renew them (aws sso login)") from None
        raise
    except botocore.exceptions.NoCredentialsError:
        raise AwsUnavailable("no AWS credentials: set AWS_PROFILE, or run aws configure / aws sso login") from None
    except botocore.exceptions.TokenRetrievalError as error:
        raise AwsUnavailable(f"the AWS login has expired: {error}") from None
    except botocore.exceptions.EndpointConnectionError as error:
        raise AwsUnavailable(
            f"{action}: cannot reach {error.kwargs.get('endpoint_url')}: "
            "check AWS_REGION, AWS_ENDPOINT_URL and the network"
        ) from None
    except botocore.exceptions.ConnectTimeoutError as error:
        raise AwsUnavailable(
            f"{action}: timed out connecting to {error.kwargs.get('endpoint_url')}: check the network"
        ) from None
    except botocore.exceptions.ReadTimeoutError as error:
        # Retried already (standard mode); every later call would most likely wait as long.
        raise AwsUnavailable(
            f"{action}: no answer from {error.kwargs.get('endpoint_url')} within "
            f"{CLIENT_CONFIG.read_timeout} s: check the network and run again"
        ) from None
    except botocore.exceptions.BotoCoreError as error:
        if isinstance(error, AssertionError):  # botocore.stub's complaint about a test, not an AWS answer
            raise
        raise AwsError(f"{action}: {one_line(error)}") from None
    except botocore.parsers.ResponseParserError as error:
        raise AwsError(f"{action}: {unreadable(error)}") from None


def error_code(error: botocore.exceptions.ClientError) -> str:
    return error.response.get("Error", {}).get("Code", "")


# Codes that mean "there is no such thing", as each service spells it (InvalidSubnetID.NotFound,
# TargetGroupNotFound, ListenerNotFoundException, NamespaceNotFound, NoSuchEntity, ...). Any
# other error says nothing about whether the thing exists, so the check must not report it missing.
_MISSING_CODES = {"NoSuchEntity", "NoSuchBucket", "404"}


def is_missing(error: botocore.exceptions.ClientError) -> bool:
    code = error_code(error)
    return code in _MISSING_CODES or code.endswith(("NotFound", "NotFoundException")) or code.endswith(".Malformed")


def one_line(error: Exception) -> str:
    """An AWS error no check handles, on one line: the operation, AWS's code and message."""
    if isinstance(error, botocore.exceptions.ClientError):
        message = error.response.get("Error", {}).get("Message", "")
        text = f"{error.operation_name}: {error_code(error)}: {message}".rstrip(": ")
    elif isinstance(error, botocore.parsers.ResponseParserError):
        return unreadable(error)
    else:
        text = str(error)
    return " ".join(text.split())  # a ParamValidationError spans several lines


# How much of an unreadable answer is shown: enough to recognise an HTML error page or a short
# text such as "Internal Failure", not the whole page.
ANSWER_EXCERPT = 160


def unreadable(error: Exception) -> str:
    """An answer botocore could not parse, on one line. An endpoint that answers HTTP 500 with a
    plain text or an HTML page makes botocore raise ResponseParserError, which is no BotoCoreError
    (https://github.com/cartography-cncf/cartography/pull/2132: AWS's "Internal Failure" as text)."""
    reason, _, answer = str(error).partition(":\n")
    answer = " ".join(answer.split())
    if len(answer) > ANSWER_EXCERPT:
        answer = answer[:ANSWER_EXCERPT] + "..."
    reason = " ".join(reason.split()).removesuffix(". Further retries may succeed")
    return (
        f"the answer could not be read ({reason}): {answer or 'empty'}; run the command again, and if it lasts, "
        "check AWS_ENDPOINT_URL and the AWS Health Dashboard"
    )


# Caught by the commands' main(): what an AWS call may raise that no check turned into a result.
AWS_ERRORS = (
    botocore.exceptions.ClientError,
    botocore.exceptions.BotoCoreError,
    botocore.parsers.ResponseParserError,
    AwsError,
)


def call_or_none(client, operation: str, **arguments) -> dict | None:
    """:func:`call`, with ``None`` for an answer that the thing asked about does not exist.

    Only a not-found answer means that; any other error is raised as :func:`call` raises it.
    """
    try:
        return call(client, operation, **arguments)
    except botocore.exceptions.ClientError as error:
        if not is_missing(error):
            raise
        return None


def one_line_failure(program: str, work, permissions: str = "docs/preflight-doctor.md#permissions"):
    """``(work(), None)``, or ``(None, 2)`` after one line on stderr when the input is bad or
    AWS cannot answer: what preflight and doctor print instead of a traceback."""
    try:
        return work(), None
    except (BadInput, AwsUnavailable) as error:
        message = str(error)
    except NoPermission as denied:
        message = f"no permission: {denied.action} (see {permissions})"
    except AWS_ERRORS as error:
        message = f"AWS error: {one_line(error)}"
    print(f"{program}: {message}", file=sys.stderr)
    return None, 2


def banner(account: Account, stack: str, aside: bool = False) -> None:
    """Where the command acts, before it changes anything: a wrong profile shows here."""
    identity = call(account.client("sts"), "get_caller_identity")
    say(f"account {identity['Account']} ({identity['Arn']}), region {account.region}, stack {stack}", aside)
