"""ContainerUser's AllowedPattern refuses every value CT.ECS.PR.3 counts as root and admits the others.

CloudFormation's patterns are Java regular expressions that "must match the entire parameter
value" (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/parameters-section-structure.html,
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cfn-regexes.html), so each value is
tried with a full match. What counts as root is the control's own list, ROOT_USER_PATTERNS in its
rule specification: [ 0 , "0" , "root" , /^0:.*$/ , /^root:.*$/ ]
(https://docs.aws.amazon.com/controltower/latest/controlreference/ecs-rules.html#ct-ecs-pr-3-rule).
"""

import json
import re

import pytest

from tests.helpers import ROOT

TEMPLATES_WITH_A_USER = ("go-api", "platform")

# Root for CT.ECS.PR.3: uid 0 or the name root, alone or with any group.
ROOT_USERS = ("0", "root", "0:0", "0:root", "0:65532", "root:0", "root:root", "root:app")
# Not root: uids and names other than 0 and root (a name that merely starts with "root" or a uid
# that starts with 0 is another user), with or without a group, the root group included (the
# control looks at the user only); empty leaves the image's own USER.
NOT_ROOT = ("", "65532", "1000", "10", "01", "65532:65532", "1000:0", "app", "app:app", "rootless", "root1", "nobody")


def pattern(template: str) -> re.Pattern:
    """The pattern of the template users deploy (output/ is the build, tests/test_all_templates.py)."""
    document = json.loads((ROOT / "output" / f"{template}.json").read_text())
    return re.compile(document["Parameters"]["ContainerUser"]["AllowedPattern"])


@pytest.mark.parametrize("template", TEMPLATES_WITH_A_USER)
def test_every_value_the_control_counts_as_root_is_refused(template):
    allowed = pattern(template)
    assert [user for user in ROOT_USERS if allowed.fullmatch(user)] == []


@pytest.mark.parametrize("template", TEMPLATES_WITH_A_USER)
def test_users_other_than_root_are_admitted(template):
    allowed = pattern(template)
    assert [user for user in NOT_ROOT if not allowed.fullmatch(user)] == []


def test_the_lists_agree_with_the_controls_own_patterns():
    """The control's list, copied from its rule: each ROOT_USERS value matches one entry, no NOT_ROOT value does."""

    def root_for_the_control(user: str) -> bool:
        return user in ("0", "root") or bool(re.match(r"^0:.*$", user) or re.match(r"^root:.*$", user))

    assert all(root_for_the_control(user) for user in ROOT_USERS)
    assert not any(root_for_the_control(user) for user in NOT_ROOT)
