"""Library resources for tests, made through the services as people make them."""

from library.models import Resource
from library.services.resources import create_resource, publish_resource

from ..factories import UserFactory

IMPACT = {
    "importance": "Agents call back customers who complained, and need a script that works.",
    "impact_customers": "Complaints are resolved on the first call back.",
    "impact_employees": "Agents know what to say and feel confident.",
    "impact_business": "Fewer repeat complaints, less churn.",
}


def make_resource(*, by=None, title="Calling back a customer who complained", publish=False, today=None,
                  **values) -> Resource:
    """A written resource (an article by default) with its impact statement, as a draft or published. Pass
    `importance=""` and the like to leave parts of the impact statement out."""
    by = by or UserFactory(coe_staff=True)
    fields = {"kind": Resource.Kind.ARTICLE, "summary": "A script for the first call back.",
              "body": "Call within a day. Listen first, then say what you will do.", **IMPACT, "owner": by,
              **values}
    resource = create_resource(by=by, title=title, **fields)
    if publish:
        resource = publish_resource(resource=resource, by=by, today=today)
    return resource
