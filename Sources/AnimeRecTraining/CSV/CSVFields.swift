import AnimeRecCore
/// Why one row of an input file could not be used. The importer counts these and reports the first few
/// with their line numbers.
public enum RowError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The row has the wrong number of comma-separated fields.
    case fieldCount(expected: Int, found: Int)
    /// A quoted field is not closed before the end of the record.
    case unterminatedQuote
    /// A column that must hold a number holds something else.
    case notANumber(column: String, text: String)
    /// A number outside the column's range (ids that do not fit, ratings other than -1 or 1–10, ...).
    case outOfRange(column: String, text: String)
    /// A required column is empty.
    case missing(column: String)

    public var description: String {
        switch self {
        case .fieldCount(let expected, let found): "expected \(expected) fields, found \(found)"
        case .unterminatedQuote: "unterminated quoted field"
        case .notANumber(let column, let text): "\(column): not a number: \"\(text.prefix(40))\""
        case .outOfRange(let column, let text): "\(column): out of range: \"\(text.prefix(40))\""
        case .missing(let column): "\(column): empty"
        }
    }
}

/// RFC 4180 field splitting for one record (the record's line break already removed).
///
/// Fields are separated by commas; a field that starts with `"` runs to the matching closing quote,
/// with `""` standing for one quote inside it. Text after a closing quote up to the next comma is kept
/// (lenient, as spreadsheet exports sometimes need).
public enum CSVFields {
    /// The fields of `record`, unquoted.
    public static func split(_ record: UnsafeBufferPointer<UInt8>) -> Result<[String], RowError> {
        var fields: [String] = []
        var field: [UInt8] = []
        var index = 0
        let count = record.count
        var atFieldStart = true
        while index < count {
            let byte = record[index]
            if atFieldStart && byte == quote {
                atFieldStart = false
                index += 1
                var closed = false
                while index < count {
                    let inner = record[index]
                    if inner == quote {
                        if index + 1 < count && record[index + 1] == quote {
                            field.append(quote)
                            index += 2
                            continue
                        }
                        closed = true
                        index += 1
                        break
                    }
                    field.append(inner)
                    index += 1
                }
                guard closed else { return .failure(.unterminatedQuote) }
                continue
            }
            atFieldStart = false
            if byte == comma {
                fields.append(String(decoding: field, as: UTF8.self))
                field.removeAll(keepingCapacity: true)
                atFieldStart = true
            } else {
                field.append(byte)
            }
            index += 1
        }
        fields.append(String(decoding: field, as: UTF8.self))
        return .success(fields)
    }

    /// Convenience for tests and small inputs.
    public static func split(_ record: String) -> Result<[String], RowError> {
        var record = record
        return record.withUTF8 { split($0) }
    }

    static let quote = UInt8(ascii: "\"")
    static let comma = UInt8(ascii: ",")
}
