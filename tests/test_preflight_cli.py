"""The commands as users run them: through make, and their one-line errors."""

import json
import subprocess
import sys

import pytest

from tests.helpers import ROOT, offline_aws_environment


def make(*arguments, env=None) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["make", "--no-print-directory", *arguments], cwd=ROOT, capture_output=True, text=True, env=env, timeout=120
    )


def module(name, *arguments, env) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", name, *arguments], cwd=ROOT, capture_output=True, text=True, env=env, timeout=60
    )


def test_make_deploy_refuses_a_broken_parameter_file_before_any_aws_call(tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps(["ImageUrl=x"]))
    # Nothing listens on port 9: any AWS call would fail with a connection error instead.
    result = make(
        "deploy", "TEMPLATE=go-api", "STACK=x", f"PARAMS={broken}", env=offline_aws_environment("http://127.0.0.1:9")
    )
    assert result.returncode != 0
    assert "unknown parameter ImageUrl" in result.stderr and "did you mean ImageUri?" in result.stderr
    assert "cloudformation deploy" not in result.stdout
    assert "Could not connect" not in result.stderr


def test_make_preflight_as_json(moto_endpoint):
    result = make(
        "preflight",
        "TEMPLATE=go-api",
        "PARAMS=params/go-api.dev.json",
        "FORMAT=json",
        env=offline_aws_environment(moto_endpoint),
    )
    results = json.loads(result.stdout)
    assert {tuple(sorted(r)) for r in results} == {("check", "detail", "fix", "status")}
    # The example IDs exist in no account: the subnets and the target group fail, exit 1.
    assert result.returncode != 0
    assert {r["check"]: r["status"] for r in results}["target-group"] == "fail"
    assert "checking" in result.stderr


def test_make_doctor_on_a_missing_stack(moto_endpoint):
    result = make("doctor", "STACK=never-deployed", env=offline_aws_environment(moto_endpoint))
    assert "doctor: no stack named 'never-deployed'" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("changes", "says"),
    [
        ({"AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": "", "AWS_ENDPOINT_URL": ""}, "no AWS credentials"),
        ({"AWS_REGION": "xx-nowhere-1", "AWS_ENDPOINT_URL": ""}, "unknown AWS region 'xx-nowhere-1'"),
        ({"AWS_REGION": "", "AWS_DEFAULT_REGION": ""}, "no AWS region"),
    ],
)
@pytest.mark.parametrize("command", [["ops.preflight", "go-api", "params/go-api.dev.json"], ["ops.doctor", "x"]])
def test_aws_environment_problems_are_one_line(command, changes, says):
    environment = {**offline_aws_environment("http://127.0.0.1:9"), "AWS_EC2_METADATA_DISABLED": "true", **changes}
    environment = {k: v for k, v in environment.items() if v != ""}
    result = module(*command, env=environment)
    assert result.returncode == 2
    lines = [
        line
        for line in result.stderr.splitlines()
        if not line.startswith("checking") and not line.startswith("reading")
    ]
    assert len(lines) == 1 and says in lines[0], result.stderr


def test_access_denied_skips_only_that_check(monkeypatch):
    from botocore.stub import Stubber

    from ops import compute
    from ops.aws import Account
    from ops.context import Context
    from ops.template import Values, load
    from tests import aws_world

    monkeypatch.setenv("AWS_REGION", "us-east-1")
    account = Account(aws_world.session())
    ctx = Context(account, "go-api", Values(load("go-api"), {"MaxTasks": "40", "TaskSize": "1024x2048"}))
    with Stubber(account.client("iam")) as iam:
        iam.add_client_error("get_role", "AccessDenied", "not authorized")
        from ops.preflight import ACCOUNT_CHECKS

        check = dict(ACCOUNT_CHECKS)["iam.ecs-service-linked-role"]
        with pytest.raises(Exception, match="iam:GetRole"):
            check(ctx)
    with Stubber(account.client("iam")) as iam:
        iam.add_client_error("get_role", "NoSuchEntity", "no role")
        assert compute.service_linked_role(ctx)[0].status == "fail"
    quotas = account.client("service-quotas")
    for value, status in ((8.0, "fail"), (4000.0, "pass")):
        with Stubber(quotas) as stub:
            stub.add_response(
                "get_service_quota", {"Quota": {"Value": value}}, {"ServiceCode": "fargate", "QuotaCode": "L-3032A538"}
            )
            result = compute.fargate_quota(ctx)[0]
        # 40 tasks x 1 vCPU = 40 vCPU needed.
        assert (result.check, result.status) == ("quota:FARGATE", status)
        assert "needs 40" in result.detail


def test_no_permission_becomes_a_skip_line(monkeypatch, tmp_path):
    from ops import preflight
    from ops.aws import Account
    from ops.context import Context
    from ops.template import Values, load
    from tests import aws_world

    monkeypatch.setenv("AWS_REGION", "us-east-1")
    account = Account(aws_world.session())
    ctx = Context(account, "go-api", Values(load("go-api"), {"SubnetIds": "subnet-0123456789abcdef0"}))

    def denied(*_args, **_kwargs):
        from ops.errors import NoPermission

        raise NoPermission("ec2:DescribeVpcs")

    monkeypatch.setattr(preflight, "ACCOUNT_CHECKS", [("vpc.dns", denied)])
    assert [(r.check, r.status, r.detail) for r in preflight.account_checks(ctx, {}, [])] == [
        ("vpc.dns", "skip", "no permission: ec2:DescribeVpcs")
    ]
