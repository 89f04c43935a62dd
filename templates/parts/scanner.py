"""checkov findings a resource answers by design, written into the resource with the reason.

checkov reads ``Metadata.checkov.skip`` (a list of ``id`` and ``comment``) and reports each
one as skipped, with its comment, so the reason stays beside the resource it is about.
https://www.checkov.io/2.Basics/Suppressing%20and%20Skipping%20Policies.html
"""


def accept(resource, reasons: dict[str, str]):
    """Mark ``resource``'s findings ``reasons`` ({check id: why}) as answered; returns the resource."""
    metadata = dict(getattr(resource, "Metadata", None) or {})
    metadata["checkov"] = {"skip": [{"id": check, "comment": why} for check, why in reasons.items()]}
    resource.Metadata = metadata
    return resource
