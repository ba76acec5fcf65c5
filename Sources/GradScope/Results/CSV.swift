import Foundation

/// An RFC 4180 table: a header row, then rows of the same width; fields with a
/// comma, quote or line break are quoted, quotes doubled; lines end in CRLF.
public struct CSVTable {
    public let header: [String]
    private var text: String

    public init(header: [String]) {
        self.header = header
        text = CSVTable.line(header)
    }

    /// Appends one row; `nil` fields are written empty.
    public mutating func append(_ fields: [String?]) {
        precondition(fields.count == header.count, "CSV row has \(fields.count) fields, header has \(header.count)")
        text += CSVTable.line(fields.map { $0 ?? "" })
    }

    /// The whole table as UTF-8.
    public var data: Data { Data(text.utf8) }

    /// Writes the table to `url` atomically (a temporary file renamed into place).
    public func write(to url: URL) throws {
        try data.write(to: url, options: .atomic)
    }

    private static func line(_ fields: [String]) -> String {
        fields.map(quoted).joined(separator: ",") + "\r\n"
    }

    private static func quoted(_ field: String) -> String {
        guard field.utf8.contains(where: { $0 == 0x2C || $0 == 0x22 || $0 == 0x0A || $0 == 0x0D }) else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// A number in round-trip precision with `.` as decimal separator; empty for nil, NaN or infinity.
    public static func number(_ value: Double?) -> String? {
        guard let value, value.isFinite else { return nil }
        return value == 0 ? "0" : "\(value)"
    }
}
