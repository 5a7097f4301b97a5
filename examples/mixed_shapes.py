"""Feature engineering with a branch inside a foreach and a foreach inside a branch."""

from flowc import FlowSpec, step as flow_step


class MixedShapesFlow(FlowSpec):
    """Per shard: compute two feature families in parallel; meanwhile audit each table."""

    @flow_step(start=True)
    def begin(self):
        self.shards = [[1, 2, 3], [4, 5, 6], [7, 8, 9]]
        self.tables = ["users", "orders"]
        self.next(self.features, self.audit)

    @flow_step
    def features(self):
        self.next(self.shard, foreach="shards")

    @flow_step
    def shard(self):
        self.rows = self.input
        self.next(self.sums, self.squares)

    @flow_step
    def sums(self):
        self.value = sum(self.rows)
        self.next(self.combine)

    @flow_step
    def squares(self):
        self.value = sum(r * r for r in self.rows)
        self.next(self.combine)

    @flow_step
    def combine(self, inputs):
        self.pair = (inputs.sums.value, inputs.squares.value)
        self.next(self.collect)

    @flow_step
    def collect(self, inputs):
        self.pairs = [i.pair for i in inputs]
        self.next(self.finish)

    @flow_step
    def audit(self):
        self.next(self.audit_table, foreach="tables")

    @flow_step
    def audit_table(self):
        self.table = self.input
        self.ok = len(self.table) > 3
        self.next(self.audit_done)

    @flow_step
    def audit_done(self, inputs):
        self.audit_ok = all(i.ok for i in inputs)
        self.next(self.finish)

    @flow_step
    def finish(self, inputs):
        self.pairs = inputs.collect.pairs
        self.audit_ok = inputs.audit_done.audit_ok
        self.next(self.done)

    @flow_step(end=True)
    def done(self):
        print(self.pairs, self.audit_ok)


if __name__ == "__main__":
    MixedShapesFlow()
