"""Known failure signatures: patterns on AWS's own text, the cause, the fix, and where that is known from.

`make doctor` matches stack events, service events, stopped-task and container reasons and
target health against this table, and `make explain` matches any text pasted into it. The
table is ordered: the most specific signature first, so that when several match, the first
is the cause (a KMS denial inside a Secrets Manager failure is a KMS problem, not a network
one). A signature marked ``consequence`` reports that something else failed (a rollback, a
circuit breaker, a resource that did not stabilise): it never wins over a cause. A signature
marked ``informational`` names an ordinary event (a steady state, tasks started or stopped by a
deployment): explained, so that it is never called unknown, and never reported as a failure.

The patterns are written from the lists AWS publishes (the ECS guide's service event messages,
stopped-task errors and CannotPullContainer errors, CloudFormation's handler error messages), and
tolerate the variants AWS prints across surfaces and years: an ARN or a name, parentheses or not,
quotes escaped or not, a RequestToken suffix.

Every pattern is one alternative, matched case-insensitively; each is exercised by a real
failure text in tests/fixtures/doctor/corpus.json or an AWS-documented one in catalog.json,
quoted with the URL it was seen at. tests/fixtures/doctor/heldout.json measures the table on
texts it was not written from (ops/doctor/score.py prints the score).
docs/ecs-deployment.md shows the table, generated from here.
"""

import re
from dataclasses import dataclass
from functools import cache

EXEC = (
    "redeploy with EnableExecuteCommand=true, then (AWS CLI v2 + Session Manager plugin) "
    'aws ecs execute-command --cluster <cluster> --task <task> --container <name> --interactive --command "sh"'
)
TROUBLESHOOTING = "docs/ecs-deployment.md#troubleshooting"
PULL_DOC = "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_cannot_pull_image.html"
STOPPED_DOC = "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/stopped-task-error-codes.html"
EVENTS_DOC = "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service-event-messages.html"
# CloudFormation's resource handlers word their failures from one list (Resource of type '...' with
# identifier '...' already exists, did not stabilize, ...): the message and its HandlerErrorCode.
HANDLER_ERRORS_DOC = (
    "https://docs.aws.amazon.com/cloudformation-cli/latest/userguide/resource-type-test-contract-errors.html"
)
DEPLOYMENT_EVENTS_DOC = "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs_service_deployment_events.html"
GUIDE = "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/"
# Fargate's vCPU quotas (service code fargate), from the ECS service quotas page:
# https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service-quotas.html#service-quotas-fargate
ON_DEMAND_VCPU_QUOTA, SPOT_VCPU_QUOTA = "L-3032A538", "L-36FBB829"
NETWORK_FIX = (
    "Private subnets need a NAT gateway route, or the interface endpoints ecr.api, ecr.dkr and logs (private DNS "
    "on, their security group admitting the tasks on 443) and the S3 gateway endpoint on the subnets' route "
    "tables; public subnets need AssignPublicIp=ENABLED; the tasks' security group must allow HTTPS out. "
    "make preflight checks the routes and endpoints."
)
UNKNOWN_WHERE = {
    "stack event": "the resource's own failure: aws cloudformation describe-stack-events --stack-name <stack> "
    "(the earliest *_FAILED event is the cause)",
    "stopped task": "the stopped task's containers: aws ecs describe-tasks --cluster <cluster> --tasks <task> "
    "--query 'tasks[0].containers[].[name,reason,exitCode]', then the log group: aws logs tail <group> --since 1h",
    "service event": "the stopped tasks of the service: aws ecs list-tasks --cluster <cluster> --service-name "
    "<service> --desired-status STOPPED",
    "target health": "aws elbv2 describe-target-health --target-group-arn <arn>, and the container's log",
    "text": "the error code in the text (the word before 'Exception' or in parentheses) in the AWS service's API "
    "reference; for a stack, make doctor STACK=<stack> reads its events and tasks",
}


@dataclass(frozen=True)
class Signature:
    name: str
    family: str
    patterns: tuple[str, ...]
    cause: str
    fix: str
    section: str
    source: str
    consequence: bool = False
    informational: bool = False

    def matches(self, text: str) -> bool:
        return any(_compiled(pattern).search(text) for pattern in self.patterns)


@cache
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


