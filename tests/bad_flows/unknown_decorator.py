# expect: FLC301 line 9
from flowc import FlowSpec, step
from flowc import retry as retries_ok

retries = retries_ok


class BadFlow(FlowSpec):
    @retries(times=3)
    @step
    def start(self):
        self.next(self.end)

    @step
    def end(self):
        pass
