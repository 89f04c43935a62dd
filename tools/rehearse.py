"""make rehearse: the path from an empty account, on a moto_server this command starts and stops.

    prerequisites stack -> go-api parameter file from its outputs -> plan the platform through
    the stack's template bucket -> push an image -> alarm topic -> preflight -> deploy go-api -> doctor
    -> plan a new tag with the dashboard on, keep the change set, execute it -> doctor
    -> delete both stacks -> what is left

Every step is a make target a user runs, pointed at the local server by AWS_ENDPOINT_URL, or
one AWS call a user makes with Docker or the AWS CLI (made here with boto3); the steps are
listed once, in STEPS. moto is not AWS: what it does otherwise is listed in MOTO_GAPS, and
the rehearsal checks that the only differences it meets are those
(docs/prerequisites.md#what-the-rehearsal-proves). Nothing here calls AWS.
Exit status: 0 rehearsed, 1 a step did not do what it should, 2 moto_server did not start.
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import boto3

from ops.shared import invocation, params
from tools import moto_server
from tools.moto_gaps import GAP_CHECKS, GAP_DELETE_ERRORS, GAP_LEFTOVERS, MOTO_GAPS, named

ROOT = Path(__file__).resolve().parent.parent
REGION = "us-east-1"
PREREQUISITES_STACK = "rehearsal-prerequisites"
PREREQUISITES_PARAMS = "params/prerequisites.dev.json"  # the quick start's file
APP_STACK = "rehearsal-go-api"
PLATFORM_STACK = "rehearsal-platform"
PLATFORM_PARAMS = "params/platform.dev.json"
ENV = "rehearsal"
PARAMS = ROOT / "params" / f"go-api.{ENV}.local.json"
FIRST_TAG, SECOND_TAG = "v1.0.0", "v1.1.0"
REPOSITORY = f"{PREREQUISITES_STACK}/go-api"
LOG_GROUP = f"/ecs/{APP_STACK}"  # go-api's log group is named after its stack
ALARM_TOPIC = "rehearsal-on-call"

# What `make plan` prints for a new image tag, as CloudFormation describes that change: the
# task definition's ContainerDefinitions cannot change in place ("Update requires: Replacement",
# https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-ecs-taskdefinition.html),
# and the service then takes the new revision in place (its TaskDefinition: "Update requires:
# No interruption", https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-ecs-service.html).
RELEASE_PLAN = (
    "~ TaskDefinition (AWS::ECS::TaskDefinition) replaced, because of ContainerDefinitions",
    "~ Service (AWS::ECS::Service) changed in place: ",
    "+ Dashboard (AWS::CloudWatch::Dashboard) add",
)
# The release also turns the dashboard on: a resource under a Condition (DashboardCreated) that an
# update must create once its condition holds, as AWS does
# (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/conditions-section-structure.html).
# That is the part of moto's update tools/moto_fixes corrects, so the release proves the correction
# creates and updates conditional resources, not only that it leaves false ones alone.
DASHBOARD_SWITCH, DASHBOARD = "CreateDashboard", "Dashboard"
# What it prints instead in moto.
PLAN_WITHOUT_CHANGES = "no resource changes"
KEPT = re.compile(r"^kept change set (\S+);", re.MULTILINE)


def manifest(digest_character: str) -> str:
    """An image manifest as `docker push` uploads it last. moto keeps no blobs and takes an image's
    digest from its layers' digests (the gap "ECR PutImage"), so each tag names a layer of its own."""
    return json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
            "config": {
                "mediaType": "application/vnd.docker.container.image.v1+json",
                "size": 1,
                "digest": "sha256:" + digest_character * 64,
            },
            "layers": [
                {
                    "mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip",
                    "size": 1,
                    "digest": "sha256:" + digest_character * 64,
                }
            ],
        }
    )


# What a delete keeps on purpose in AWS (DeletionPolicy RetainExceptOnCreate): logs and data.
MEANT_TO_STAY = {"log-group", "bucket", "repository"}


def see(where: str) -> str:
    """A pointer to one gap of the list, by its name (a name the list lacks is an error)."""
    return f"see the moto gap '{named(where).where}'"


class Failed(Exception):
    """A step did not do what it should."""


