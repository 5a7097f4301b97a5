"""The ways joins read their inputs: iteration, indexing, len(list(...)), max() with a key,
named branches, and a foreach body reading self.index."""

from metaflow import FlowSpec, step


class JoinIdiomsFlow(FlowSpec):
    """Evaluate shards and pick winners several ways."""

    @step
    def start(self):
        self.shards = ["s0", "s1", "s2"]
        self.next(self.evaluate, foreach="shards")

    @step
    def evaluate(self):
        self.shard = self.input
        self.position = self.index
        self.score = (self.index + 1) * 10
        self.next(self.pick)

    @step
    def pick(self, inputs):
        self.count = len(list(inputs))
        self.first = inputs[0].shard
        self.best = max(inputs, key=lambda i: i.score).shard
        self.positions = [i.position for i in inputs]
        self.next(self.fork)

    @step
    def fork(self):
        self.next(self.left, self.right)

    @step
    def left(self):
        self.side = "L"
        self.next(self.meet)

    @step
    def right(self):
        self.side = "R"
        self.next(self.meet)

    @step
    def meet(self, inputs):
        self.sides = [inp.side for inp in inputs]
        self.best = inputs.left.best
        self.count = inputs.right.count
        self.next(self.end)

    @step
    def end(self):
        print("best:", self.best, "count:", self.count, "sides:", sorted(self.sides))


if __name__ == "__main__":
    JoinIdiomsFlow()
