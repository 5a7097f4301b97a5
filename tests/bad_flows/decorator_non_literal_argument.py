# expect: FLC304 line 8 col 23
import os

from flowc import FlowSpec, retry, resources, schedule, step, timeout


class BadFlow(FlowSpec):
    @resources(memory=os.cpu_count() * 1024)
    @step
    def start(self):
        self.next(self.end)

    @step
    def end(self):
        pass
