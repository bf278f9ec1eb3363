extension CQLRow {
    /// Decodes the first columns of the row, in order, as the given Swift types.
    ///
    /// ```swift
    /// let (id, title, score) = try row.decode(Int32.self, String.self, Double?.self)
    /// ```
    public func decode<each T: CQLDecodable>(_ types: repeat (each T).Type) throws -> (repeat each T) {
        var index = 0
        func next<U: CQLDecodable>(_ type: U.Type) throws -> U {
            defer { index += 1 }
            return try self.decode(U.self, at: index)
        }
        return (repeat try next((each T).self))
    }
}

extension CQLRows {
    /// Decodes every row's first columns, in order, as the given Swift types.
    ///
    /// ```swift
    /// let neighbours: [(Int32, Double)] = try rows.decode(Int32.self, Double.self)
    /// ```
    public func decode<each T: CQLDecodable>(_ types: repeat (each T).Type) throws -> [(repeat each T)] {
        try self.rows.map { try $0.decode(repeat (each T).self) }
    }
}
