/// Runs `operation` in a task of `priority`, whose turns on Swift's global executor come before
/// those of lower-priority tasks, and returns its result; the task is cancelled when the caller is.
///
/// An unstructured task, not a child in a task group: a child of `.high` priority in a group does
/// not get ahead of the reads' turns (docs/benchmarks/service.md).
func withPriority<T: Sendable>(
    _ priority: TaskPriority, _ operation: @escaping @Sendable () async throws -> T
) async throws -> T {
    let task = Task(priority: priority, operation: operation)
    return try await withTaskCancellationHandler { try await task.value } onCancel: { task.cancel() }
}
