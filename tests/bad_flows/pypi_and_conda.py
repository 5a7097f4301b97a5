# expect: FLC307 line 7 col 5
from flowc import FlowSpec, conda, pypi, step


class BadFlow(FlowSpec):
    @pypi(packages={"pandas": "2.2.2"})
    @conda(packages={"pandas": "2.2.2"})
    @step
    def start(self):
        self.next(self.end)

    @step
    def end(self):
        pass
