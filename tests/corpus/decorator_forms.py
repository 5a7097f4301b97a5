"""Decorators in their bare and minimal forms, as quick flows write them."""

from metaflow import FlowSpec, card, catch, environment, resources, retry, step, timeout


class DecoratorFormsFlow(FlowSpec):
    """Every decorator without arguments, or with just one."""

    @retry
    @catch
    @card
    @step
    def start(self):
        self.values = [1, 2, 3]
        self.next(self.work)

    @resources
    @timeout(minutes=1)
    @retry(times=0)
    @environment(vars={})
    @card(type="default", id="work_card")
    @step
    def work(self):
        self.total = sum(self.values)
        self.next(self.end)

    @step
    def end(self):
        print("total", self.total)


if __name__ == "__main__":
    DecoratorFormsFlow()
