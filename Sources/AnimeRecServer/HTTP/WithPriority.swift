/// Runs `operation` in a task of `priority`, whose turns on Swift's global executor come before
/// those of lower-priority tasks, and returns its result; the task is cancelled when the caller is.
///
/// An unstructured task, not a child in a task group: a child of `.high` priority in a group did
/// not get ahead of the reads' turns (bench of 2026-12-04 in DESIGN §9, Durability).
func withPriority<T: Sendable>(
    _ priority: TaskPriority, _ operation: @escaping @Sendable () async throws -> T
) async throws -> T {
    let task = Task(priority: priority, operation: operation)
    return try await withTaskCancellationHandler { try await task.value } onCancel: { task.cancel() }
}
