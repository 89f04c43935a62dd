"""A small model of what reaches an alarm topic, written from AWS's documentation, not from the code.

- Evaluation: a new alarm starts in INSUFFICIENT_DATA and is evaluated at once; an update
  leaves the state alone (PutMetricAlarm). ALARM when DatapointsToAlarm of the last
  EvaluationPeriods points breach; missing points per TreatMissingData ("breaching",
  "notBreaching"; "missing": not counted, INSUFFICIENT_DATA when no point at all).
  https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html
  https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarms-and-missing-data.html
- Actions: AlarmActions on a change to ALARM, OKActions on a change to OK "from any other
  state" (tests/fixtures/alarms/events.json quotes it).
- EventBridge: every state change is an event (the page's example events); a rule matches
  when each field of its pattern is in the event and the event's value is one of the
  pattern's values, objects field by field.
  https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns.html
- A target: "If none of the following arguments [Input, InputPath, InputTransformer] are
  specified for a target, then the entire event is passed to the target in JSON format";
  with Input, "the matched event is overridden with this constant" (PutTargets, quoted in
  the fixture). An input transformer replaces each ``<name>`` outside quotes with its value,
  a string in quotes (the "Simple JSON" example).
  https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-transform-target-input.html
"""

import copy
import json
import operator
import re
from pathlib import Path

FIXTURE = json.loads((Path(__file__).parent / "fixtures" / "alarms" / "events.json").read_text())
COMPARE = {
    "LessThanThreshold": operator.lt,
    "GreaterThanThreshold": operator.gt,
    "GreaterThanOrEqualToThreshold": operator.ge,
}


def transitions(alarm: dict, minutes: list[float | None], created: int = 0) -> list[tuple[str, str]]:
    """The (old, new) state changes of an alarm, given its value each minute from the stack's
    create (None: no data point; none before it) and the minute the alarm is created."""
    props = alarm.get("Properties", alarm)
    periods, needed, missing = props["EvaluationPeriods"], props["DatapointsToAlarm"], props["TreatMissingData"]
    breaches = COMPARE[props["ComparisonOperator"]]
    history = [None] * periods + minutes
    state, changes = "INSUFFICIENT_DATA", []
    for now in range(periods + created + 1, len(history) + 1):
        window = history[now - periods : now]
        if missing == "missing" and all(v is None for v in window):
            new = "INSUFFICIENT_DATA"
        else:
            counted = sum(
                1 for v in window if (missing == "breaching" if v is None else breaches(v, props["Threshold"]))
            )
            new = "ALARM" if counted >= needed else "OK"
        if new != state:
            changes.append((state, new))
            state = new
    return changes


def state_change_event(alarm_name: str, old: str, new: str, account: str, region: str) -> dict:
    """The page's metric math example event, for another alarm and another change: the
    example's own states are INSUFFICIENT_DATA (initial creation) -> ALARM; an ALARM -> OK
    change takes its new state from the single-metric example's OK state."""
    event = copy.deepcopy(FIXTURE["metric_math_alarm_event"]["event"])
    event.update(
        account=account, region=region, resources=[f"arn:aws:cloudwatch:{region}:{account}:alarm:{alarm_name}"]
    )
    detail = event["detail"]
    detail["alarmName"] = alarm_name
    states = {
        "ALARM": detail["state"],
        "INSUFFICIENT_DATA": detail["previousState"],
        "OK": FIXTURE["single_metric_previous_state"]["state"],
    }
    detail["previousState"], detail["state"] = copy.deepcopy(states[old]), copy.deepcopy(states[new])
    return event


def matches(pattern: dict, event: dict) -> bool:
    for field, wanted in pattern.items():
        if field not in event:
            return False
        if isinstance(wanted, dict):
            if not isinstance(event[field], dict) or not matches(wanted, event[field]):
                return False
            continue
        # Only exact values are modelled: a content filter ({"prefix": ...}) is refused, not guessed.
        assert all(not isinstance(value, (dict, list)) for value in wanted), wanted
        found = event[field] if isinstance(event[field], list) else [event[field]]
        if not any(value in wanted for value in found):
            return False
    return True


def _path(event: dict, path: str):
    value = event
    for part in re.findall(r"\.([\w-]+)|\[(\d+)\]", path.removeprefix("$")):
        value = value[part[0]] if part[0] else value[int(part[1])]
    return value


def transformed(transformer: dict, event: dict) -> dict:
    values = {name: _path(event, path) for name, path in transformer["InputPathsMap"].items()}
    text = re.sub(r"<([\w.-]+)>", lambda m: json.dumps(values[m.group(1)]), transformer["InputTemplate"])
    return json.loads(text)


def target_input(target: dict, event: dict):
    """What a rule's target receives for ``event``."""
    if "Input" in target:
        return json.loads(target["Input"])
    if "InputPath" in target:
        return _path(event, target["InputPath"])
    if "InputTransformer" in target:
        return transformed(target["InputTransformer"], event)
    return event


def delivered(resources: dict, title: str, changes: list[tuple[str, str]], topic: str, account: str, region: str):
    """What reaches ``topic`` for the changes of alarm ``title`` in a stack's evaluated resources:
    "ALARM" / "OK" from the alarm's own actions, what the target receives from an EventBridge rule."""
    alarm = resources[title]["Properties"]
    rules = [r["Properties"] for r in resources.values() if r["Type"] == "AWS::Events::Rule"]
    sent = []
    for old, new in changes:
        actions = {"ALARM": "AlarmActions", "OK": "OKActions", "INSUFFICIENT_DATA": "InsufficientDataActions"}[new]
        if topic in alarm.get(actions, []):
            sent.append(new)
        event = state_change_event(alarm["AlarmName"], old, new, account, region)
        for rule in rules:
            if rule.get("State", "ENABLED") == "ENABLED" and matches(rule["EventPattern"], event):
                for target in rule["Targets"]:
                    if target["Arn"] == topic:
                        sent.append(target_input(target, event))
    return sent
