"""@exit_hook (Metaflow >= 2.16) to notify on success and failure."""

from metaflow import FlowSpec, exit_hook, step


def notify_success():
    print("flow succeeded")


def notify_failure():
    print("flow failed")


@exit_hook(on_success=[notify_success], on_error=[notify_failure])
class NotifyingFlow(FlowSpec):
    """A flow whose outcome is reported by hooks."""

    @step
    def start(self):
        self.next(self.end)

    @step
    def end(self):
        print("done")


if __name__ == "__main__":
    NotifyingFlow()
