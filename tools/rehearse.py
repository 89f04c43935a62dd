"""make rehearse: the path from an empty account, on a moto_server this command starts and stops.

    prerequisites stack -> go-api parameter file from its outputs -> push an image -> preflight
    -> deploy go-api -> doctor -> release a new tag -> delete both stacks -> what is left

Every step is a make target or an AWS CLI command a user would run, pointed at the local
server by AWS_ENDPOINT_URL; the steps are listed once, in STEPS. moto is not AWS: what it
cannot do is listed in MOTO_GAPS, and the rehearsal checks that the only differences it
meets are those (docs/prerequisites.md#what-the-rehearsal-proves). Nothing here calls AWS.
Exit status: 0 rehearsed, 1 a step did not do what it should, 2 moto_server did not start.
"""

import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import boto3

from tools import moto_server
from tools.moto_gaps import GAP_CHECKS, GAP_DELETE_ERRORS, GAP_LEFTOVERS, MOTO_GAPS

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
REGION = "us-east-1"
PREREQUISITES_STACK = "rehearsal-prerequisites"
APP_STACK = "rehearsal-go-api"
ENV = "rehearsal"
PARAMS = ROOT / "params" / f"go-api.{ENV}.local.json"
FIRST_TAG, SECOND_TAG = "v1.0.0", "v1.1.0"
REPOSITORY = f"{PREREQUISITES_STACK}/go-api"


def manifest(digest_character: str) -> str:
    """An image manifest as `docker push` uploads it last (moto keeps no layers, so none are sent)."""
    return json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
            "config": {
                "mediaType": "application/vnd.docker.container.image.v1+json",
                "size": 1,
                "digest": "sha256:" + digest_character * 64,
            },
            "layers": [],
        }
    )


# What a delete keeps on purpose in AWS (DeletionPolicy RetainExceptOnCreate): logs and data.
MEANT_TO_STAY = {"log-group", "bucket", "repository"}


class Failed(Exception):
    """A step did not do what it should."""


@dataclass
class Rehearsal:
    endpoint: str
    aws_cli: str
    say: Callable[[str], None] = print
    inventory_before: dict = field(default_factory=dict)
    inventory_with_prerequisites: dict = field(default_factory=dict)

    @property
    def environment(self) -> dict:
        return {
            **{k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "AWS_PROFILE")},
            "AWS_ENDPOINT_URL": self.endpoint,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_REGION": REGION,
            "AWS_DEFAULT_REGION": REGION,
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        }

    def run(self, command: list[str], expect: int | None = 0) -> subprocess.CompletedProcess:
        self.say("$ " + " ".join(command))
        done = subprocess.run(command, cwd=ROOT, env=self.environment, capture_output=True, text=True, timeout=300)
        for line in (done.stdout + done.stderr).splitlines():
            self.say("  " + line)
        if expect is not None and done.returncode != expect:
            raise Failed(f"{' '.join(command[:3])}... exited {done.returncode}, not {expect}")
        return done

    def make(self, *arguments: str, expect: int | None = 0) -> subprocess.CompletedProcess:
        # -o: the virtual environment is there already; never reinstall from a rehearsal.
        return self.run(["make", "--no-print-directory", "-o", ".venv/.installed", *arguments], expect)

    def aws(self, *arguments: str, expect: int | None = 0) -> subprocess.CompletedProcess:
        return self.run([self.aws_cli, *arguments], expect)

    def client(self, service: str):
        return boto3.client(
            service,
            endpoint_url=self.endpoint,
            region_name=REGION,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )


# --- The steps, in order: each is what a user runs -------------------------------------------


def deploy_prerequisites(r: Rehearsal) -> None:
    # In AWS: make deploy TEMPLATE=prerequisites STACK=... (moto gap: change-set stacks lack outputs).
    r.aws(
        "cloudformation",
        "create-stack",
        "--stack-name",
        PREREQUISITES_STACK,
        "--template-body",
        "file://output/prerequisites.yaml",
    )
    r.aws("cloudformation", "wait", "stack-create-complete", "--stack-name", PREREQUISITES_STACK)


def write_parameter_file(r: Rehearsal) -> None:
    told = r.make("params-from-stack", f"STACK={PREREQUISITES_STACK}", "TEMPLATE=go-api", f"ENV={ENV}").stdout
    if "to fill in: ImageUri=" not in told:
        raise Failed("params-from-stack did not leave the image tag to fill in")


def push(r: Rehearsal, tag: str, digest_character: str) -> None:
    r.aws(
        "ecr",
        "put-image",
        "--repository-name",
        REPOSITORY,
        "--image-tag",
        tag,
        "--image-manifest",
        manifest(digest_character),
        "--query",
        "image.imageId",
        "--output",
        "text",
    )


