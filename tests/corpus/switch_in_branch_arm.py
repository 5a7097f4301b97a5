"""A switch inside one arm of a static branch; its cases meet the other arm at the join."""

from metaflow import FlowSpec, Parameter, step


class ArmRouterFlow(FlowSpec):
    """Score with a fixed model on one arm while the other arm picks a backend."""

    backend = Parameter("backend", default="gpu")

    @step
    def start(self):
        self.next(self.baseline, self.route)

    @step
    def baseline(self):
        self.score = 0.5
        self.next(self.join)

    @step
    def route(self):
        self.choice = self.backend
        self.next({"cpu": self.on_cpu, "gpu": self.on_gpu}, condition="choice")

    @step
    def on_cpu(self):
        self.score = 0.6
        self.next(self.join)

    @step
    def on_gpu(self):
        self.score = 0.7
        self.next(self.join)

    @step
    def join(self, inputs):
        self.scores = sorted(i.score for i in inputs)
        self.next(self.end)

    @step
    def end(self):
        print("scores:", self.scores)


if __name__ == "__main__":
    ArmRouterFlow()
