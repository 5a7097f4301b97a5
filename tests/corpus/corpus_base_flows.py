"""A base flow shared by several deployable flows (imported by corpus flows)."""

from metaflow import FlowSpec, Parameter, step


class BaseParamsFlow(FlowSpec):
    """start -> end with two parameters; subclasses add only decorators."""

    greeting = Parameter("greeting", default="hi")
    times = Parameter("times", default=2)

    @step
    def start(self):
        self.message = " ".join([self.greeting] * self.times)
        self.next(self.end)

    @step
    def end(self):
        print("message:", self.message)