SIGNATURES: tuple[Signature, ...] = (
    # --- What a task reads before its container starts ----------------------------------
    Signature(
        "secrets-kms",
        "secrets-kms",
        (r"Access to KMS is not allowed", r"ciphertext refers to a customer master key"),
        "A secret (SSM SecureString or Secrets Manager) is encrypted with a KMS key the reading role may not use.",
        "Give the role that reads it (the execution role for secrets in the task definition, the task role for the "
        "app's own calls) kms:Decrypt on that key, in the key policy or IAM: for SSM pass the key as "
        "SecretsKmsKeyArn, which adds kms:Decrypt limited to kms:ViaService ssm.<region>.amazonaws.com.",
        "docs/platform.md#inputs-it-expects-from-the-other-stacks",
        "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/secrets-envvar-ssm-paramstore.html",
    ),
    Signature(
        "secrets-denied",
        "secrets-denied",
        (
            r"not authorized to perform: ssm:GetParameters",
            r"unable to retrieve secrets from ssm.*AccessDenied",
            r"not authorized to perform: secretsmanager:GetSecretValue",
        ),
        "The execution role may not read the secrets the task definition names (SSM parameters or Secrets "
        "Manager secrets).",
        "Allow ssm:GetParameters (Parameter Store) or secretsmanager:GetSecretValue (Secrets Manager) on the "
        "secrets' ARNs to the execution role; the templates grant ssm:GetParameters on SecretsParameterPath, so "
        "check that the parameters are under that path, in this region and account. A Secrets Manager ARN ends "
        "in a random six-character suffix: grant <name>-* or the full ARN.",
        "docs/platform.md#inputs-it-expects-from-the-other-stacks",
        "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/secrets-envvar-ssm-paramstore.html",
    ),
    Signature(
        "secrets-network",
        "secrets-network",
        (
            r"unable to retrieve secrets? from ssm: service call has been retried \d+ time\(s\): RequestCanceled",
            r"unable to retrieve secrets? from asm: service call has been retried \d+ time\(s\): failed to fetch "
            r"secret .* RequestCanceled",
            # The newer wording, which names the network instead of the retries.
            r"connection issue between the task and AWS Secrets Manager",
            # Parameter Store's heading on the ResourceInitializationError page, and its message.
            r"between the task and AWS Systems Manager",
        ),
        "The task cannot reach SSM Parameter Store or Secrets Manager to read its secrets: the call timed out.",
        "Private subnets need a NAT gateway route or the ssm (Parameter Store) / secretsmanager interface endpoint "
        "with private DNS, its security group admitting the tasks on 443; the tasks' security group must allow "
        "HTTPS out. make preflight checks the endpoints.",
        "docs/platform.md#inputs-it-expects-from-the-other-stacks",
        "https://repost.aws/knowledge-center/ecs-fargate-pull-container-error",
    ),
    Signature(
        "secret-not-found",
        "secrets-missing",
        (r"can't retrieve the secret with ARN", r"Secrets Manager can't find the specified secret"),
        "A secret the task definition names does not exist in Secrets Manager: another Region, a wrong ARN, or a "
        "deleted secret.",
        "Check the ARN in the task definition against aws secretsmanager describe-secret --secret-id <arn> --region "
        "<task region>; a secret of another Region must be replicated or named by its full ARN there.",
        "docs/platform.md#inputs-it-expects-from-the-other-stacks",
        GUIDE + "resource-not-found-error.html",
    ),
    Signature(
        "secrets-unreadable",
        "secrets-other",
        (r"unable to retrieve secrets? from ssm", r"unable to retrieve secrets? from asm"),
        "The task could not read its secrets; the end of the message says whether it was the network (timeout), "
        "a permission (AccessDenied) or a missing parameter.",
        "Check that the parameters exist in this region and account (aws ssm get-parameters --names <name>), that "
        "the execution role may read them, and that the subnets reach SSM (make preflight checks all three).",
        "docs/platform.md#inputs-it-expects-from-the-other-stacks",
        STOPPED_DOC,
    ),
    Signature(
        "ecr-auth-network",
        "registry-auth-network",
        (r"unable to retrieve ecr registry auth", r"cannot pull registry auth from Amazon ECR"),
        "The task cannot reach the ECR API (api.ecr.<region>) to get a registry token: the call timed out, so "
        "there is no network path from the task's subnets to ECR.",
        NETWORK_FIX,
        "docs/ecs-deployment.md#prerequisites",
        "https://repost.aws/knowledge-center/ecs-fargate-pull-container-error",
    ),
    Signature(
        "pull-secrets-killed",
        "registry-auth-network",
        (r"unable to pull secrets or registry auth: pull command failed: : signal: killed",),
        "Fargate's fetch of the task's secrets and registry credentials ran out of time and was killed: from "
        "platform 1.4.0 it goes through the task's own network interface, and the subnets have no path to ECR, "
        "Secrets Manager or SSM.",
        NETWORK_FIX + " Secrets need the secretsmanager or ssm interface endpoint as well.",
        "docs/ecs-deployment.md#prerequisites",
        "https://repost.aws/knowledge-center/ecs-unable-to-pull-secrets",
    ),
    # --- Pulling the image ------------------------------------------------------------------
    Signature(
        "image-platform-mismatch",
        "platform-mismatch",
        (
            r"descriptor matching platform",
            r"failed to find a descriptor for platform",
            r"exec format error",
            r"no matching manifest for \S+ in the manifest list",
        ),
        "The image was built for another CPU architecture (or OS) than the task runs on, e.g. an arm64 image built "
        "on an Apple-silicon laptop in an X86_64 task.",
        "Build and push the image for the task's platform: docker buildx build --platform linux/amd64 -t <image> "
        "--push . (the plugin image exists for linux/amd64 only); or run the task on the image's architecture.",
        "docs/finfocus-plugin.md#before-the-first-deploy-check-the-image-starts",
        PULL_DOC,
    ),
    Signature(
        "image-missing-or-private",
        "image-not-found",
        (
            r"pull access denied for \S+ repository does not exist or may require 'docker login'",
            # containerd's wording: a registry answers the same for a name it does not hold and for one it
            # will not show (an ECR image named without its registry resolves to Docker Hub and fails so).
            r"pull access denied, repository does not exist or may require authorization",
        ),
        "The image name does not exist in that registry, or the registry needs credentials the task does not have.",
        "Check the image URI (registry, repository and tag) with docker pull <image>; a private registry other "
        "than ECR needs repositoryCredentials; an ECR image must be named <account>.dkr.ecr.<region>.amazonaws.com/"
        "<repo>:<tag>.",
        TROUBLESHOOTING,
        PULL_DOC,
    ),
    Signature(
        "image-not-found",
        "image-not-found",
        (
            r"CannotPullContainerError: Tag \S+ not found in repository",
            r"API error \(404\): repository \S+ not found",
            # containerd (Fargate platform 1.4): the reference resolves to nothing.
            r"failed to resolve ref\S*\s.*: not found",
            # Docker's daemon (EC2 container instances), and the registry's own error code.
            r"manifest for \S+ not found",
            r"manifest unknown",
        ),
        "The image tag, digest or repository does not exist (a tag never pushed, or deleted by a lifecycle "
        "policy; a digest of a re-pushed tag).",
        "Push the image or fix the tag: aws ecr describe-images --repository-name <repo> --image-ids imageTag=<tag>",
        TROUBLESHOOTING,
        PULL_DOC,
    ),
    Signature(
        "image-pull-denied",
        "image-pull-denied",
        (
            r"CannotPullContainerError.*403 Forbidden",
            r"Check that the role has the permissions to pull images",
            # The guide's heading as its whole text; "pull access denied" inside Docker's or containerd's
            # "repository does not exist or may require ..." is image-missing-or-private, a name as often as a right.
            r"^pull access denied$",
        ),
        "ECR refused the pull: the execution role (or the repository policy, for another account's registry) does "
        "not allow it, or the digest asked for no longer exists in the repository (a re-pushed tag).",
        "Allow ecr:GetAuthorizationToken, ecr:BatchGetImage and ecr:GetDownloadUrlForLayer to the execution role "
        "(and the pulling account in the repository policy); check the digest exists: aws ecr describe-images "
        "--repository-name <repo> --image-ids imageDigest=<digest>. Redeploying resolves a tag anew.",
        TROUBLESHOOTING,
        PULL_DOC,
    ),
    Signature(
        "image-pull-network",
        "image-pull-network",
        (
            r"CannotPullContainerError.*i/o timeout",
            r"CannotPullContainerError.*request canceled while waiting",
            r"connection issue between the task and Amazon ECR",
            r"can.t pull the image\. Check your network configuration",
            # The registry API (/v2/) or Docker's daemon timing out: the same missing route, without the prefix.
            r"/v2/: net/http: request canceled while waiting for connection",
            r"Error response from daemon: Get \S+: net/http: request canceled while waiting for connection",
            # The guide: security group rules to reach Amazon S3, or a gateway endpoint without its route.
            r"pull command failed: panic: runtime error",
        ),
        "The task has no network path to the image registry.",
        NETWORK_FIX + " Images outside ECR (ghcr.io, Docker Hub) need a NAT route or a public IP.",
        "docs/ecs-deployment.md#prerequisites",
        PULL_DOC,
    ),
    Signature(
        "registry-rate-limit",
        "registry-rate-limit",
        (r"toomanyrequests", r"You have reached your pull rate limit"),
        "The registry refused the pull because of its rate limit: Docker Hub limits anonymous pulls per source "
        "IP address, and tasks behind one NAT gateway share one address.",
        "Copy the image to your ECR (or an ECR pull-through cache rule for Docker Hub) and point the task "
        "definition at it; or give the task repositoryCredentials of a Docker Hub account.",
        TROUBLESHOOTING,
        PULL_DOC,
    ),
    Signature(
        "disk-space",
        "disk-space",
        (r"no space left on device", r"Thin Pool has \d+ free data blocks"),
        "The image (or the container's writes) does not fit in the task's storage: Fargate's ephemeral storage "
        "(20 GiB by default) or an EC2 container instance's Docker volume.",
        "On Fargate raise the task definition's EphemeralStorage (up to 200 GiB) or make the image smaller; on "
        "EC2 free or enlarge the Docker volume.",
        TROUBLESHOOTING,
        PULL_DOC,
    ),
    Signature(
        "image-pull-failed",
        "image-pull-other",
        (
            r"CannotPullContainerError",
            r"ref pull has been retried \d+ time\(s\)",
            r"error pulling image conf",
        ),
        "The image could not be pulled; the rest of the message names the reason (network, permission, tag, "
        "registry rate limit).",
        "Pull the same image from a machine with docker pull <image>; for ECR run make preflight (it checks the "
        "tag and the route to the registry); Docker Hub limits anonymous pulls: mirror the image to ECR.",
        TROUBLESHOOTING,
        PULL_DOC,
    ),
    Signature(
        "entrypoint-missing",
        "entrypoint",
        (
            r"exec user process caused \"no such file or directory\"",
            r"exec /\S+: no such file or directory",
            # runc: exec: "/app/server": stat /app/server: no such file or directory (a path may hold a
            # space, and a console may cut the end of the line)
            r"exec: .*stat .*no such file or direct",
            r"executable file not found in",
        ),
        "The container's entrypoint could not be started: the file (or the command) is not in the image at that "
        "path, or a script's interpreter (#!/bin/bash) is not in the image (an Alpine base has only sh), or the "
        "script has Windows line endings.",
        "Check the image: docker run --rm --entrypoint sh <image> -c 'command -v bash' prints nothing when bash is "
        "missing; then build FROM the release with RUN apk add --no-cache bash, push it to your ECR and deploy "
        "with ImageUri=<that ECR URI>; convert CRLF line endings with dos2unix.",
        "docs/finfocus-plugin.md#before-the-first-deploy-check-the-image-starts",
        "https://github.com/docker-library/openjdk/issues/373",
    ),
    # --- Logs ---------------------------------------------------------------------------------
    Signature(
        "log-group-exists",
        "log-group-exists",
        (
            r"Resource of type \\?'AWS::Logs::LogGroup\\?' with identifier .* already exists",
            r"The specified log group already exists",
            r"AWS::Logs::LogGroup: \S+\s+already exists in stack",
        ),
        "A log group of that name exists already: kept by an earlier stack of the same name (log groups are "
        "retained on delete) or created by hand.",
        "Once its logs are no longer needed: aws logs delete-log-group --log-group-name <name>; or deploy under "
        "another stack name (make preflight STACK=<name> finds such leftovers before a deploy).",
        "docs/deploying.md#deleting-and-creating-again",
        "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-attribute-deletionpolicy.html",
    ),
    Signature(
        "log-group-missing",
        "logs",
        (r"The specified log group does not exist",),
        "A log group that the task (awslogs driver) or a resource (metric filter) writes to does not exist.",
        "Let the stack create its log groups (do not delete them by hand while the stack exists); a resource that "
        "needs a group must DependsOn it; in private subnets add the logs interface endpoint.",
        TROUBLESHOOTING,
        "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/using_awslogs.html",
    ),
    Signature(
        "logs-unreachable",
        "logs",
        (
            r"failed to validate logger args",
            # The logging driver's failure names CloudWatch (its log group or stream) or the CloudWatch Logs
            # endpoint; without those words it may be any driver (log-driver-failed).
            r"failed to initialize logging driver: .*CloudWatch",
            r"failed to initialize logging driver: .*https://logs\.[a-z0-9-]+\.amazonaws\.com",
            # The ResourceInitializationError page's heading: ECS prints it for a missing group and
            # for an unreachable CloudWatch alike (civiform/civiform#7648 has both in one message).
            r"cannot find the Amazon CloudWatch log group",
        ),
        "The awslogs driver could not be set up before the container started: the log group does not exist, the "
        "task cannot reach CloudWatch Logs (no route, no logs endpoint), or the execution role may not write to it.",
        "Check the log group exists in the task definition's region (aws logs describe-log-groups "
        "--log-group-name-prefix <group>); in private subnets add the logs interface endpoint or a NAT route; the "
        "execution role needs logs:CreateLogStream and logs:PutLogEvents (make preflight checks the endpoints).",
        TROUBLESHOOTING,
        "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/using_awslogs.html",
    ),
    # FireLens: the router listens on 24224 and should be essential (firelens-taskdef.html); ECS starts it before
    # the containers that use it unless the task definition sets another order (using_firelens.html).
    Signature(
        "log-driver-failed",
        "logs",
        (r"failed to initialize logging driver",),
        "The container's log driver could not start, so neither could the container; the reason names the driver's "
        "endpoint: a Fluentd or Fluent Bit socket or port (24224 is FireLens'), a Splunk URL, the credentials "
        "endpoint.",
        "Make the endpoint in the reason reachable before the container starts. With FireLens (awsfirelens) the log "
        "router container must be running first: ECS starts it before the containers that use it unless the task "
        "definition overrides that order, so keep it essential and read its own log for why it stopped. A fluentd "
        "or syslog driver pointed at a daemon on the host needs that daemon listening. For awslogs, see "
        "logs-unreachable.",
        TROUBLESHOOTING,
        "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/using_firelens.html",
    ),
    # --- Volumes -------------------------------------------------------------------------------
    Signature(
        "efs-mount-failed",
        "volume",
        (r"failed to invoke EFS utils commands",),
        "The task could not mount its EFS volume: no mount target in the task's Availability Zone (or one whose "
        "name does not resolve), a security group closed to NFS (2049), a file system policy or access point that "
        "refuses the task, or a path that does not exist on the file system.",
        "Create a mount target in every subnet's zone, allow TCP 2049 from the tasks' security group to the mount "
        "targets', turn on the VPC's DNS hostnames and support, and check the access point and root directory. "
        "The stderr part of the message names which.",
        TROUBLESHOOTING,
        "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/efs-volumes.html",
    ),
    Signature(
        "volume-create-failed",
        "volume",
        (r"CannotCreateVolumeError",),
        "The agent could not create a volume mount the task definition names (platform 1.4.0 or later).",
        "Check the task definition's volumes and mount points; the rest of the message names the volume.",
        TROUBLESHOOTING,
        GUIDE + "cannot-create-volume.html",
    ),
    # --- The container runtime ------------------------------------------------------------------
    Signature(
        "container-runtime",
        "container-runtime",
        (
            r"ContainerRuntimeTimeoutError",
            r"DockerTimeoutError",
            r"Could not transition to \w+; timed out after waiting",
            r"ContainerRuntimeError",
            r"CannotStopContainerError",
            r"CannotInspectContainerError",
        ),
        "The container runtime (containerd on Fargate, Docker on EC2) failed or timed out starting, stopping or "
        "describing a container: a fault of the host, not of the task definition.",
        "Usually nothing: the service starts a replacement. If it repeats on EC2, read the instance's ECS agent and "
        "Docker logs (/var/log/ecs/); on Fargate, give AWS Support the task ID.",
        TROUBLESHOOTING,
        GUIDE + "stopped-task-error-codes.html",
    ),
    # --- The running container ------------------------------------------------------------
    Signature(
        "out-of-memory",
        "memory",
        # Not "failed to get container status": AWS prints it for any container that cannot start, and only its
        # reason says whether memory is why.
        (r"Container killed due to memory usage",),
        "A container used more memory than the task has and was killed (exit code 137).",
        "Raise the task memory (TaskSize, or the Environment size) and check the app for leaks.",
        TROUBLESHOOTING,
        "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/cannot-start-container.html",
    ),
    Signature(
        "essential-container-exited",
        "app-exit",
        (r"Essential container in task exited",),
        "The main process exited; its exit code and log say why.",
        "aws logs tail <log group> --since 30m (AWS CLI v2); the container's exit code is in the stopped task "
        "(137 out of memory, 139 a crash, 1 the app's own error).",
        TROUBLESHOOTING,
        STOPPED_DOC,
    ),
    Signature(
        "container-health-check",
        "container-health",
        (r"failed container health checks",),
        "The container's own health check (the task definition's HealthCheck command) kept failing, so ECS "
        "stopped the task.",
        "Run the check command in the image by hand (it needs its program, e.g. curl, in the image); raise the "
        "health check's StartPeriod for a slow start; the container's log says why it is unhealthy.",
        TROUBLESHOOTING,
        STOPPED_DOC,
    ),
    # --- The load balancer --------------------------------------------------------------------
    Signature(
        "target-response-code",
        "health-check",
        (r"Target\.ResponseCodeMismatch",),
        "The health check reaches the task but gets another HTTP status than the target group expects.",
        "Point the health-check path at a URL that answers 200 (or widen the matcher), and check the app's log "
        "for the requests.",
        "docs/go-api.md#troubleshooting",
        "https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_TargetHealth.html",
    ),
    Signature(
        "target-timeout",
        "health-check",
        (r"Target\.Timeout",),
        "The health check gets no answer in time: the app is not listening on that port yet, or the tasks' "
        "security group does not admit the load balancer.",
        "Allow the load balancer's security group on the container port; raise HealthCheckGracePeriodSeconds for "
        "slow starts; check the app listens on 0.0.0.0, not 127.0.0.1.",
        "docs/go-api.md#troubleshooting",
        "https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_TargetHealth.html",
    ),
    Signature(
        "elb-health-check",
        "health-check",
        (
            # (service s) (task t) (port p) is unhealthy in (target-group tg) due to (reason ...): any reason
            # (Health checks failed, Request timed out), the group by name or ARN, in parentheses or not.
            r"is unhealthy in \(?target-group\b",
            r"is unhealthy in \(elb ",
            r"Task failed ELB health checks",
            r"Target\.FailedHealthChecks",
        ),
        "The load balancer's health check does not get a healthy answer from the tasks (the reason says how: "
        "failing status codes, or a request that timed out), so ECS stops them.",
        "Match the health-check path and port to the app; allow the ALB's group on the container port; "
        "raise HealthCheckGracePeriodSeconds for slow starts; check the app listens on 0.0.0.0.",
        "docs/go-api.md#troubleshooting",
        "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service-unhealthy-event-messages.html",
    ),
    Signature(
        "target-group-without-load-balancer",
        "target-group",
        (r"does not have an associated load balancer",),
        "The service was created before a listener (rule) forwarded to its target group.",
        "Attach the target group to a listener first (go-api), or keep the service's DependsOn on the rule.",
        "docs/platform.md#troubleshooting",
        "https://github.com/cloudposse/terraform-aws-ecs-web-app/issues/226",
    ),
    Signature(
        "target-not-found",
        "target-group",
        (r"due to TARGET GROUP IS NOT FOUND", r"due to TARGET IS NOT FOUND"),
        "The target group (or the task's target in it) the service's task set uses was deleted outside ECS.",
        "Delete and re-create the service (with CloudFormation, a change that replaces it); never delete a target "
        "group while its ECS service exists.",
        "docs/deploying.md#see-what-an-update-changes-make-plan",
        EVENTS_DOC,
    ),
    Signature(
        "load-balancer-container-changed",
        "target-group",
        (r"Load balancer container name or port changed in task definition",),
        "The task definition no longer has the container name and port the service's load balancer "
        "configuration names.",
        "Keep the container name and port the service was created with; changing them needs a new service "
        "(with CloudFormation, a change that replaces the service).",
        "docs/deploying.md#see-what-an-update-changes-make-plan",
        "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/troubleshoot-service-load-balancers.html",
    ),
    Signature(
        "listener-priority-in-use",
        "listener-priority",
        (r"Priority '\d+' is currently in use",),
        "Another rule on the listener already has this priority.",
        "Choose a free ListenerRulePriority: aws elbv2 describe-rules --listener-arn <arn> --query 'Rules[].Priority'",
        "docs/preflight-doctor.md#preflight",
        "https://docs.aws.amazon.com/elasticloadbalancing/latest/application/listener-rules.html",
    ),
    Signature(
        "service-registry-port",
        "service-registry",
        (r"do not require a value for 'containerPort'",),
        "The service registry gives a container port for a Cloud Map service with A records only.",
        "Give ServiceRegistries the RegistryArn alone (the templates do; lint rule E9104 checks it).",
        TROUBLESHOOTING,
        "https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ServiceRegistry.html",
    ),
    # --- The account ------------------------------------------------------------------------
    Signature(
        "service-linked-role",
        "service-linked-role",
        (r"Unable to assume the service linked role",),
        "The ECS service-linked role (AWSServiceRoleForECS) does not exist yet in this account.",
        "aws iam create-service-linked-role --aws-service-name ecs.amazonaws.com, then deploy again",
        "docs/preflight-doctor.md#preflight",
        "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/using-service-linked-roles.html",
    ),
    Signature(
        "vcpu-quota",
        "quota",
        (r"reached the limit on the number of vCPUs you can run concurrently",),
        "The account's Fargate vCPU quota is used up (all running tasks' vCPUs, a deployment's extra tasks included).",
        "aws service-quotas request-service-quota-increase --service-code fargate --quota-code "
        f"{ON_DEMAND_VCPU_QUOTA} --desired-value <vCPUs> ({SPOT_VCPU_QUOTA} for Fargate Spot); make preflight "
        "computes what a release of this stack needs at its peak.",
        "docs/preflight-doctor.md#preflight",
        "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service-quotas.html#service-quotas-fargate",
    ),
    Signature(
        "task-count-quota",
        "quota",
        (r"reached the limit on the number of tasks you can run concurrently",),
        "The account's Fargate quota is used up. Fargate counted tasks when this message was written; it now "
        "counts vCPUs.",
        "aws service-quotas request-service-quota-increase --service-code fargate --quota-code "
        f"{ON_DEMAND_VCPU_QUOTA} --desired-value <vCPUs> ({SPOT_VCPU_QUOTA} for Fargate Spot)",
        "docs/preflight-doctor.md#preflight",
        "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service-quotas.html#service-quotas-fargate",
    ),
    Signature(
        "fargate-size-quota",
        "quota",
        (r"The requested \w+ configuration is above your limit",),
        "The task's CPU or memory is larger than this account may run on Fargate (new accounts can start with "
        "lower limits).",
        "Request a quota increase (Service Quotas console, Amazon Elastic Container Service / AWS Fargate), or "
        "choose a smaller task size.",
        "docs/preflight-doctor.md#preflight",
        EVENTS_DOC,
    ),
    Signature(
        "service-limit",
        "quota",
        (r"Limit exceeded for resource of type",),
        "CloudFormation could not create the resource: an account quota of its service is reached.",
        "The reason after the type names the quota: raise it in the Service Quotas console or remove unused "
        "resources of that type.",
        "docs/preflight-doctor.md#preflight",
        HANDLER_ERRORS_DOC,
    ),
    Signature(
        "task-size",
        "task-size",
        (r"Invalid 'cpu' setting for task", r"No Fargate configuration exists for given values"),
        "The task's CPU and memory are not a combination Fargate offers.",
        "Use a documented pair (256 CPU with 512-2048 MiB, 512 with 1-4 GiB, 1024 with 2-8 GiB, ...): the "
        "templates' TaskSize parameter allows only those.",
        "docs/preflight-doctor.md#preflight",
        "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-cpu-memory-error.html",
    ),
    Signature(
        "capacity-unavailable",
        "capacity",
        (r"Capacity is unavailable at this time",),
        "Fargate has no capacity for this size in the zones offered.",
        "Wait and retry; offer subnets in more Availability Zones or another task size.",
        TROUBLESHOOTING,
        "https://repost.aws/knowledge-center/ecs-fargate-runtask-capacity",
    ),
    Signature(
        "unsupported-zone",
        "availability-zone",
        (r"was unable to place a task\. Reason: Internal error",),
        "ECS could not start a task in one of the subnets: the subnet is in an Availability Zone that Fargate "
        "does not support.",
        "Give the service subnets in the zones Fargate supports in this region (aws ec2 describe-subnets "
        "--subnet-ids <id> --query 'Subnets[].AvailabilityZoneId' shows the zone).",
        "docs/preflight-doctor.md#preflight",
        EVENTS_DOC,
    ),
    Signature(
        "subnet-out-of-addresses",
        "network-interface",
        (r"Unexpected EC2 error while attempting to Create Network Interface",),
        "Fargate could not create the task's network interface: the subnet has no free IP addresses left.",
        "aws ec2 describe-subnets --subnet-ids <id> --query 'Subnets[].AvailableIpAddressCount'; give the service "
        "larger or more subnets (each task takes one address, so does each deployment's extra task).",
        "docs/preflight-doctor.md#preflight",
        GUIDE + "failed-to-start-error.html",
    ),
    Signature(
        "network-interface-timeout",
        "network-interface",
        (
            # The stopped reason of a task that failed to start begins with it (the page's "InternalError:
            # <reason>"); EC2's and S3's own InternalError ("An internal error has occurred", "We encountered an
            # internal error") inside another tool's message, or on its own, is not this.
            r"^InternalError: (?!An internal error has occurred)(?!We encountered an internal error)",
        ),
        "The task failed to start because its network interface (ENI) was reported attached only after ECS's "
        "timeout: EC2 provisions it asynchronously.",
        "Nothing to repair in the stack: the service starts a replacement. If it persists, check the subnets' free "
        "addresses and the account's network interface quota.",
        TROUBLESHOOTING,
        GUIDE + "failed-to-start-error.html",
    ),
    Signature(
        "compute-incompatible",
        "placement",
        (r"task definition is not compatible with the selected compute strategy",),
        "The task definition's launch type (requiresCompatibilities) does not match the capacity it was sent to: "
        "a FARGATE task definition on EC2 capacity, or the reverse.",
        "Run the task with the launch type or capacity provider its task definition names (the templates: "
        "FARGATE / FARGATE_SPOT).",
        TROUBLESHOOTING,
        GUIDE + "failed-to-start-error.html",
    ),
    Signature(
        "eni-device-index",
        "placement",
        (r"Unable to attach network interface to unused device index",),
        "An awsvpc task on an EC2 container instance found no free network interface slot (or CPU and memory) on "
        "the instance.",
        "On EC2: a larger instance type, ENI trunking, or fewer awsvpc tasks per instance. The templates run on "
        "Fargate, where this does not occur.",
        TROUBLESHOOTING,
        GUIDE + "failed-to-start-error.html",
    ),
    Signature(
        "no-container-instance",
        "placement",
        (
            r"was unable to place a task because no container instance met all of its requirements",
            r"The closest matching container-instance",
            # RunTask's failure reason for an instance whose agent is disconnected.
            r"^AGENT$",
            # The reasons the service event messages page lists for the message above.
            r"No Container Instances were found in your cluster",
            r"No Container Instances were found in your capacity provider",
            r"no capacity provider associated with the cluster",
            r"Too many ports registered",
            r"Not enough available ENI attachment points",
            r"Container instance missing required attribute",
        ),
        "The service runs on EC2 capacity and no container instance has room for the task (CPU, memory, ports, "
        "network interfaces, an attribute the task needs, or a connected agent); the end of the message names "
        "the closest instance and what it lacks. The templates run on Fargate, so this means a launch type or a "
        "capacity provider strategy that sends the tasks to EC2 instances.",
        "For these templates: check the service's launch type or capacity provider strategy (FARGATE / "
        "FARGATE_SPOT). On EC2: add container instances or make the task smaller.",
        TROUBLESHOOTING,
        EVENTS_DOC,
    ),
    Signature(
        "agent-not-started",
        "container-instance",
        (r"Timed out waiting for Amazon ECS Agent to start",),
        "The ECS agent on the EC2 container instance chosen for the task did not start or is disconnected.",
        "On the instance: sudo systemctl restart ecs, and read /var/log/ecs/ecs-agent.log. The templates run on "
        "Fargate, so this means tasks sent to EC2 capacity.",
        TROUBLESHOOTING,
        EVENTS_DOC,
    ),
    Signature(
        "tasks-provisioning-limit",
        "quota",
        (r"tasks provisioning capacity limit was exceeded",),
        "The cluster has 500 tasks in PROVISIONING at once, its limit: many services or a large desired count "
        "started together.",
        "Wait for the tasks to reach RUNNING, and scale services up in steps.",
        "docs/preflight-doctor.md#preflight",
        EVENTS_DOC,
    ),
    Signature(
        "container-instance-gone",
        "container-instance",
        (r"Host EC2 \(instance [^)]*\)", r"Container instance deregistration forced by user"),
        "The EC2 container instance the task ran on was stopped, terminated or deregistered.",
        "Nothing to repair in the task: the service starts a replacement elsewhere.",
        TROUBLESHOOTING,
        "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/stopped-task-errors.html",
    ),
    Signature(
        "operations-throttled",
        "throttling",
        (r"operations are being throttled", r"Rate exceeded for operation"),
        "An AWS API throttled the calls ECS or CloudFormation made for this service; they are retried.",
        "Usually nothing: the scheduler tries again. If it persists, look for other tools calling the same API "
        "in the account and region, or request a higher rate in the Service Quotas console.",
        TROUBLESHOOTING,
        EVENTS_DOC,
    ),
    Signature(
        "deployment-configuration",
        "deployment-configuration",
        (r"unable to stop or start tasks during a deployment because of the service deployment configuration",),
        "MinimumHealthyPercent and MaximumPercent leave the scheduler no room: it may neither start a new task "
        "nor stop an old one (for example 100 % and 100 %, or a desired count of 1 with a minimum above 50 %).",
        "Let the deployment start at least one task: MaximumPercent above 100 (the templates use 200), or "
        "MinimumHealthyPercent low enough to stop one.",
        "docs/go-api.md#when-a-release-fails",
        EVENTS_DOC,
    ),
    Signature(
        "protected-tasks",
        "task-protection",
        (r"The number of protected tasks are more than the desired count",),
        "The service cannot scale in: more tasks have scale-in protection than it should run.",
        "Wait for the protection to expire, clear it (aws ecs update-task-protection --cluster <cluster> --tasks "
        "<task> --no-protection-enabled), or raise the desired count.",
        TROUBLESHOOTING,
        EVENTS_DOC,
    ),
    Signature(
        "spot-interrupted",
        "capacity",
        (r"Your Spot Task was interrupted", r"SpotInterruption"),
        "Fargate Spot reclaimed the capacity of the task (two minutes' notice, then SIGTERM).",
        "Nothing to repair: the service starts a replacement. Keep a FARGATE share in the capacity provider "
        "strategy so that not every task is on Spot.",
        "docs/platform.md#cost-effect-of-the-spot-mix",
        "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-capacity-providers.html",
    ),
    # --- Cloud Map and private DNS ----------------------------------------------------------
    Signature(
        "cloud-map-service-in-use",
        "cloud-map",
        (r"service is already used by arn:aws[\w-]*:servicediscovery",),
        "A new ECS service tries to use a Cloud Map service that the ECS service it replaces still holds: an update "
        "replaced the ECS service.",
        "Find the property that forces the replacement with make plan, and avoid it; or delete the stack and create "
        "it anew (the Cloud Map service goes with the old ECS service).",
        "docs/deploying.md#see-what-an-update-changes-make-plan",
        "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service-discovery.html",
    ),
    Signature(
        "cloud-map-instances-registered",
        "cloud-map",
        (r"Service contains registered instances",),
        "A Cloud Map service cannot be deleted while tasks are registered in it.",
        "Stop the tasks first (set the ECS service's desired count to 0, or delete the ECS service), or deregister "
        "them: aws servicediscovery list-instances --service-id <srv-id>, then aws servicediscovery "
        "deregister-instance --service-id <srv-id> --instance-id <id>",
        "docs/deploying.md#deleting-and-creating-again",
        "https://docs.aws.amazon.com/cloud-map/latest/api/API_DeleteService.html",
    ),
    Signature(
        "cloud-map-operation-in-progress",
        "cloud-map",
        (r"Another operation of type Create\w+Namespace and id \S+ is in progress",),
        "Two creates of the same Cloud Map namespace ran at once (two stacks, or a cluster that creates its default "
        "namespace beside the stack's own).",
        "Create the namespace once: let one stack own it and pass its ID to the others (ExistingNamespaceId); "
        "wait for the operation: aws servicediscovery list-operations",
        "docs/preflight-doctor.md#preflight",
        "https://docs.aws.amazon.com/cloud-map/latest/api/API_CreatePrivateDnsNamespace.html",
    ),
    Signature(
        "namespace-domain-conflict",
        "cloud-map",
        (r"ConflictingDomainExists",),
        "The VPC is already associated with a private hosted zone of that name, so Cloud Map cannot create the "
        "namespace's zone.",
        "Choose another NamespaceName, or reuse the existing namespace (ExistingNamespaceId); list the zones: "
        "aws route53 list-hosted-zones-by-vpc --vpc-id <vpc> --vpc-region <region>",
        "docs/preflight-doctor.md#preflight",
        "https://docs.aws.amazon.com/Route53/latest/APIReference/API_CreateHostedZone.html",
    ),
    Signature(
        "dns-resolution",
        "dns",
        (
            r"no such host",
            r"Could not resolve host",
            r"Name or service not known",
            r"getaddrinfo ENOTFOUND",
            # Route 53's own notice on a private hosted zone, such as a Cloud Map namespace's.
            r"Amazon VPC settings to true: enableDnsHostnames",
        ),
        "A name does not resolve where it is looked up: a private (Cloud Map) name outside its VPC, a VPC with DNS "
        "support or hostnames off, or a name with no healthy instance.",
        "aws ec2 modify-vpc-attribute --vpc-id <vpc> --enable-dns-support '{\"Value\":true}' (and "
        f"--enable-dns-hostnames); to test a name from inside the VPC: {EXEC}",
        TROUBLESHOOTING,
        "https://docs.aws.amazon.com/vpc/latest/userguide/vpc-dns.html",
    ),
    # --- CloudFormation and the CLI -----------------------------------------------------------
    Signature(
        "stack-rollback-complete",
        "stack-state",
        (r"ROLLBACK_COMPLETE state and can not be updated", r"non-updatable status: ROLLBACK_COMPLETE"),
        "The stack's first create failed and rolled back; such a stack can only be deleted.",
        "aws cloudformation delete-stack --stack-name <stack> && aws cloudformation wait stack-delete-complete "
        "--stack-name <stack>, then deploy again (make doctor STACK=<stack> first shows why the create failed)",
        "docs/deploying.md#deleting-and-creating-again",
        "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/troubleshooting.html",
    ),
    Signature(
        "resource-exists",
        "resource-exists",
        (r"Resource of type \\?'\S+\\?' with identifier .* already exists",),
        "A resource of that name exists already, outside this stack (created by hand, kept by an earlier stack, "
        "or owned by another stack): CloudFormation creates only what it does not find.",
        "Delete or rename the existing resource (its type and name are in the message), or import it into the "
        "stack; the templates name no resource themselves, so a name you passed as a parameter is the usual "
        "cause.",
        "docs/deploying.md#deleting-and-creating-again",
        HANDLER_ERRORS_DOC,
    ),
    Signature(
        "resource-not-found",
        "resource-missing",
        (r"Resource of type \\?'\S+\\?' with identifier .* was not found",),
        "A resource the stack manages was deleted outside CloudFormation, so the update or delete cannot find it.",
        "On delete: aws cloudformation delete-stack --stack-name <stack> --retain-resources <logical id>; on "
        "update: re-create the resource with the same identifier, or delete and create the stack anew.",
        "docs/deploying.md#deleting-and-creating-again",
        HANDLER_ERRORS_DOC,
    ),
    Signature(
        "service-role-broken",
        "permissions",
        (
            r"IAM permissions policies have been misconfigured or changed",
            r"IAM trust relationship has been misconfigured or changed",
        ),
        "A role the service or its tasks use lost a permission or its trust policy (ecs-tasks.amazonaws.com for the "
        "task and execution roles), so ECS can no longer maintain the service.",
        "Compare the roles with the template (make plan shows the drift of a role changed by hand) and update the "
        "stack to restore them.",
        "docs/deploying.md#see-what-an-update-changes-make-plan",
        EVENTS_DOC,
    ),
    Signature(
        "resource-not-updatable",
        "resource-update",
        (r"Resource of type \\?'\S+\\?' with identifier .* is not updatable",),
        "The update changes a property the resource's handler cannot change in place.",
        "Revert that property, or let the resource be replaced (make plan shows which property and whether the "
        "change replaces the resource).",
        "docs/deploying.md#see-what-an-update-changes-make-plan",
        HANDLER_ERRORS_DOC,
    ),
    Signature(
        "resource-conflict",
        "resource-conflict",
        (r"Resource of type \\?'\S+\\?' with identifier .* has a conflict",),
        "Another operation on the same resource was under way (a service still draining or being deleted, a "
        "second stack or a hand-made change at the same time); the reason after the identifier says which.",
        "Wait for the other operation to finish (aws cloudformation describe-stack-events, or the resource's own "
        "console), then deploy again.",
        "docs/deploying.md#deleting-and-creating-again",
        HANDLER_ERRORS_DOC,
    ),
    Signature(
        "handler-invalid-credentials",
        "permissions",
        (r"Invalid credentials provided",),
        "The credentials CloudFormation handed the resource's handler were refused: the stack's service role "
        "(RoleARN) was deleted or no longer trusts cloudformation.amazonaws.com, or the session expired.",
        "Check the stack's role: aws cloudformation describe-stacks --stack-name <stack> --query 'Stacks[0].RoleARN', "
        "then aws iam get-role --role-name <name>; deploy again with a valid role or none.",
        "docs/deploying.md#make-targets",
        HANDLER_ERRORS_DOC,
    ),
    Signature(
        "aws-side-failure",
        "aws-transient",
        (r"Network failure occurred during operation", r"Internal error reported from downstream service"),
        "The resource's handler could not complete a call to the AWS service behind it: a network failure or an "
        "internal error on AWS's side, not a fault of the template.",
        "Deploy again once the stack has rolled back; if it repeats, check the AWS Health Dashboard for the service "
        "and Region.",
        "docs/deploying.md#make-targets",
        HANDLER_ERRORS_DOC,
    ),
    Signature(
        "operation-denied",
        "permissions",
        (r"Access denied for operation",),
        "The role CloudFormation deploys with (yours, or the stack's service role) may not call the operation "
        "named in the message.",
        "Allow that operation to the deploying identity; docs/deploying.md lists what a deploy needs.",
        "docs/deploying.md#make-targets",
        HANDLER_ERRORS_DOC,
    ),
    Signature(
        "export-in-use",
        "export-in-use",
        (r"cannot be deleted as it is in use by", r"cannot be updated as it is in use by"),
        "Another stack imports this output (Fn::ImportValue): an export cannot change or go while it is imported.",
        "Find the importers: aws cloudformation list-imports --export-name <export>; change them to stop importing "
        "it first, then update this stack.",
        "docs/deploying.md#see-what-an-update-changes-make-plan",
        "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-cfn-stack-exports.html",
    ),
    Signature(
        "template-format-error",
        "template",
        (r"Template format error",),
        "CloudFormation cannot read the template: not valid YAML/JSON, or a section it does not accept; a local "
        "file given without file:// is read as the template text itself.",
        "Use the built templates (output/<name>.yaml, checked by make lint); with the AWS CLI pass a local file as "
        "--template-body file://<path>.",
        "docs/deploying.md#parameter-files",
        "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/troubleshooting.html",
    ),
    Signature(
        "parameter-value-does-not-exist",
        "parameters",
        (r"Parameter validation failed: parameter value \S+ for parameter name \S+ does not exist",),
        "A parameter of an AWS-specific type names a resource (subnet, security group, VPC, key pair) that does "
        "not exist in this region and account.",
        "Fix the value in the parameter file; make preflight checks every ID against the account.",
        "docs/deploying.md#parameter-files",
        "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-supplied-parameter-types.html",
    ),
    Signature(
        "parameter-unknown",
        "parameters",
        (r"Parameters: \[[^\]]+\] do not exist in the template",),
        "The parameter file names a parameter the template does not have.",
        "Remove or rename it; make preflight names the closest valid parameter.",
        "docs/deploying.md#parameter-files",
        "https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_CreateStack.html",
    ),
    Signature(
        "parameter-missing",
        "parameters",
        (r"Parameters: \[[^\]]+\] must have values",),
        "A parameter without a default has no value.",
        "Add it to the parameter file (params/<template>.<environment>.json, or your params/*.local.json); make "
        "preflight lists every missing one.",
        "docs/deploying.md#parameter-files",
        "https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_CreateStack.html",
    ),
    Signature(
        "sdk-parameter-validation",
        "parameters",
        (r"Parameter validation failed:\s+Unknown parameter in input",),
        "The AWS CLI or SDK refused the request before sending it: it is older than the API feature the request uses.",
        "Update the AWS CLI to the current version 2 (aws --version); the guides are written for it.",
        "docs/deploying.md#which-aws-cli",
        "https://docs.aws.amazon.com/cli/latest/userguide/getting-started-install.html",
    ),
    Signature(
        "requires-capabilities",
        "capabilities",
        (r"Requires capabilities : \[CAPABILITY_\w+\]",),
        "The template creates IAM resources and the request did not acknowledge it.",
        "Add --capabilities CAPABILITY_IAM (make deploy does; the templates name no IAM resource, so "
        "CAPABILITY_NAMED_IAM is not needed).",
        "docs/deploying.md#make-targets",
        "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/control-access-with-iam.html",
    ),
    # --- A deployment stopped by an alarm -----------------------------------------------------
    Signature(
        "deployment-alarm",
        "deployment-alarm",
        (r"deployment failed: alarm detected",),
        "A CloudWatch alarm of the service's deployment alarms went to ALARM during the release (or its bake "
        "time), so ECS failed the deployment and, with rollback on, went back to the previous one.",
        "Find which alarm: aws ecs list-service-deployments --cluster <cluster> --service <service>, then aws ecs "
        "describe-service-deployments --service-deployment-arns <arn> --query "
        "'serviceDeployments[].alarms.triggeredAlarmNames'; its metric says what the new version broke. An "
        "alarm already in ALARM before the release fails it too.",
        "docs/go-api.md#when-a-release-fails",
        "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-alarm-failure.html",
    ),
    # --- Consequences: something else failed first ------------------------------------------
    Signature(
        "circuit-breaker-rollback",
        "rollout-consequence",
        (
            r"circuit breaker: tasks? failed to start",
            r"ECS Deployment Circuit Breaker was triggered",
            r"deployment failed: tasks failed to start",
        ),
        "New tasks kept failing to start, so ECS stopped the deployment (and rolled back to the last working one); "
        "CloudFormation reports it as GeneralServiceException and rolls the stack back.",
        "Find why the tasks failed: the stopped tasks' reasons (make doctor STACK=<stack>), then deploy again.",
        "docs/go-api.md#when-a-release-fails",
        "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-circuit-breaker.html",
        consequence=True,
    ),
    Signature(
        "deployment-rolled-back",
        "rollout-consequence",
        (r"rolling back to deployment",),
        "ECS is rolling the service back to its previous deployment because the new one failed (circuit "
        "breaker or deployment alarm).",
        "Find why the new deployment failed: the event before this one names it (make doctor STACK=<stack>).",
        "docs/go-api.md#when-a-release-fails",
        DEPLOYMENT_EVENTS_DOC,
        consequence=True,
    ),
    Signature(
        "deployment-launch-shortfall",
        "rollout-consequence",
        (r"could not launch \S+ tasks for deployment",),
        "The deployment started some of its tasks but not all, for lack of capacity; the message (or the placement "
        "event before it) names what was short.",
        "Read the reason in the message or the service's placement events (make doctor STACK=<stack>).",
        TROUBLESHOOTING,
        EVENTS_DOC,
        consequence=True,
    ),
    Signature(
        "tasks-keep-failing",
        "rollout-consequence",
        (r"is unable to consistently start tasks successfully",),
        "The service's tasks keep stopping soon after they start.",
        "Read the reasons of the stopped tasks: aws ecs describe-tasks (make doctor STACK=<stack> matches them).",
        TROUBLESHOOTING,
        "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service-event-messages.html",
        consequence=True,
    ),
    Signature(
        "service-did-not-stabilize",
        "rollout-consequence",
        (r"did not stabilize", r"HandlerErrorCode: NotStabilized"),
        "CloudFormation waited for the resource to become ready and gave up; for an ECS service, its tasks kept "
        "failing and it never reached a steady state.",
        "Find why the tasks failed (make doctor STACK=<stack> reads the stopped tasks); the stack then rolls back.",
        "docs/go-api.md#when-a-release-fails",
        "https://repost.aws/knowledge-center/cloudformation-ecs-service-stabilize",
        consequence=True,
    ),
    Signature(
        "stack-failure-summary",
        "rollout-consequence",
        (r"The following resource\(s\) failed to create", r"The following resource\(s\) failed to update"),
        "A resource of the stack failed; this line only names it.",
        "Read that resource's own failure: the earliest *_FAILED event (make doctor STACK=<stack> shows it).",
        "docs/preflight-doctor.md#doctor",
        "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/troubleshooting.html",
        consequence=True,
    ),
    Signature(
        "resource-cancelled",
        "rollout-consequence",
        (r"Resource creation cancelled",),
        "CloudFormation stopped creating this resource because another resource failed.",
        "Read the other resource's failure: the earliest *_FAILED event without 'cancelled' (make doctor).",
        "docs/preflight-doctor.md#doctor",
        "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/troubleshooting.html",
        consequence=True,
    ),
    # --- Ordinary events: explained, never a failure ------------------------------------------
    Signature(
        "service-steady-state",
        "service-info",
        (r"has reached a steady state",),
        "The service runs its desired number of healthy tasks.",
        "Nothing to do.",
        "docs/preflight-doctor.md#doctor",
        EVENTS_DOC,
        informational=True,
    ),
    Signature(
        "service-progress",
        "service-info",
        (
            r"has started \d+ tasks",
            r"stopped \d+ running tasks",
            r"registered \d+ targets in",
            r"has begun draining connections on \d+ tasks",
            r"Scaling activity initiated by",
            r"ECS deployment \S+ in progress",
            r"ECS deployment \S+ completed",
        ),
        "The service's scheduler at work: a deployment or a scaling activity starting, registering, stopping tasks.",
        "Nothing to do; if the service never reaches a steady state, the failures around these events say why.",
        "docs/preflight-doctor.md#doctor",
        EVENTS_DOC,
        informational=True,
    ),
)