@dataclass
class Rehearsal:
    endpoint: str
    say: Callable[[str], None] = print
    inventory_before: dict = field(default_factory=dict)
    inventory_with_prerequisites: dict = field(default_factory=dict)
    kept_change_set: str = ""
    alarm_topic: str = ""
    parameter_file: Path = PARAMS

    @property
    def params_argument(self) -> str:
        """PARAMS= as a user gives it: relative to the checkout when it is in it."""
        file = self.parameter_file
        return f"PARAMS={file.relative_to(ROOT) if file.is_relative_to(ROOT) else file}"

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

    def make(self, *arguments: str, expect: int | None = 0) -> subprocess.CompletedProcess:
        # -o: the virtual environment is there already; never reinstall from a rehearsal.
        command = ["make", "--no-print-directory", "-o", ".venv/.installed", *arguments]
        self.say("$ make " + " ".join(arguments))
        done = subprocess.run(command, cwd=ROOT, env=self.environment, capture_output=True, text=True, timeout=300)
        for line in (done.stdout + done.stderr).splitlines():
            self.say("  " + line)
        if expect is not None and done.returncode != expect:
            raise Failed(f"make {' '.join(arguments[:2])}... exited {done.returncode}, not {expect}")
        return done

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
    # In AWS: make deploy TEMPLATE=prerequisites STACK=... PARAMS=... . moto gives a stack made
    # by a change set no Outputs (the gap "CreateChangeSet + ExecuteChangeSet"), so the same
    # template and values go through CreateStack, as `aws cloudformation create-stack` sends them.
    values = params.read(str(ROOT / PREREQUISITES_PARAMS))
    r.say(f"$ aws cloudformation create-stack --stack-name {PREREQUISITES_STACK} (template and {PREREQUISITES_PARAMS})")
    cloudformation = r.client("cloudformation")
    cloudformation.create_stack(
        StackName=PREREQUISITES_STACK,
        TemplateBody=(ROOT / "output" / "prerequisites.yaml").read_text(),
        Parameters=[{"ParameterKey": key, "ParameterValue": value} for key, value in values.items()],
    )
    cloudformation.get_waiter("stack_create_complete").wait(
        StackName=PREREQUISITES_STACK, WaiterConfig={"Delay": 1, "MaxAttempts": 60}
    )
    outputs = cloudformation.describe_stacks(StackName=PREREQUISITES_STACK)["Stacks"][0].get("Outputs", [])
    r.say(f"  {PREREQUISITES_STACK}: CREATE_COMPLETE, {len(outputs)} outputs")


def write_parameter_file(r: Rehearsal) -> None:
    elsewhere = [] if r.parameter_file == PARAMS else [f"OUTPUT={r.parameter_file}"]
    told = r.make(
        "params-from-stack", f"STACK={PREREQUISITES_STACK}", "TEMPLATE=go-api", f"ENV={ENV}", *elsewhere
    ).stdout
    if "to fill in: ImageUri=" not in told:
        raise Failed("params-from-stack did not leave the image tag to fill in")


def plan_platform(r: Rehearsal) -> None:
    """The platform is over the 51,200 bytes of a template body: make plan, given no S3_BUCKET, uploads it
    to the prerequisites stack's template bucket. The committed example file is enough for a plan (its
    VPC is no prerequisites stack's: the only prerequisites stack of the region is then the one)."""
    outputs = r.client("cloudformation").describe_stacks(StackName=PREREQUISITES_STACK)["Stacks"][0]["Outputs"]
    bucket = next(o["OutputValue"] for o in outputs if o["OutputKey"] == "TemplateBucketName")
    told = r.make("plan", "TEMPLATE=platform", f"STACK={PLATFORM_STACK}", f"PARAMS={PLATFORM_PARAMS}").stdout
    said = f"uploading it to {bucket}, the template bucket of {PREREQUISITES_STACK} (the only prerequisites stack"
    if said not in told:
        raise Failed(f"make plan TEMPLATE=platform did not upload the template to {bucket}")
    keys = [o["Key"] for o in r.client("s3").list_objects_v2(Bucket=bucket).get("Contents", [])]
    if not any(key.startswith("templates/platform-") for key in keys):
        raise Failed(f"{bucket} holds no templates/platform-<digest>.yaml after the plan")


def push(r: Rehearsal, tag: str, digest_character: str) -> None:
    # What `docker push` ends with: the manifest under its tag (aws ecr put-image sends the same).
    r.say(f"$ docker push <{REPOSITORY}>:{tag}   (here: aws ecr put-image, a manifest without its layers)")
    image = r.client("ecr").put_image(repositoryName=REPOSITORY, imageTag=tag, imageManifest=manifest(digest_character))
    r.say(f"  {image['image']['imageId']['imageDigest']}  {tag}")


