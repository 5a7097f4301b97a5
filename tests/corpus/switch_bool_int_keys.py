"""Switches keyed by a boolean flag and by integers (the condition artifact keeps its type)."""

from metaflow import FlowSpec, Parameter, step


class BoolSwitchFlow(FlowSpec):
    full = Parameter("full", default=False, type=bool)

    @step
    def start(self):
        self.big = self.full
        self.count = 2
        self.next({True: self.heavy, False: self.light}, condition="big")

    @step
    def heavy(self):
        self.path = "heavy"
        self.next(self.pick)

    @step
    def light(self):
        self.path = "light"
        self.next(self.pick)

    @step
    def pick(self):
        self.next({1: self.one, 2: self.two}, condition="count")

    @step
    def one(self):
        self.next(self.end)

    @step
    def two(self):
        self.path += "+two"
        self.next(self.end)

    @step
    def end(self):
        print("path:", self.path)


if __name__ == "__main__":
    BoolSwitchFlow()
