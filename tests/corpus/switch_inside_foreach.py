"""A switch inside a foreach body; both cases meet at the foreach join."""

from metaflow import FlowSpec, step


class ItemRouterFlow(FlowSpec):
    """Route every item to a cheap or an expensive handler."""

    @step
    def start(self):
        self.items = [3, 14, 8, 21]
        self.next(self.route, foreach="items")

    @step
    def route(self):
        self.value = self.input
        self.size = "big" if self.value > 10 else "small"
        self.next({"big": self.heavy, "small": self.light}, condition="size")

    @step
    def heavy(self):
        self.result = self.value * 100
        self.next(self.gather)

    @step
    def light(self):
        self.result = self.value
        self.next(self.gather)

    @step
    def gather(self, inputs):
        self.results = sorted(i.result for i in inputs)
        self.next(self.end)

    @step
    def end(self):
        print(self.results)


if __name__ == "__main__":
    ItemRouterFlow()
