"""Foreach over a JSONType parameter's list and over a separator parameter's values."""

from metaflow import FlowSpec, JSONType, Parameter, step


class ParamFanoutFlow(FlowSpec):
    """One task per configuration, then one per region."""

    configs = Parameter(
        "configs",
        type=JSONType,
        default='[{"name": "small", "width": 8}, {"name": "large", "width": 64}]',
        help="Model configurations as a JSON list",
    )
    regions = Parameter("regions", default="eu;us", separator=";")

    @step
    def start(self):
        self.jobs = list(self.configs)
        self.next(self.build, foreach="jobs")

    @step
    def build(self):
        self.built = f"{self.input['name']}:{self.input['width']}"
        self.next(self.built_all)

    @step
    def built_all(self, inputs):
        self.models = sorted(i.built for i in inputs)
        self.next(self.plan)

    @step
    def plan(self):
        self.targets = list(self.regions)
        self.next(self.deploy, foreach="targets")

    @step
    def deploy(self):
        self.deployed = f"{self.input}<-{','.join(self.models)}"
        self.next(self.deployed_all)

    @step
    def deployed_all(self, inputs):
        self.deployments = sorted(i.deployed for i in inputs)
        self.next(self.end)

    @step
    def end(self):
        print("deployments:", self.deployments)


if __name__ == "__main__":
    ParamFanoutFlow()
