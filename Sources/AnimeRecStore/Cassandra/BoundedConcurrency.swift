/// Runs `body` for every element with at most `maxInFlight` calls running at once; the results
/// are in input order. The first error cancels the rest and is rethrown.
func concurrentMap<Element: Sendable, Result: Sendable>(
    _ elements: [Element], maxInFlight: Int, _ body: @escaping @Sendable (Element) async throws -> Result
) async throws -> [Result] {
    guard elements.count > 1 else { return try await elements.asyncMap(body) }
    return try await withThrowingTaskGroup(of: (Int, Result).self) { group in
        var results = [Result?](repeating: nil, count: elements.count)
        var next = 0
        while next < min(maxInFlight, elements.count) {
            let index = next
            group.addTask { (index, try await body(elements[index])) }
            next += 1
        }
        while let (index, result) = try await group.next() {
            results[index] = result
            if next < elements.count {
                let index = next
                group.addTask { (index, try await body(elements[index])) }
                next += 1
            }
        }
        return results.map { $0! }  // every index was filled exactly once
    }
}

extension Array {
    func asyncMap<T>(_ body: (Element) async throws -> T) async throws -> [T] {
        var out: [T] = []
        out.reserveCapacity(count)
        for element in self { out.append(try await body(element)) }
        return out
    }
}
