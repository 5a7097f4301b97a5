# expect: FLC312 line 9 col 32
from metaflow import FlowSpec, exit_hook, step


def notify():
    print("finished")


@exit_hook(on_success=[notify, lambda: print("done")])
class ExitHookLambdaFlow(FlowSpec):
    @step
    def start(self):
        self.next(self.end)

    @step
    def end(self):
        pass
