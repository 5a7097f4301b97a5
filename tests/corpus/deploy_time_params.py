"""Parameter defaults computed at deploy or import time: a deploy-time function of the
context, and an environment lookup."""

import os

from metaflow import FlowSpec, JSONType, Parameter, step


def default_owner(context):
    """Deploy-time default: who deployed the flow."""
    return getattr(context, "user_name", None) or "unknown"


class DeployTimeDefaultsFlow(FlowSpec):
    """Echo defaults that are not literals."""

    owner = Parameter("owner", default=default_owner, help="Defaults to the deployer")
    bucket = Parameter("bucket", default=os.environ.get("CORPUS_BUCKET", "corpus-data"))
    limits = Parameter("limits", type=JSONType, default=lambda ctx: '{"rows": 100}')

    @step
    def start(self):
        self.summary = f"{self.owner}@{self.bucket}:{self.limits}"
        self.next(self.end)

    @step
    def end(self):
        print(self.summary)


if __name__ == "__main__":
    DeployTimeDefaultsFlow()