def set_tag(file: Path, tag: str) -> None:
    """What the user edits in the file: the image tag, nothing else."""
    entries = json.loads(file.read_text())
    image = next(entry for entry in entries if entry.startswith("ImageUri="))
    # The repository ends at the first ":" after its last "/" (the marker has a ":" of its own).
    repository = image[: image.index(":", image.rindex("/"))]
    entries[entries.index(image)] = f"{repository}:{tag}"
    file.write_text(json.dumps(entries, indent=2) + "\n")


def set_value(file: Path, key: str, value: str) -> None:
    """One parameter of the file set to ``value``, added when the file leaves it out."""
    entries = [entry for entry in json.loads(file.read_text()) if not entry.startswith(f"{key}=")]
    file.write_text(json.dumps([*entries, f"{key}={value}"], indent=2) + "\n")


def first_image(r: Rehearsal) -> None:
    push(r, FIRST_TAG, "a")
    set_tag(r.parameter_file, FIRST_TAG)


def alarm_topic(r: Rehearsal) -> None:
    """With a topic, go-api's stack has its EventBridge rule and role (templates/parts/alarm_recovery.py),
    so both go through CloudFormation here; moto skips the alarms themselves (a gap of the list)."""
    r.say(f"$ aws sns create-topic --name {ALARM_TOPIC}")
    r.alarm_topic = r.client("sns").create_topic(Name=ALARM_TOPIC)["TopicArn"]
    r.say(f"  {r.alarm_topic}")
    set_value(r.parameter_file, "AlarmTopicArn", r.alarm_topic)


def service_linked_role(r: Rehearsal) -> None:
    r.say("$ aws iam create-service-linked-role --aws-service-name ecs.amazonaws.com")
    role = r.client("iam").create_service_linked_role(AWSServiceName="ecs.amazonaws.com")["Role"]
    r.say(f"  {role['RoleName']}")