def set_tag(tag: str) -> None:
    """What the user edits in the file: the image tag, nothing else."""
    entries = json.loads(PARAMS.read_text())
    image = next(entry for entry in entries if entry.startswith("ImageUri="))
    # The repository ends at the first ":" after its last "/" (the marker has a ":" of its own).
    repository = image[: image.index(":", image.rindex("/"))]
    entries[entries.index(image)] = f"{repository}:{tag}"
    PARAMS.write_text(json.dumps(entries, indent=2) + "\n")


def first_image(r: Rehearsal) -> None:
    push(r, FIRST_TAG, "a")
    set_tag(FIRST_TAG)


def service_linked_role(r: Rehearsal) -> None:
    r.aws(
        "iam",
        "create-service-linked-role",
        "--aws-service-name",
        "ecs.amazonaws.com",
        "--output",
        "text",
        "--query",
        "Role.RoleName",
    )


def preflight(r: Rehearsal) -> None:
    done = r.make(
        "preflight",
        "TEMPLATE=go-api",
        f"PARAMS={PARAMS.relative_to(ROOT)}",
        f"STACK={APP_STACK}",
        "FORMAT=json",
        expect=None,
    )
    results = json.loads(done.stdout)
    failed = {result["check"] for result in results if result["status"] == "fail"}
    unexplained = failed - GAP_CHECKS
    if unexplained:
        raise Failed(f"preflight failed on {', '.join(sorted(unexplained))}, which no known moto gap explains")
    passed = {result["check"] for result in results if result["status"] == "pass"}
    wanted = {"params", "target-group", f"image:go-api:{FIRST_TAG}", "security-group:AppSecurityGroupId"}
    if not wanted <= passed:
        raise Failed(f"preflight did not pass {', '.join(sorted(wanted - passed))}")
    r.say(f"  (fails only where moto differs from AWS: {', '.join(sorted(failed)) or 'nowhere'})")


def deploy_app(r: Rehearsal) -> None:
    r.make("deploy", "TEMPLATE=go-api", f"STACK={APP_STACK}", f"PARAMS={PARAMS.relative_to(ROOT)}", f"AWS={r.aws_cli}")


def first_deploy(r: Rehearsal) -> None:
    r.inventory_with_prerequisites = inventory(r)
    deploy_app(r)


def doctor(r: Rehearsal) -> None:
    if "healthy" not in r.make("doctor", f"STACK={APP_STACK}").stdout:
        raise Failed("doctor did not call the stack healthy")


def task_definition(r: Rehearsal) -> str:
    resources = r.client("cloudformation").describe_stack_resources(StackName=APP_STACK)["StackResources"]
    return next(x["PhysicalResourceId"] for x in resources if x.get("LogicalResourceId") == "TaskDefinition")


def release(r: Rehearsal) -> None:
    before = task_definition(r)
    push(r, SECOND_TAG, "b")
    set_tag(SECOND_TAG)
    deploy_app(r)
    stack = r.client("cloudformation").describe_stacks(StackName=APP_STACK)["Stacks"][0]
    image = {p["ParameterKey"]: p["ParameterValue"] for p in stack["Parameters"]}["ImageUri"]
    after = task_definition(r)
    if not image.endswith(f":{SECOND_TAG}") or after == before:
        raise Failed(f"the release did not reach the stack: ImageUri {image}, task definition {before} -> {after}")
    r.say(f"  ImageUri is {SECOND_TAG}; task definition {before.rsplit('/', 1)[-1]} -> {after.rsplit('/', 1)[-1]}")


def delete_app(r: Rehearsal) -> None:
    r.make("delete", f"STACK={APP_STACK}", f"AWS={r.aws_cli}")
    check_left(r, r.inventory_with_prerequisites)


def delete_prerequisites(r: Rehearsal) -> None:
    done = r.make("delete", f"STACK={PREREQUISITES_STACK}", f"AWS={r.aws_cli}", expect=None)
    if done.returncode != 0:
        if not any(error in done.stdout + done.stderr for error in GAP_DELETE_ERRORS):
            raise Failed(f"make delete STACK={PREREQUISITES_STACK} failed otherwise than moto's known gaps")
        r.say("  (moto cannot delete this stack: see the gap 'stack delete'; not rehearsed)")
        return
    check_left(r, r.inventory_before)


