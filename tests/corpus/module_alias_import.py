"""``import metaflow as mf``: every API name through the module alias."""

import metaflow as mf


class AliasImportFlow(mf.FlowSpec):
    """Linear flow written against the module alias."""

    size = mf.Parameter("size", default=4, type=int)

    @mf.retry(times=1)
    @mf.step
    def start(self):
        self.values = list(range(self.size))
        self.next(self.square, foreach="values")

    @mf.step
    def square(self):
        self.value = self.input**2
        self.next(self.join)

    @mf.step
    def join(self, inputs):
        self.total = sum(i.value for i in inputs)
        self.next(self.end)

    @mf.step
    def end(self):
        print("total", self.total)


if __name__ == "__main__":
    AliasImportFlow()
