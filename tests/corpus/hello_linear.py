"""The smallest real-world shape: three linear steps passing one artifact along."""

from metaflow import FlowSpec, step


class GreetingLinearFlow(FlowSpec):
    """Say hello, decorate the greeting, print it."""

    @step
    def start(self):
        """Pick the greeting."""
        self.greeting = "hello corpus"
        self.next(self.shout)

    @step
    def shout(self):
        """Upper-case it."""
        print("the artifact is: %s" % self.greeting)
        self.greeting = self.greeting.upper() + "!"
        self.next(self.end)

    @step
    def end(self):
        """Print the result."""
        print("the artifact is now: %s" % self.greeting)


if __name__ == "__main__":
    GreetingLinearFlow()
