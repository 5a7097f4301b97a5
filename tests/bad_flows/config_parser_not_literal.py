# expect: FLC502 line 10 col 62
from metaflow import Config, FlowSpec, step


def parse_yaml(text):
    return {}


class ParserFlow(FlowSpec):
    settings = Config("settings", default_value="{}", parser=parse_yaml)

    @step
    def start(self):
        self.next(self.end)

    @step
    def end(self):
        pass
