"""Tutorial-style file name: a number prefix and dashes, not a valid module name."""

from metaflow import FlowSpec, step


class TutorialHelloFlow(FlowSpec):
    """Hello from a file Python cannot import by name."""

    @step
    def start(self):
        print("HelloFlow is starting.")
        self.next(self.hello)

    @step
    def hello(self):
        self.message = "Metaflow says: Hi!"
        self.next(self.end)

    @step
    def end(self):
        print(self.message)
        print("HelloFlow is all done.")


if __name__ == "__main__":
    TutorialHelloFlow()
