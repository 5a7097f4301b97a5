# expect: FLC309 line 2 col 38
from metaflow import FlowSpec, step, parallel_map


class BadFlow(FlowSpec):
    @step
    def start(self):
        self.squares = parallel_map(lambda x: x * x, [1, 2, 3])
        self.next(self.end)

    @step
    def end(self):
        pass
