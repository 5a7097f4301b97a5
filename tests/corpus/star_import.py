"""Quick scripts sometimes import everything from metaflow."""

from metaflow import *  # noqa: F403


class StarImportFlow(FlowSpec):  # noqa: F405
    """Two steps and a parameter through the star import."""

    name_to_greet = Parameter("name_to_greet", default="world")  # noqa: F405

    @step  # noqa: F405
    def start(self):
        self.text = f"hello {self.name_to_greet}"
        self.next(self.end)

    @step  # noqa: F405
    def end(self):
        print(self.text)


if __name__ == "__main__":
    StarImportFlow()
