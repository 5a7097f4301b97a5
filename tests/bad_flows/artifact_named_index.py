# expect: FLC128 line 9 col 13
from metaflow import FlowSpec, step


class ArtifactNamedIndexFlow(FlowSpec):
    @step
    def start(self):
        self.items = ["a", "b"]
        for self.index, item in enumerate(self.items):
            print(item)
        self.next(self.end)

    @step
    def end(self):
        pass