def context_text(text: str, resource_type: str | None = None) -> str:
    """The text a stack event is matched as: its resource type first, as the event shows it."""
    return f"{resource_type}: {text}" if resource_type else text


def match(text: str, resource_type: str | None = None) -> list[Signature]:
    """Every signature that matches: causes, then consequences, then ordinary events, each in table order."""
    subject = context_text(text, resource_type)
    found = [signature for signature in SIGNATURES if signature.matches(subject)]
    causes = [s for s in found if not s.consequence and not s.informational]
    return causes + [s for s in found if s.consequence] + [s for s in found if s.informational]


def best(text: str, resource_type: str | None = None) -> Signature | None:
    found = match(text, resource_type)
    return found[0] if found else None


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def markdown_table() -> str:
    lines = ["| Signature | Matches (any of, on the AWS text) | Cause | Fix | Source |", "|---|---|---|---|---|"]
    for s in SIGNATURES:
        guide = "../" + s.section.removeprefix("docs/")  # the table lives in docs/reference/
        patterns = "<br>".join(f"`{_cell(p)}`" for p in s.patterns)
        cause = ("(a consequence) " if s.consequence else "(not a failure) " if s.informational else "") + s.cause
        lines.append(
            f"| `{s.name}` | {patterns} | {_cell(cause)} | {_cell(s.fix)} ([guide]({guide})) | [source]({s.source}) |"
        )
    return "\n".join(lines) + "\n"


DOC_BLOCKS = {"doctor.signatures": markdown_table}