def preflight(r: Rehearsal) -> None:
    done = r.make(
        "preflight",
        "TEMPLATE=go-api",
        r.params_argument,
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
    wanted = {
        "params",
        "target-group",
        f"image:go-api:{FIRST_TAG}",
        "security-group:AppSecurityGroupId",
        "alarms.topic",
    }
    if not wanted <= passed:
        raise Failed(f"preflight did not pass {', '.join(sorted(wanted - passed))}")
    r.say(f"  (fails only where moto differs from AWS: {', '.join(sorted(failed)) or 'nowhere'})")


def first_deploy(r: Rehearsal) -> None:
    r.inventory_with_prerequisites = inventory(r)
    done = r.make("deploy", "TEMPLATE=go-api", f"STACK={APP_STACK}", r.params_argument)
    if f"{APP_STACK}: CREATE_COMPLETE" not in done.stdout.splitlines():
        raise Failed(f"make deploy did not report {APP_STACK}: CREATE_COMPLETE")
    recovery_rule(r)


def recovery_rule(r: Rehearsal) -> None:
    """The stack's rule, on this account's and region's events, publishing to the topic through the
    stack's role."""
    rule, role = physical_id(r, "AlarmRecoveryRule"), physical_id(r, "AlarmRecoveryRole")
    if not rule or not role:
        raise Failed(f"{APP_STACK} has no AlarmRecoveryRule and AlarmRecoveryRole with AlarmTopicArn given")
    events = r.client("events")
    pattern = json.loads(events.describe_rule(Name=rule)["EventPattern"])
    account = r.client("sts").get_caller_identity()["Account"]
    if (pattern.get("account"), pattern.get("region")) != ([account], [REGION]):
        raise Failed(f"{rule} matches account {pattern.get('account')} and region {pattern.get('region')}")
    targets = [
        (t["Arn"], t.get("RoleArn", "").rsplit("/", 1)[-1]) for t in events.list_targets_by_rule(Rule=rule)["Targets"]
    ]
    if targets != [(r.alarm_topic, role)]:
        raise Failed(f"{rule} sends to {targets}, not to {r.alarm_topic} through {role}")
    r.say(f"  ({rule} sends recoveries to {r.alarm_topic} through {role})")


def doctor(r: Rehearsal) -> None:
    if "healthy: no failure found" not in r.make("doctor", f"STACK={APP_STACK}").stdout.splitlines():
        raise Failed("doctor did not call the stack healthy")


def physical_id(r: Rehearsal, logical_id: str) -> str | None:
    resources = r.client("cloudformation").describe_stack_resources(StackName=APP_STACK)["StackResources"]
    return next((x.get("PhysicalResourceId") for x in resources if x.get("LogicalResourceId") == logical_id), None)


def task_definition(r: Rehearsal) -> str:
    return physical_id(r, "TaskDefinition")


def dashboards(r: Rehearsal) -> list[str]:
    return [entry["DashboardName"] for entry in r.client("cloudwatch").list_dashboards()["DashboardEntries"]]


def plan_release(r: Rehearsal) -> None:
    push(r, SECOND_TAG, "b")
    set_tag(r.parameter_file, SECOND_TAG)
    set_value(r.parameter_file, DASHBOARD_SWITCH, "true")
    told = r.make("plan", "TEMPLATE=go-api", f"STACK={APP_STACK}", r.params_argument, "KEEP=1").stdout
    kept = KEPT.search(told)
    if not kept:
        raise Failed("make plan KEEP=1 did not name the change set it kept")
    r.kept_change_set = kept.group(1)
    lines = [line.strip() for line in told.splitlines()]
    if all(any(line.startswith(planned) for line in lines) for planned in RELEASE_PLAN):
        r.say("  (the plan names the task definition's replacement, the service's change and the new dashboard)")
    elif PLAN_WITHOUT_CHANGES in lines:
        r.say(f"  (moto lists no change for new parameter values: {see('Changes of a change set (`make plan`)')})")
    else:
        raise Failed(f"make plan listed neither {' and '.join(RELEASE_PLAN)} nor, as moto does, no change")


def execute_release(r: Rehearsal) -> None:
    before = task_definition(r)
    done = r.make(
        "deploy", "TEMPLATE=go-api", f"STACK={APP_STACK}", r.params_argument, f"CHANGE_SET={r.kept_change_set}"
    )
    if f"executing the kept change set {r.kept_change_set}:" not in done.stdout:
        raise Failed("make deploy CHANGE_SET=... did not execute the kept change set")
    stack = r.client("cloudformation").describe_stacks(StackName=APP_STACK)["Stacks"][0]
    image = {p["ParameterKey"]: p["ParameterValue"] for p in stack["Parameters"]}["ImageUri"]
    after = task_definition(r)
    if not image.endswith(f":{SECOND_TAG}") or after == before:
        raise Failed(f"the release did not reach the stack: ImageUri {image}, task definition {before} -> {after}")
    r.say(f"  ImageUri is {SECOND_TAG}; task definition {before.rsplit('/', 1)[-1]} -> {after.rsplit('/', 1)[-1]}")
    dashboard = physical_id(r, DASHBOARD)
    if not dashboard or dashboard not in dashboards(r):
        raise Failed(f"the release with {DASHBOARD_SWITCH}=true did not create {DASHBOARD}, a conditional resource")
    r.say(f"  {DASHBOARD_SWITCH}=true: the update created {DASHBOARD} ({dashboard}), its condition now true")


def log_group_exists(r: Rehearsal) -> bool:
    groups = r.client("logs").describe_log_groups(logGroupNamePrefix=LOG_GROUP)["logGroups"]
    return any(group["logGroupName"] == LOG_GROUP for group in groups)


def stack_has_log_group(r: Rehearsal) -> bool:
    resources = r.client("cloudformation").list_stack_resources(StackName=APP_STACK)["StackResourceSummaries"]
    return any(resource.get("PhysicalResourceId") == LOG_GROUP for resource in resources)


def delete_app(r: Rehearsal) -> None:
    listed = stack_has_log_group(r)
    told = r.make("delete", f"STACK={APP_STACK}").stdout
    if f"{APP_STACK}: deleted" not in told.splitlines():
        raise Failed(f"make delete did not report {APP_STACK}: deleted")
    reported = f"log group {LOG_GROUP}: aws logs delete-log-group --log-group-name {LOG_GROUP}" in told
    kept = log_group_exists(r)
    if kept and reported:
        r.say(f"  (make delete named the log group it kept, {LOG_GROUP})")
    elif kept and not listed:
        r.say(f"  (moto dropped {LOG_GROUP} from the stack at the release: {see('AWS::Logs::LogGroup update')})")
    elif not kept and listed:
        r.say(f"  (moto deleted {LOG_GROUP}: {see('DeletionPolicy RetainExceptOnCreate')})")
    elif kept:
        raise Failed(f"make delete kept {LOG_GROUP} without naming it")
    else:
        raise Failed(f"{LOG_GROUP} was neither one of the stack's resources nor kept")
    check_left(r, r.inventory_with_prerequisites)


def delete_prerequisites(r: Rehearsal) -> None:
    done = r.make("delete", f"STACK={PREREQUISITES_STACK}", expect=None)
    if done.returncode != 0:
        if not any(error in done.stdout + done.stderr for error in GAP_DELETE_ERRORS):
            raise Failed(f"make delete STACK={PREREQUISITES_STACK} failed otherwise than moto's known gaps")
        r.say(f"  (moto cannot delete this stack: {see('stack delete')}; not rehearsed)")
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
    Step("plan the platform: its template goes through the stack's template bucket", plan_platform),
    Step(f"push the first image ({FIRST_TAG}) and fill in its tag", first_image),
    Step("create the alarm topic and name it in the file", alarm_topic),
    Step("create ECS's service-linked role (once per account)", service_linked_role),
    Step("preflight the parameter file and the account", preflight),
    Step("deploy go-api", first_deploy),
    Step("ask the doctor", doctor),
    Step(
        f"release {SECOND_TAG} and turn the dashboard on: push, change the file, plan, keep the change set",
        plan_release,
    ),
    Step("deploy exactly the kept change set", execute_release),
    Step("ask the doctor again", doctor),
    Step("delete go-api; only what is kept on purpose stays", delete_app),
    Step("delete the prerequisites stack", delete_prerequisites),
)