def check_left(r: Rehearsal, before: dict) -> None:
    """Only what is kept on purpose, or what moto is known not to delete, is new since ``before``."""
    left = {kind: sorted(set(names) - set(before.get(kind, []))) for kind, names in inventory(r).items()}
    left = {kind: names for kind, names in left.items() if names}
    for kind, names in sorted(left.items()):
        why = "meant to stay" if kind in MEANT_TO_STAY else "moto gap" if kind in GAP_LEFTOVERS else "LEFT BEHIND"
        r.say(f"  left: {kind} {', '.join(names)} ({why})")
    unexpected = {kind: names for kind, names in left.items() if kind not in MEANT_TO_STAY | GAP_LEFTOVERS}
    if unexpected:
        raise Failed(f"the delete left {', '.join(f'{k} {v}' for k, v in unexpected.items())}")


@dataclass(frozen=True)
class Step:
    what: str
    run: Callable[[Rehearsal], None]


STEPS = (
    Step("create the prerequisites stack", deploy_prerequisites),
    Step("write go-api's parameter file from the stack's outputs", write_parameter_file),
    Step(f"push the first image ({FIRST_TAG}) and fill in its tag", first_image),
    Step("create ECS's service-linked role (once per account)", service_linked_role),
    Step("preflight the parameter file and the account", preflight),
    Step("deploy go-api", first_deploy),
    Step("ask the doctor", doctor),
    Step(f"release {SECOND_TAG}: push, change the tag, deploy", release),
    Step("delete go-api; only what is kept on purpose stays", delete_app),
    Step("delete the prerequisites stack", delete_prerequisites),
)


def inventory(r: Rehearsal) -> dict[str, list[str]]:
    """Names of what the rehearsal's stacks can create, by kind."""
    ec2, elbv2 = r.client("ec2"), r.client("elbv2")
    stacks = r.client("cloudformation").list_stacks()["StackSummaries"]
    return {
        "stack": [s["StackName"] for s in stacks if s["StackStatus"] != "DELETE_COMPLETE"],
        "vpc": [v["VpcId"] for v in ec2.describe_vpcs()["Vpcs"]],
        "subnet": [s["SubnetId"] for s in ec2.describe_subnets()["Subnets"]],
        "security-group": [g["GroupId"] for g in ec2.describe_security_groups()["SecurityGroups"]],
        "route-table": [t["RouteTableId"] for t in ec2.describe_route_tables()["RouteTables"]],
        "internet-gateway": [g["InternetGatewayId"] for g in ec2.describe_internet_gateways()["InternetGateways"]],
        "nat-gateway": [
            g["NatGatewayId"] for g in ec2.describe_nat_gateways()["NatGateways"] if g["State"] != "deleted"
        ],
        "vpc-endpoint": [e["VpcEndpointId"] for e in ec2.describe_vpc_endpoints()["VpcEndpoints"]],
        "load-balancer": [b["LoadBalancerName"] for b in elbv2.describe_load_balancers()["LoadBalancers"]],
        "target-group": [g["TargetGroupName"] for g in elbv2.describe_target_groups()["TargetGroups"]],
        "ecs-cluster": [arn.rsplit("/", 1)[-1] for arn in r.client("ecs").list_clusters()["clusterArns"]],
        "log-group": [g["logGroupName"] for g in r.client("logs").describe_log_groups()["logGroups"]],
        "bucket": [b["Name"] for b in r.client("s3").list_buckets()["Buckets"]],
        "repository": [x["repositoryName"] for x in r.client("ecr").describe_repositories()["repositories"]],
    }


def rehearse(endpoint: str, aws_cli: str, say: Callable[[str], None] = print) -> float:
    """Every step against ``endpoint``; returns the seconds it took. Raises Failed."""
    r = Rehearsal(endpoint, aws_cli, say)
    started = time.monotonic()
    r.inventory_before = inventory(r)
    try:
        for number, step in enumerate(STEPS, 1):
            say(f"== {number}/{len(STEPS)} {step.what}")
            begun = time.monotonic()
            step.run(r)
            say(f"   ({time.monotonic() - begun:.1f} s)")
    finally:
        PARAMS.unlink(missing_ok=True)
    return time.monotonic() - started


# --- The local server ------------------------------------------------------------------------


def main() -> int:
    aws_cli = str(BIN / "aws")
    with tempfile.TemporaryFile("w+") as log:
        try:
            process, endpoint = moto_server.start(log)
        except OSError as error:
            print(f"rehearse: {error}", file=sys.stderr)
            return 2
        try:
            seconds = rehearse(endpoint, aws_cli)
        except Failed as failure:
            print(f"rehearse: {failure}", file=sys.stderr)
            return 1
        finally:
            moto_server.stop(process)
    print(f"rehearsed in {seconds:.1f} s on moto_server ({endpoint}); moto differs from AWS in {len(MOTO_GAPS)} ways:")
    for gap in MOTO_GAPS:
        print(f"  - {gap.where}: {gap.consequence}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
