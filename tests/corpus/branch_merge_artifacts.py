"""Static branch with merge_artifacts(exclude=...) and inputs.<branch>.<artifact>."""

from metaflow import FlowSpec, step


class BranchMergeFlow(FlowSpec):
    """Two branches set some shared and some conflicting artifacts."""

    @step
    def start(self):
        self.handed_down = "from start"
        self.next(self.left, self.right)

    @step
    def left(self):
        self.shared = 10
        self.score = 1
        self.scratch = "left"
        self.only_left = 42
        self.next(self.join)

    @step
    def right(self):
        self.shared = 10
        self.score = 2
        self.scratch = "right"
        self.next(self.join)

    @step
    def join(self, inputs):
        # A conflicting artifact must be set (or excluded) before merging.
        self.score = inputs.left.score + inputs.right.score
        self.merge_artifacts(inputs, exclude=["scratch"])
        print("handed down:", self.handed_down)
        print("shared:", self.shared, "only left:", self.only_left)
        self.next(self.end)

    @step
    def end(self):
        print("score", self.score)


if __name__ == "__main__":
    BranchMergeFlow()
