"""Three levels: parameters in the base, a config and a decorated start in the middle,
the remaining steps in the flow itself."""

from metaflow import Config, FlowSpec, Parameter, retry, step


class ParamsBase(FlowSpec):
    """Parameters only."""

    alpha = Parameter("alpha", help="Alpha parameter", default=10)
    beta = Parameter("beta", help="Beta parameter", default=5)


class StartBase(ParamsBase):
    """A config and the start step."""

    scaling = Config("scaling", default_value={"multiplier": 3, "offset": 100})

    @retry(times=2)
    @step
    def start(self):
        self.total = self.alpha + self.beta
        self.next(self.scale)


class LayeredFlow(StartBase):
    """Scales the total with the config."""

    @step
    def scale(self):
        self.scaled = self.total * self.scaling.multiplier + self.scaling["offset"]
        self.next(self.end)

    @step
    def end(self):
        print("scaled:", self.scaled)


if __name__ == "__main__":
    LayeredFlow()
