"""A base flow in the same file; the flow that runs subclasses it, overrides one step
and adds another."""

from metaflow import FlowSpec, Parameter, step


class BasePipelineFlow(FlowSpec):
    """start -> prepare -> end, meant to be specialised."""

    factor = Parameter("factor", default=2)

    @step
    def start(self):
        self.values = [1, 2, 3]
        self.next(self.prepare)

    @step
    def prepare(self):
        self.values = [v * self.factor for v in self.values]
        self.next(self.end)

    @step
    def end(self):
        print("values:", self.values)


class SpecialisedPipelineFlow(BasePipelineFlow):
    """Overrides prepare to go through an extra validate step."""

    @step
    def prepare(self):
        self.values = [v * self.factor + 1 for v in self.values]
        self.next(self.validate)

    @step
    def validate(self):
        assert all(v > 0 for v in self.values)
        self.checked = len(self.values)
        self.next(self.end)


if __name__ == "__main__":
    SpecialisedPipelineFlow()
