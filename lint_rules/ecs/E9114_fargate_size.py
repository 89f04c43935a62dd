"""E9114: every Fargate CPU/memory pair a stack may get must be one Fargate accepts."""

from importlib.util import module_from_spec, spec_from_file_location
from pathlib import Path

from cfnlint.rules import CloudFormationLintRule, RuleMatch

# cfn-lint loads each rule file outside any package, so the shared module is loaded by its path.
_spec = spec_from_file_location("lint_rules_shared", Path(__file__).resolve().parents[1] / "_shared.py")
shared = module_from_spec(_spec)
_spec.loader.exec_module(shared)

# CPU units (as text) -> memory sizes (MiB) Fargate accepts with it.
SIZES = {int(cpu): set(memory) for cpu, memory in shared.FACTS["fargate_sizes"].items()}
SIZES_URL = shared.ECS_GUIDE + "fargate-tasks-services.html#fargate-tasks-size"


class FargateSize(CloudFormationLintRule):
    id = "E9114"
    shortdesc = "Fargate CPU/memory must be a valid pair for every allowed parameter value"
    description = (
        "cfn-lint checks literal sizes only; a size split from a parameter or read from a mapping is checked here "
        "for every value the parameter allows"
    )
    source_url = SIZES_URL
    tags = ["ecs", "deploy-time"]

    def match(self, cfn):
        matches = []
        for title, body in shared.resources_of(cfn, "AWS::ECS::TaskDefinition").items():
            task = shared.properties(body)
            if "FARGATE" not in (task.get("RequiresCompatibilities") or []):
                continue
            for cpu, memory, source in self._pairs(cfn, task.get("Cpu"), task.get("Memory")):
                try:
                    valid = int(memory) in SIZES.get(int(cpu), ())
                except (TypeError, ValueError):
                    valid = False
                if not valid:
                    matches.append(
                        RuleMatch(
                            ["Resources", title, "Properties", "Cpu"],
                            f"Task definition {title} can get CPU {cpu} with memory {memory} ({source}): Fargate "
                            f"rejects that pair at deploy time. Offer only valid pairs (see {SIZES_URL})",
                        )
                    )
        return matches

    def _pairs(self, cfn, cpu, memory):
        """Every (cpu, memory) the stack may get, with where it comes from."""
        if not isinstance(cpu, dict) and not isinstance(memory, dict):
            return []  # literal values: cfn-lint's own E3047 covers them
        split = self._split_parameter(cpu), self._split_parameter(memory)
        if all(split) and split[0][0] == split[1][0]:
            (name, separator, cpu_index), (_, _, memory_index) = split
            parameter = cfn.template.get("Parameters", {}).get(name, {})
            values = list(parameter.get("AllowedValues", [])) + (
                [parameter["Default"]] if "Default" in parameter else []
            )
            pairs = []
            for text in values:
                parts = str(text).split(separator)
                if len(parts) > max(cpu_index, memory_index):
                    pairs.append((parts[cpu_index], parts[memory_index], f"parameter {name} = {text}"))
                else:
                    pairs.append((text, text, f"parameter {name} = {text}"))
            return pairs
        mapped = self._mapping(cpu), self._mapping(memory)
        if all(mapped) and mapped[0][0] == mapped[1][0]:
            (mapping, cpu_key), (_, memory_key) = mapped
            rows = cfn.template.get("Mappings", {}).get(mapping, {})
            return [(row.get(cpu_key), row.get(memory_key), f"mapping {mapping}.{key}") for key, row in rows.items()]
        return []

    @staticmethod
    def _split_parameter(node):
        try:
            index, (separator, target) = node["Fn::Select"][0], node["Fn::Select"][1]["Fn::Split"]
            return target["Ref"], separator, int(index)
        except (KeyError, TypeError, ValueError, IndexError):
            return None

    @staticmethod
    def _mapping(node):
        try:
            mapping, _, key = node["Fn::FindInMap"]
            return mapping, key
        except (KeyError, TypeError, ValueError):
            return None
