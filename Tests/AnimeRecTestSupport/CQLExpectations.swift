import Testing

import CQL

/// Expects `body` to throw a ``CQLError`` with `code`; returns the error for further checks.
@discardableResult
public func expectCQLError<R>(
    _ code: CQLError.Code,
    sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () throws -> R
) -> CQLError? {
    do {
        _ = try body()
        Issue.record("expected CQLError \(code), nothing was thrown", sourceLocation: sourceLocation)
    } catch let error as CQLError {
        #expect(error.code == code, "\(error)", sourceLocation: sourceLocation)
        return error
    } catch {
        Issue.record("expected CQLError \(code), got \(error)", sourceLocation: sourceLocation)
    }
    return nil
}

/// Async variant of ``expectCQLError(_:sourceLocation:_:)``.
@discardableResult
public func expectCQLError<R>(
    _ code: CQLError.Code,
    sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () async throws -> R
) async -> CQLError? {
    do {
        _ = try await body()
        Issue.record("expected CQLError \(code), nothing was thrown", sourceLocation: sourceLocation)
    } catch let error as CQLError {
        #expect(error.code == code, "\(error)", sourceLocation: sourceLocation)
        return error
    } catch {
        Issue.record("expected CQLError \(code), got \(error)", sourceLocation: sourceLocation)
    }
    return nil
}
