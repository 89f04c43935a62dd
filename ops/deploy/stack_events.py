"""A stack operation as it happens: each new stack event on one line, until the stack settles.

CloudFormation answers DescribeStackEvents newest first; the lines come out oldest first,
each once: time, resource, status, reason.
https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_DescribeStackEvents.html
"""

import sys
import time
from collections.abc import Callable

import botocore.exceptions

from ..shared.aws import call, error_code

# Seconds between two reads of a stack's events (or of a change set being made).
POLL_SECONDS = 5.0


def newest_event_id(cloudformation, stack: str) -> str | None:
    """The ID of the stack's newest event, so that a stream shows only what comes after it."""
    try:
        events = call(cloudformation, "describe_stack_events", StackName=stack)["StackEvents"]
    except botocore.exceptions.ClientError as error:
        if error_code(error) == "ValidationError":  # no such stack yet
            return None
        raise
    return events[0]["EventId"] if events else None


def line(event: dict) -> str:
    when = event["Timestamp"].strftime("%H:%M:%S")
    reason = " ".join(event.get("ResourceStatusReason", "").split())
    text = f"{when}  {event['LogicalResourceId']:<32} {event['ResourceStatus']:<28} {reason}"
    return text.rstrip()


def _new_events(cloudformation, stack: str, after: str | None, seen: set[str]) -> list[dict]:
    """Events newer than ``after`` not printed yet, oldest first."""
    found, token = [], {}
    while True:
        page = call(cloudformation, "describe_stack_events", StackName=stack, **token)
        for event in page["StackEvents"]:
            if event["EventId"] == after:
                return list(reversed(found))
            if event["EventId"] not in seen:
                found.append(event)
        if not page.get("NextToken"):
            return list(reversed(found))
        token = {"NextToken": page["NextToken"]}


def status_of(cloudformation, stack: str) -> str:
    """The stack's status; DELETE_COMPLETE once a stack of that name or ID is gone."""
    try:
        return call(cloudformation, "describe_stacks", StackName=stack)["Stacks"][0]["StackStatus"]
    except botocore.exceptions.ClientError as error:
        if error_code(error) == "ValidationError":  # "Stack with id ... does not exist": deleted
            return "DELETE_COMPLETE"
        raise


def follow(
    cloudformation,
    stack: str,
    after: str | None,
    *,
    poll: float | None = None,
    out=None,
    sleep: Callable[[float], None] = time.sleep,
) -> tuple[str, list[dict]]:
    """Print the stack's events after ``after`` until it settles; the final status and the events.

    ``stack`` is best the stack's ID: after a delete only the ID still finds its events.
    """
    out = out or sys.stdout
    seen: set[str] = set()
    events: list[dict] = []
    while True:
        status = status_of(cloudformation, stack)
        try:
            fresh = _new_events(cloudformation, stack, after, seen)
        except botocore.exceptions.ClientError as error:
            if error_code(error) != "ValidationError":  # a deleted stack asked for by name
                raise
            fresh = []
        for event in fresh:
            seen.add(event["EventId"])
            events.append(event)
            print(line(event), file=out, flush=True)
        if not status.endswith("_IN_PROGRESS"):
            return status, events
        sleep(POLL_SECONDS if poll is None else poll)
