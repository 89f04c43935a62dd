"""Loaded by the moto_server that the tests and `make rehearse` start (tools/moto_server.py puts
this folder on its PYTHONPATH): one correction to moto 5.2.5, where its CloudFormation update
does otherwise than its own create and than AWS.

moto creates a resource only when its Condition holds (moto/cloudformation/parsing.py,
parse_and_create_resource), but its update (parse_and_update_resource) never looks at the
Condition. And it counts every parameter a stack was created with at its default as changed
by the next update (ResourceMap.build_resource_diff compares with the values given at create
only), so an update of any stack with a resource whose condition is false, and which refers
to a parameter, calls that resource's update with nothing to update: moto answers 500
("'NoneType' object has no attribute ..."). Nor does its update create a resource whose
condition has become true unless the resource itself changed or refers to a parameter that
did (ResourceMap.update updates only what build_resource_diff lists). AWS neither creates nor
updates a resource whose condition is false, and creates one whose condition becomes true
(https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/conditions-section-structure.html).
Here, moto's update does the same: it leaves a resource whose condition is false alone, and
creates (instead of updating) each one whose condition holds that it never made, changed or
not. A resource whose condition becomes false stays in moto, where AWS deletes it.
"""

try:
    from moto.cloudformation import parsing
except ImportError:  # not moto_server: nothing to correct
    parsing = None

if parsing is not None:
    _update = parsing.parse_and_update_resource
    _diff = parsing.ResourceMap.build_resource_diff

    def _update_as_aws_does(logical_id, resource_json, resources_map, account_id, region_name):
        condition = resource_json.get("Condition")
        if condition and not resources_map.lazy_condition_map[condition]:
            return None
        if resources_map._parsed_resources.get(logical_id) is None:
            return parsing.parse_and_create_resource(logical_id, resource_json, resources_map, account_id, region_name)
        return _update(logical_id, resource_json, resources_map, account_id, region_name)

    def _diff_as_aws_does(resources_map, other_template, parameters=None):
        actions = _diff(resources_map, other_template, parameters)
        if parameters is None:  # a change set's description, not an update
            return actions
        # Every conditional resource moto has not made goes through the update above, which
        # creates it if its condition now holds, whether or not anything it refers to changed.
        actions["Modify"] += [
            logical_id
            for logical_id, body in other_template["Resources"].items()
            if body.get("Condition")
            and logical_id in resources_map._resource_json_map
            and logical_id not in actions["Modify"]
            and resources_map._parsed_resources.get(logical_id) is None
        ]
        return actions

    parsing.parse_and_update_resource = _update_as_aws_does
    parsing.ResourceMap.build_resource_diff = _diff_as_aws_does
