"""A project flow that behaves differently in production, read from current's project fields."""

from metaflow import FlowSpec, current, project, step


@project(name="corpus_penguins")
class ProjectAwareFlow(FlowSpec):
    """Seed randomly in production, fixed in development."""

    @step
    def start(self):
        self.mode = "production" if current.is_production else "development"
        self.namespace_label = f"{current.project_name}.{current.branch_name}"
        self.next(self.end)

    @step
    def end(self):
        print(self.mode, self.namespace_label)


if __name__ == "__main__":
    ProjectAwareFlow()
