"""Nested foreach bodies that label their output with self.foreach_stack()."""

from metaflow import FlowSpec, step


class ForeachStackFlow(FlowSpec):
    """Tiles of an image: rows outside, columns inside."""

    @step
    def start(self):
        self.rows = ["r0", "r1"]
        self.next(self.row, foreach="rows")

    @step
    def row(self):
        self.cols = ["c0", "c1", "c2"]
        self.next(self.tile, foreach="cols")

    @step
    def tile(self):
        # One (index, cardinality, value) frame per enclosing foreach, outermost first.
        stack = self.foreach_stack()
        self.label = "/".join(f"{index}of{count}={value}" for index, count, value in stack)
        self.next(self.row_done)

    @step
    def row_done(self, inputs):
        self.labels = [i.label for i in inputs]
        self.next(self.all_done)

    @step
    def all_done(self, inputs):
        self.labels = sorted(label for i in inputs for label in i.labels)
        self.next(self.end)

    @step
    def end(self):
        print(self.labels[0], len(self.labels))


if __name__ == "__main__":
    ForeachStackFlow()