def inventory(r: Rehearsal) -> dict[str, list[str]]:
    """Names of what the rehearsal's stacks can create, by kind."""
    ec2, elbv2, ecs = r.client("ec2"), r.client("elbv2"), r.client("ecs")
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
        "ecs-cluster": [arn.rsplit("/", 1)[-1] for arn in ecs.list_clusters()["clusterArns"]],
        "ecs-service": [
            arn.rsplit("/", 1)[-1] for cluster in ecs.list_clusters()["clusterArns"] for arn in services(ecs, cluster)
        ],
        "task-definition": [
            arn.rsplit("/", 1)[-1] for arn in ecs.list_task_definitions(status="ACTIVE")["taskDefinitionArns"]
        ],
        "iam-role": [role["RoleName"] for role in r.client("iam").list_roles()["Roles"]],
        "events-rule": [rule["Name"] for rule in r.client("events").list_rules()["Rules"]],
        "log-group": [g["logGroupName"] for g in r.client("logs").describe_log_groups()["logGroups"]],
        "dashboard": dashboards(r),
        "bucket": [b["Name"] for b in r.client("s3").list_buckets()["Buckets"]],
        "repository": [x["repositoryName"] for x in r.client("ecr").describe_repositories()["repositories"]],
    }


def services(ecs, cluster: str) -> list[str]:
    return ecs.list_services(cluster=cluster)["serviceArns"]


def rehearse(endpoint: str, say: Callable[[str], None] = print, parameter_file: Path = PARAMS) -> float:
    """Every step against ``endpoint``; returns the seconds it took. Raises Failed."""
    r = Rehearsal(endpoint, say, parameter_file=parameter_file)
    started = time.monotonic()
    r.inventory_before = inventory(r)
    try:
        for number, step in enumerate(STEPS, 1):
            say(f"== {number}/{len(STEPS)} {step.what}")
            begun = time.monotonic()
            step.run(r)
            say(f"   ({time.monotonic() - begun:.1f} s)")
    finally:
        parameter_file.unlink(missing_ok=True)
    return time.monotonic() - started


# --- The local server ------------------------------------------------------------------------


def unwritable(file: Path) -> str | None:
    """Why ``file`` cannot be written (a read-only checkout), or None."""
    probe = file.with_name(file.name + ".tmp")
    try:
        probe.write_text("")
        probe.unlink()
    except OSError as error:
        return error.strerror or str(error)
    return None


def log_file():
    """moto_server's log: a file in TMPDIR that goes when it is closed."""
    try:
        return tempfile.TemporaryFile("w+")
    except OSError as error:  # FileNotFoundError too, when no temporary directory is usable
        where = os.environ.get("TMPDIR") or tempfile.tempdir or "/tmp"
        why = error.strerror or str(error)
        raise Failed(f"cannot write moto_server's log in {where}: {why}: set TMPDIR to a writable directory") from None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.rehearse", description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=PARAMS, help="where to write go-api's parameter file")
    arguments = parser.parse_args(argv)
    parameter_file = arguments.output.resolve()
    why = unwritable(parameter_file)
    if why:
        elsewhere = invocation.option("--output", str(Path(tempfile.gettempdir()) / PARAMS.name))
        shown = os.path.relpath(parameter_file)
        print(f"rehearse: cannot write {shown}: {why}: write it elsewhere, e.g. {elsewhere}", file=sys.stderr)
        return 2
    try:
        log = log_file()
    except Failed as failure:
        print(f"rehearse: {failure}", file=sys.stderr)
        return 2
    with log:
        try:
            process, endpoint = moto_server.start(log)
        except OSError as error:
            print(f"rehearse: {error}", file=sys.stderr)
            return 2
        try:
            seconds = rehearse(endpoint, parameter_file=parameter_file)
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
