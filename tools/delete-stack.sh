#!/bin/sh
# make delete: delete a stack, wait until it is gone, then name the log groups it kept.
#   sh tools/delete-stack.sh AWS STACK     (AWS: the AWS CLI command, e.g. aws)
# The log groups have DeletionPolicy RetainExceptOnCreate: a delete keeps them, and a new
# create under the same name then fails with "already exists". Their names are read before
# the stack goes (a deleted stack's resources cannot be listed); groups already removed by
# a rolled-back first create (DELETE_COMPLETE) are not kept and not named.
set -u
aws=$1
stack=$2

query="StackResources[?ResourceType=='AWS::Logs::LogGroup' && ResourceStatus!='DELETE_COMPLETE'].PhysicalResourceId"
echo "$aws cloudformation describe-stack-resources --stack-name $stack --query \"$query\" --output text"
if ! groups=$($aws cloudformation describe-stack-resources --stack-name "$stack" --query "$query" --output text 2>&1); then
  case $groups in
  *"does not exist"*)
    echo "delete: no stack named $stack in this region: aws cloudformation list-stacks shows the stacks there" >&2
    exit 2 ;;
  esac
  echo "$groups" >&2
  exit 1
fi

echo "$aws cloudformation delete-stack --stack-name $stack"
$aws cloudformation delete-stack --stack-name "$stack" || exit 1
echo "$aws cloudformation wait stack-delete-complete --stack-name $stack"
$aws cloudformation wait stack-delete-complete --stack-name "$stack" || exit 1

[ -n "$groups" ] && [ "$groups" != None ] || exit 0
echo "Stack $stack is deleted. Its log groups are kept (a new stack $stack cannot be created while they exist)."
echo "Remove each once its logs are no longer needed:"
for group in $groups; do
  echo "  aws logs delete-log-group --log-group-name $group"
done
